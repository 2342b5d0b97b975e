# Runs INSIDE the virtual board's MicroPython. The board's filesystem: the board's folder
# on the host (os.VfsPosix), seen through a flash-sized window like a board's littlefs:
# os.statvfs() reports the profile's flash size in 4 KiB blocks, os.ilistdir() gives
# file sizes (so `mpremote fs ls` shows them), and a write that would not fit raises
# OSError(ENOSPC) before a byte is written, as on a full board.
import io, os

BLOCK = 4096
ENOSPC = 28
_DIR = 0x4000


def _blocks(size):
    return (size + BLOCK - 1) // BLOCK


class _File(io.IOBase):
    """A file open for writing: every write is checked against the free space."""

    def __init__(self, fs, f, size):
        self._fs, self._f, self._size = fs, f, size

    def write(self, buf):
        end = self._f.tell() + len(buf)
        if end > self._size:
            grow = _blocks(end) - _blocks(self._size)
            if grow > self._fs.free_blocks():
                raise OSError(ENOSPC)
            self._fs.used += grow
            self._size = end
        return self._f.write(buf)

    def readinto(self, buf):
        return self._f.readinto(buf)

    def read(self, *n):
        return self._f.read(*n)

    def readline(self, *n):
        return self._f.readline(*n)

    def fileno(self):
        return self._f.fileno()

    def seek(self, *a):
        return self._f.seek(*a)

    def tell(self):
        return self._f.tell()

    def flush(self):
        return self._f.flush()

    def close(self):
        return self._f.close()

    def ioctl(self, req, arg):
        if req == 4:  # MP_STREAM_CLOSE
            self._f.close()
        elif req == 1:  # MP_STREAM_FLUSH
            self._f.flush()
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


class BoardFS:
    """A VFS (MicroPython's user-filesystem protocol) over a host folder, with a size."""

    def __init__(self, folder, size):
        self._v = os.VfsPosix(folder)
        self.total = max(size // BLOCK, 8)
        self.used = self._count("")

    def __repr__(self):
        return "<VfsFlash>"

    __str__ = __repr__

    # littlefs keeps two metadata blocks for the root and one per folder.
    def _count(self, path):
        n = 2 if not path else 1
        for entry in self._v.ilistdir(path or "/"):
            full = path + "/" + entry[0]
            if entry[1] == _DIR:
                n += self._count(full)
            else:
                n += _blocks(self._v.stat(full)[6])
        return n

    def free_blocks(self):
        return self.total - self.used

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def statvfs(self, path):
        self.used = self._count("")
        free = max(self.total - self.used, 0)
        return (BLOCK, BLOCK, self.total, free, free, 0, 0, 0, 0, 255)

    def ilistdir(self, path):
        for entry in self._v.ilistdir(path):
            size = 0
            if entry[1] != _DIR:
                try:
                    size = self._v.stat(path.rstrip("/") + "/" + entry[0])[6]
                except OSError:
                    pass
            yield (entry[0], entry[1], 0, size)

    def open(self, path, mode):
        if "r" in mode and "+" not in mode:
            return self._v.open(path, mode)
        try:
            old = self._v.stat(path)[6]
        except OSError:
            old = 0
        f = self._v.open(path, mode)
        if "w" in mode:
            self.used -= _blocks(old)
            old = 0
        return _File(self, f, old)

    def mkdir(self, path):
        if self.free_blocks() < 1:
            raise OSError(ENOSPC)
        self._v.mkdir(path)
        self.used += 1

    def remove(self, path):
        self._v.remove(path)
        self.used = self._count("")

    def rmdir(self, path):
        self._v.rmdir(path)
        self.used = self._count("")

    def rename(self, old, new):
        self._v.rename(old, new)
        self.used = self._count("")

    def stat(self, path):
        return self._v.stat(path)

    def chdir(self, path):
        return self._v.chdir(path)

    def getcwd(self):
        return self._v.getcwd()


def mount(folder, size):
    """Make ``folder`` the board's ``/`` with ``size`` bytes of flash.

    After this the host's module folder is out of reach: what the board needs later
    (the reset helpers, imported when machine.reset() runs) is loaded first."""
    import _ylab_power  # noqa: F401
    import _ylab_vfs  # the board's `vfs` (see _ylab_frozen)

    try:
        os.umount("/")
    except OSError:
        pass
    os.mount(BoardFS(folder, size), "/")
    os.chdir("/")
    _ylab_vfs.confine(folder)
