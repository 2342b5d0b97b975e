"""``id:SERIAL``: the USB (or virtual) board with this serial number, wherever it is plugged."""

from __future__ import annotations

from typing import Any

from youthlab.boards.discover import find_port
from youthlab.boards.errors import BoardNotFound
from youthlab.boards.targets import BoardTarget, Resolved


class SerialNumberTarget(BoardTarget):
    priority = 30

    def matches(self, target: str) -> bool:
        return target.startswith("id:")

    def resolve(self, target: str, **options: Any) -> Resolved:
        serial_number = target[3:]
        port = find_port(serial_number)
        if not port:
            raise BoardNotFound(port=target)
        return Resolved(serial_number, port, serial_number)
