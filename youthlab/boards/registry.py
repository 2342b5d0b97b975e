"""One Session per board per kernel: ``connect(target)`` and ``current()``.

Targets (see :mod:`youthlab.boards.targets`, one entry point each): ``"virtual"`` /
``"virtual:name"`` (a virtual board started by — and stopped with — this kernel),
``"station:3"`` (the board at hall station 3, via its bridge), ``"station"`` (this
kernel's station, ``YOUTHLAB_STATION``), ``"id:SERIAL"`` (a USB board by serial
number), ``"auto"`` (the first known USB board, else a virtual one), or a port / pyserial
URL (``/dev/ttyACM0``, ``rfc2217://host:port``).
"""

from __future__ import annotations

import atexit
from typing import Any

from youthlab.boards.session import Session
from youthlab.boards.targets import TargetUnavailable, target_for, targets
from youthlab.boards.targets.virtual import (  # noqa: F401 (public here)
    VirtualTarget,
    start_virtual,
    virtual_board,
)
from youthlab.i18n import t

_sessions: dict[str, Session] = {}
_current: Session | None = None


def connect(target: str = "auto", *, quiet: bool = False, **kw: Any) -> Session:
    """The Session for ``target``, connecting if needed (one per board per kernel).

    Extra keyword arguments go to the board for targets that start one (a virtual
    board: ``baud=115200``, ``simulator=...``, ``profile="rp2040"``) and to
    :class:`Session` otherwise (``owner=...``, ``notify=...``).
    """
    global _current
    kind = target_for(target)
    board_kw = kw if kind.takes_board_options else {}
    where = kind.resolve(target, **board_kw)
    session = _sessions.get(where.key)
    if session is None or session.closed:
        session_kw = {} if kind.takes_board_options else kw
        session = Session(where.port, serial_number=where.serial_number, **where.session_kw,
                          **session_kw)
        _sessions[where.key] = session
        if not quiet:
            session.notify(t("boards.connected", name=session.name, port=session.port))
    _current = session
    return session


def current() -> Session | None:
    """The board the last ``connect`` chose (what ``%%board`` runs on)."""
    return _current


def disconnect_all() -> None:
    """Close every Session and stop what the targets started for this kernel."""
    global _current
    for s in list(_sessions.values()):
        try:
            s.close()
        except Exception:
            pass
    _sessions.clear()
    try:
        kinds = targets()
    except TargetUnavailable:  # a broken plug-in must not keep our boards running
        kinds = (VirtualTarget(),)
    for kind in kinds:
        kind.close_all()
    _current = None


atexit.register(disconnect_all)
