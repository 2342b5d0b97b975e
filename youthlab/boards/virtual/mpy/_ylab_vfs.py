# The virtual board's `vfs` module (returned for `import vfs` by _ylab_frozen's import
# hook): the unix port's own, except that VfsPosix(path) takes a path on the board.
# The unix port's VfsPosix would open any host folder; here its root is the board's
# folder joined with the board path given, so a program that mounts a folder of its own
# (MicroPython's vfs_posix tests do) gets it, and nothing outside the board.
import os
from vfs import *  # noqa: F401,F403  (mount, umount, VfsPosix, ...: the unix port's)
from vfs import VfsPosix as _native

__name__ = "vfs"
_folder = [None]


def _board_path(path):
    """``path`` on the board, absolute and without ``..`` (it cannot climb out of /)."""
    if not path.startswith("/"):
        path = os.getcwd().rstrip("/") + "/" + path
    parts = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


class VfsPosix:
    """The unix port's VfsPosix rooted in the board's folder (a VFS for vfs.mount)."""

    def __init__(self, root=None):
        if _folder[0] is None:
            self._root, self._v = "", _native(root) if root is not None else _native()
        else:
            self._root = _folder[0] + _board_path(root or "/")
            self._v = _native(self._root)

    _readonly = False

    def __getattr__(self, name):
        return getattr(self._v, name)

    def mount(self, readonly, mkfs):
        self._readonly = bool(readonly)
        return self._v.mount(readonly, mkfs)

    def rename(self, old, new):
        # The unix port's VfsPosix builds both paths in one buffer, so the old one can
        # read as the new one (ENOENT); a root-less VfsPosix given both in full does not.
        if not self._root:
            return self._v.rename(old, new)
        if self._readonly:
            raise OSError(30)  # EROFS, as the unix port's own says
        return _plain().rename(self._host(old), self._host(new))

    def _host(self, path):
        path = path.decode() if isinstance(path, bytes) else path
        return self._root.rstrip("/") + path if path.startswith("/") else path


def _plain():
    return _native()


def confine(folder):
    """From now on VfsPosix paths are on the board whose files are in ``folder``."""
    _folder[0] = folder.rstrip("/")
    globals().pop("__file__", None)  # built in on a board: no host path
