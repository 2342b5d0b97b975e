"""``auto``: the first known USB board, else a virtual board."""

from __future__ import annotations

from typing import Any

from youthlab.boards.discover import usb_boards
from youthlab.boards.targets import BoardTarget, Resolved
from youthlab.boards.targets.virtual import VirtualTarget


class AutoTarget(BoardTarget):
    priority = 40

    def matches(self, target: str) -> bool:
        return target == "auto"

    def resolve(self, target: str, **options: Any) -> Resolved:
        boards = usb_boards()
        if boards:
            b = boards[0]
            return Resolved(b.serial_number or b.port, b.port, b.serial_number,
                            {"name": b.name, "hard_reset": b.reset == "dtr_rts"})
        return VirtualTarget().resolve("virtual")
