"""Opening a G-code file safely: never through a symlink, never anything but a plain file.

A ``secret.gcode`` link to the hub's cookie secret must not reach a printer, so every
path that reads a print file (queueing it, uploading it) opens it through here.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from youthlab.stamp.print_errors import PrintRequestError, SymlinkRefused

MAX_GCODE_BYTES = 200 * 1024 * 1024


def open_regular_nofollow(path: str | Path) -> int:
    """A read-only descriptor of a regular file, refusing a symlink as the last part of the
    path (``O_NOFOLLOW``) and anything that is not a plain file (a FIFO, a device)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SymlinkRefused(name=Path(path).name) from None
        raise PrintRequestError(detail=f"{Path(path).name}: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PrintRequestError(detail=f"{Path(path).name}: not a regular file")
    return fd
