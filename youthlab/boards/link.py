"""The byte link under a Session: mpremote's SerialTransport with a push-back buffer.

:class:`Link` wraps the pyserial object that ``SerialTransport`` uses, so our own
reader (which reads in bulk, for speed) can hand back bytes that belong to mpremote's
next step — the raw REPL's ``>`` prompt — instead of swallowing them.
"""

from __future__ import annotations

import io
import select
from typing import Any


class Link:
    """A pyserial-like object with :meth:`unread`; everything else goes to ``serial``."""

    def __init__(self, serial: Any) -> None:
        object.__setattr__(self, "orig_serial", serial)
        object.__setattr__(self, "_back", bytearray())

    def unread(self, data: bytes) -> None:
        self._back[:0] = data

    def read(self, size: int = 1) -> bytes:
        if self._back:
            out = bytes(self._back[:size])
            del self._back[:size]
            if len(out) < size and self.orig_serial.in_waiting:
                out += self.orig_serial.read(min(size - len(out), self.orig_serial.in_waiting))
            return out
        return self.orig_serial.read(size)

    def read_some(self, wait: float | None = None) -> bytes:
        """What has arrived: blocks up to the port's timeout for the first byte, or, on a
        local port, at most ``wait`` seconds (other ports keep the blocking read, which is
        also how they report a lost connection)."""
        if self._back:
            out = bytes(self._back)
            self._back.clear()
            return out
        if wait is not None and not self._arrives_within(wait):
            return b""
        data = self.orig_serial.read(1)
        if data:
            n = self.orig_serial.in_waiting
            if n:
                data += self.orig_serial.read(n)
        return data

    def _arrives_within(self, wait: float) -> bool:
        """Whether a read would find something within ``wait`` seconds: bytes or a hang-up,
        which the read then reports (True too for a port without a file descriptor)."""
        try:
            fd = self.orig_serial.fileno()
        except (io.UnsupportedOperation, AttributeError):  # rfc2217://, loop://, a closed socket://
            return True
        return bool(select.select([fd], [], [], wait)[0])

    def inWaiting(self) -> int:  # noqa: N802 - pyserial's old name, used by mpremote
        return len(self._back) + self.orig_serial.in_waiting

    @property
    def in_waiting(self) -> int:
        return self.inWaiting()

    def reset_input_buffer(self) -> None:
        self._back.clear()
        self.orig_serial.reset_input_buffer()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.orig_serial, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.orig_serial, name, value)
