"""One kernel owns a board: a lock file per board with who holds it.

The lock is an ``flock`` on ``<data_dir>/boards/locks/<key>.lock`` (released by the OS
when the owning kernel dies, so no stale locks); the file's text names the owner so
the next student reads "board in use by …".
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
import socket
from pathlib import Path

from youthlab.boards.errors import BoardInUse
from youthlab.paths import data_dir


def lock_dir() -> Path:
    return data_dir() / "boards" / "locks"


def default_owner() -> str:
    """A readable owner: the hub user if any, else the login name, with host and pid."""
    user = os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


class BoardLock:
    """Exclusive ownership of the board called ``key`` (serial number, port or URL)."""

    def __init__(self, key: str, owner: str | None = None) -> None:
        self.key = key
        self.owner = owner or default_owner()
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("_") or "board"
        self.path = lock_dir() / f"{safe}.lock"
        self._fd: int | None = None

    def acquire(self) -> "BoardLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The lock folder is shared by every system user (sticky, like /tmp): never follow
        # a symlink someone planted there in place of a lock file.
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            import errno

            # ELOOP from O_NOFOLLOW, or EACCES from the kernel's protected_symlinks
            if exc.errno not in (errno.ELOOP, errno.EACCES) or not self.path.is_symlink():
                raise
            raise BoardInUse(owner="? (not a lock file)", port=self.key) from None
        try:  # the next student (maybe another system user) must be able to take it too
            os.fchmod(fd, 0o666)
        except PermissionError:
            pass  # someone else's file: already shared when they made it
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            except ValueError:
                info = {}
            os.close(fd)
            raise BoardInUse(owner=info.get("owner", "?"), port=self.key) from None
        os.ftruncate(fd, 0)
        user = os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
        os.pwrite(fd, json.dumps({"owner": self.owner, "user": user, "key": self.key}).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> "BoardLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def boards_in_use(folder: Path | None = None) -> dict[str, list[str]]:
    """Who holds which board right now: ``{user: [board key, …]}``.

    A lock file whose ``flock`` is free is a board nobody holds any more (its kernel
    ended), so only locks someone holds count (the teacher's "board connected" column).
    """
    found: dict[str, list[str]] = {}
    for path in sorted((folder or lock_dir()).glob("*.lock")):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:  # gone, or a symlink planted in the shared folder
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:  # held: read who holds it
                try:
                    info = json.loads(os.pread(fd, 4096, 0) or b"{}")
                except ValueError:
                    continue
                user = info.get("user") or str(info.get("owner", "?")).split("@")[0]
                found.setdefault(user, []).append(str(info.get("key", path.stem)))
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    return found
