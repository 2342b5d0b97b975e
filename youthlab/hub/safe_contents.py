"""Notebook saves that a full disk cannot truncate: the students' servers' contents manager.

jupyter_server's own "atomic" writing (``use_atomic_writing``, on by default) copies the
old file aside, truncates the notebook and writes it in place; the data reaches the disk
at ``flush()``, which runs after its error handling. Measured (jupyter_server 2.21.1, a
1 MB tmpfs with one free page): saving a 6 KB notebook over a 230-byte one left a
4096-byte, invalid notebook — the student's work gone. Here the new content goes to a
temporary file in the same folder, is flushed and synced, and only then renamed over
the notebook; any error removes the temporary file and leaves the old notebook as it was.
A full disk (or quota) is answered with HTTP 507 and a Korean and English message
instead of "Unexpected error".

Used by every single-user server through ``hub_config/jupyter_server_config.py``.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from typing import IO, Any, Iterator

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web

from youthlab.i18n import t


def is_disk_full(exc: BaseException | None) -> bool:
    """ENOSPC or EDQUOT anywhere in the exception's chain."""
    import errno

    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@contextmanager
def replace_on_success(path: str, text: bool = True, encoding: str = "utf-8", **kwargs: Any) -> Iterator[IO]:
    """Write ``path`` through a temporary file renamed over it only when complete."""
    kwargs.pop("log", None)
    if os.path.islink(path):  # as jupyter_server: write the link's target
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".~{os.path.basename(path)}.", suffix=".saving", dir=folder)
    fh = None
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        if text:
            kwargs.setdefault("newline", "\n")
            fh = os.fdopen(fd, "w", encoding=encoding, **kwargs)
        else:
            fh = os.fdopen(fd, "wb", **kwargs)
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        os.replace(tmp, path)
    except BaseException:
        try:
            if fh is not None:
                fh.close()
            else:
                os.close(fd)
        except OSError:
            pass  # closing flushes the rest: the disk is still full
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def disk_full_message(path: str) -> str:
    return " / ".join(f"{t('disk.full.save', lang, path=path)} {t('disk.full.save.hint', lang)}"
                      for lang in ("ko", "en"))


class SafeContentsManager(AsyncLargeFileManager):
    """The default contents manager (AsyncLargeFileManager) with saves that never truncate."""

    @contextmanager
    def atomic_writing(self, os_path: str, *args: Any, **kwargs: Any) -> Iterator[IO]:
        folder = os.path.dirname(os_path) or "."
        try:
            foreign = os.stat(os_path).st_uid != os.geteuid()
        except FileNotFoundError:
            foreign = False
        if foreign or not os.access(folder, os.W_OK):
            # someone else's file, or a folder we may not write in: jupyter_server's way
            with super().atomic_writing(os_path, *args, **kwargs) as fh:
                yield fh
            return
        with self.perm_to_403(os_path), replace_on_success(os_path, *args, **kwargs) as fh:
            yield fh

    async def save(self, model: dict, path: str = "") -> dict:
        try:
            return await super().save(model, path)
        except web.HTTPError as exc:
            if is_disk_full(exc):
                raise web.HTTPError(507, disk_full_message(path)) from exc
            raise
