"""``virtual`` / ``virtual:name``: a virtual board started by — and stopped with — this kernel."""

from __future__ import annotations

from typing import Any

from youthlab.boards.targets import BoardTarget, Resolved
from youthlab.boards.virtual import VirtualBoard

_boards: dict[str, VirtualBoard] = {}


def start_virtual(name: str = "virtual", **options: Any) -> VirtualBoard:
    """Start (or return) this kernel's virtual board ``name``."""
    board = _boards.get(name)
    if board is None or not board.running:
        board = VirtualBoard(name, **options).start()
        _boards[name] = board
    return board


def virtual_board(name: str = "virtual") -> VirtualBoard | None:
    """This kernel's virtual board ``name`` if it started one."""
    return _boards.get(name)


class VirtualTarget(BoardTarget):
    priority = 10
    takes_board_options = True

    def matches(self, target: str) -> bool:
        return target == "virtual" or target.startswith("virtual:")

    def resolve(self, target: str, **options: Any) -> Resolved:
        name = target.split(":", 1)[1] if ":" in target else "virtual"
        board = start_virtual(name, **options)
        return Resolved(board.serial_number, board.port, board.serial_number,
                        {"name": f"virtual:{name}"})

    def close_all(self) -> None:
        for board in list(_boards.values()):
            try:
                board.stop()
            except Exception:
                pass
        _boards.clear()
