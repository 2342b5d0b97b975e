"""Board targets: the kinds of address ``connect(target)`` understands.

Each kind is a small :class:`BoardTarget` registered under the entry-point group
``youthlab.board_targets`` (``pyproject.toml``): ``virtual`` / ``virtual:name``,
``station`` / ``station:3``, ``id:SERIAL``, ``auto``, and — asked last — a serial port
or pyserial URL (``/dev/ttyACM0``, ``rfc2217://host:port``, ``socket://host:port``).
A new kind (the Web Serial link, a lab's own board farm) is one module with one
:class:`BoardTarget` subclass plus one entry-point line; nothing here changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from youthlab.boards.errors import BoardError, BoardNotFound

GROUP = "youthlab.board_targets"


@dataclass
class Resolved:
    """Where a target leads: the port to open and how to open it."""

    key: str  # one Session per key per kernel
    port: str  # a device or a pyserial URL
    serial_number: str | None = None  # to find the board again after a replug
    session_kw: dict[str, Any] = field(default_factory=dict)  # name=, hard_reset=


class BoardTarget:
    """One kind of board address.

    ``priority``: lower is asked first (the catch-all port target has the highest).
    ``takes_board_options``: keyword arguments of ``connect`` go to :meth:`resolve`
    (they configure a board this kernel starts) instead of to the Session.
    """

    priority: int = 50
    takes_board_options: bool = False

    def matches(self, target: str) -> bool:
        """Is ``target`` an address of this kind?"""
        raise NotImplementedError

    def resolve(self, target: str, **options: Any) -> Resolved:
        """The port for ``target``; :class:`BoardNotFound` (ko/en) if there is none."""
        raise NotImplementedError

    def close_all(self) -> None:
        """Stop what this target started for the kernel (called on disconnect)."""


class TargetUnavailable(BoardError):
    """A registered target whose module cannot be loaded: fail loudly, in ko/en."""

    key = "boards.target.broken"
    hint_key = "boards.target.broken.hint"


@lru_cache(maxsize=1)
def targets() -> tuple[BoardTarget, ...]:
    """Every registered target, in the order they are asked."""
    found = []
    for ep in entry_points(group=GROUP):
        try:
            cls = ep.load()
        except (ImportError, AttributeError) as exc:
            raise TargetUnavailable(name=ep.name, detail=f"{ep.value}: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, BoardTarget)):
            raise TargetUnavailable(name=ep.name, detail=f"{ep.value} is not a BoardTarget")
        found.append(cls())
    return tuple(sorted(found, key=lambda t: (t.priority, type(t).__name__)))


def target_for(target: str) -> BoardTarget:
    """The registered target that understands ``target``."""
    for kind in targets():
        if kind.matches(target):
            return kind
    raise BoardNotFound(port=target)


def resolve(target: str, **options: Any) -> Resolved:
    """Where ``target`` leads (see :class:`Resolved`)."""
    return target_for(target).resolve(target, **options)
