"""A serial port or pyserial URL: ``/dev/ttyACM0``, ``COM3``, ``rfc2217://…``, ``socket://…``.

Asked last: anything no other target claims is opened as a port. A known USB board
keeps its catalog name and whether DTR/RTS can reset it.
"""

from __future__ import annotations

from typing import Any

from youthlab.boards.discover import usb_boards
from youthlab.boards.targets import BoardTarget, Resolved


class PortTarget(BoardTarget):
    priority = 1000

    def matches(self, target: str) -> bool:
        return bool(target)

    def resolve(self, target: str, **options: Any) -> Resolved:
        if "://" not in target:
            for b in usb_boards(include_unknown=True):
                if b.port == target:
                    return Resolved(b.serial_number or b.port, b.port, b.serial_number,
                                    {"name": b.name, "hard_reset": b.reset == "dtr_rts"})
        return Resolved(target, target, None)
