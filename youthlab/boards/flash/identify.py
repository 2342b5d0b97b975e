"""After every flash: connect to the board and read what MicroPython says it is."""

from __future__ import annotations

import time
from typing import Any

from youthlab.boards.discover import find_port
from youthlab.boards.errors import BoardError
from youthlab.boards.flash.errors import NoAnswer
from youthlab.boards.session import Session

# Every MicroPython port has os.uname(); the unix port (virtual boards) has not, and
# stands in with sys.platform.
PROBE = ("import sys, os\n"
         "f = ('sysname', 'nodename', 'release', 'version', 'machine')\n"
         "u = os.uname() if hasattr(os, 'uname') else None\n"
         "print(repr({'implementation': (sys.implementation.name, '.'.join(str(v) for v in "
         "sys.implementation.version[:3]), getattr(sys.implementation, '_machine', '')), "
         "'uname': {k: (getattr(u, k) if u else (sys.platform if k == 'sysname' else '')) for k in f}}))\n")


def identify(port: str, timeout: float = 20.0, serial_number: str | None = None) -> dict[str, Any]:
    """``sys.implementation`` and ``os.uname()`` of the board at ``port``, once it answers."""
    import ast

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if serial_number:  # after a reboot a USB board may come back on another port name
            port = find_port(serial_number) or port
        try:
            with Session(port, serial_number=serial_number, connect_timeout=5.0, notify=lambda m: None) as board:
                out = board.exec(PROBE, on_output=lambda s: None, timeout=10, remember=False)
                return ast.literal_eval(str(out).strip().splitlines()[-1])
        except (BoardError, OSError, ValueError, SyntaxError) as exc:
            last = exc
            time.sleep(0.5)
    raise NoAnswer(port=port, detail=str(last)[:200])
