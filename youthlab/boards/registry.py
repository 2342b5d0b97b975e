"""One Session per board per kernel: ``connect(target)`` and ``current()``.

Targets: ``"virtual"`` / ``"virtual:name"`` (a virtual board started by — and stopped
with — this kernel), ``"station:3"`` (the board at hall station 3, via its bridge),
``"station"`` (this kernel's station, ``YOUTHLAB_STATION``), ``"id:SERIAL"`` (a USB board
by serial number), ``"auto"`` (the first known USB board, else a virtual one), or a port
/ pyserial URL (``/dev/ttyACM0``, ``rfc2217://host:port``).
"""

from __future__ import annotations

import atexit
from typing import Any

from youthlab.boards.errors import BoardNotFound
from youthlab.boards.session import Session
from youthlab.i18n import t

_sessions: dict[str, Session] = {}
_virtual: dict[str, Any] = {}
_current: Session | None = None


def start_virtual(name: str = "virtual", **kw: Any):
    """Start (or return) this kernel's virtual board ``name``."""
    from youthlab.boards.virtual import VirtualBoard

    board = _virtual.get(name)
    if board is None or not board.running:
        board = VirtualBoard(name, **kw).start()
        _virtual[name] = board
    return board


def _resolve(target: str, **kw: Any) -> tuple[str, str, str | None, dict]:
    """(key, port, serial number, extra Session kwargs) for a target string."""
    from youthlab.boards import discover, stations

    if target == "virtual" or target.startswith("virtual:"):
        name = target.split(":", 1)[1] if ":" in target else "virtual"
        board = start_virtual(name, **kw)
        return board.serial_number, board.port, board.serial_number, {"name": f"virtual:{name}"}
    if target == "station" or target.startswith("station:"):
        station = target.split(":", 1)[1] if ":" in target else stations.my_station()
        if not station:
            raise BoardNotFound(port=target)
        entry = stations.lookup(station)
        return entry["url"], entry["url"], None, {"name": f"station {station}"}
    if target.startswith("id:"):
        serial_number = target[3:]
        port = discover.find_port(serial_number)
        if not port:
            raise BoardNotFound(port=target)
        return serial_number, port, serial_number, {}
    if target == "auto":
        boards = discover.usb_boards()
        if boards:
            b = boards[0]
            return (b.serial_number or b.port, b.port, b.serial_number,
                    {"name": b.name, "hard_reset": b.reset == "dtr_rts"})
        return _resolve("virtual", **kw)
    for b in discover.usb_boards(include_unknown=True):
        if b.port == target:
            return (b.serial_number or b.port, b.port, b.serial_number,
                    {"name": b.name, "hard_reset": b.reset == "dtr_rts"})
    return target, target, None, {}


def connect(target: str = "auto", *, quiet: bool = False, **kw: Any) -> Session:
    """The Session for ``target``, connecting if needed (one per board per kernel).

    Extra keyword arguments go to :class:`~youthlab.boards.virtual.VirtualBoard` for
    virtual targets (``baud=115200``, ``simulator=...``) and to :class:`Session`
    otherwise (``owner=...``, ``notify=...``).
    """
    global _current
    virtual = target == "virtual" or target.startswith("virtual:")
    key, port, serial_number, extra = _resolve(target, **(kw if virtual else {}))
    session = _sessions.get(key)
    if session is None or session.closed:
        session_kw = {} if virtual else kw
        session = Session(port, serial_number=serial_number, **extra, **session_kw)
        _sessions[key] = session
        if not quiet:
            session.notify(t("boards.connected", name=session.name, port=session.port))
    _current = session
    return session


def current() -> Session | None:
    """The board the last ``connect`` chose (what ``%%board`` runs on)."""
    return _current


def disconnect_all() -> None:
    """Close every Session and stop this kernel's virtual boards."""
    global _current
    for s in list(_sessions.values()):
        try:
            s.close()
        except Exception:
            pass
    _sessions.clear()
    for b in list(_virtual.values()):
        try:
            b.stop()
        except Exception:
            pass
    _virtual.clear()
    _current = None


atexit.register(disconnect_all)
