"""The Python runtime that accounts' servers run from, reachable by every system user.

In isolated mode each account is its own unprivileged system user, so it must be able to
run the venv's ``jupyterhub-singleuser``, the base Python behind the venv and the
``youthlab`` package. ``make up`` puts them wherever the checkout is: pyenv's Python
under ``/root`` (mode 0700), a CI clone in a 0700 temp folder. We never open those
folders (nor change any permission in the checkout); instead, when they are closed to
"others", a *runtime mirror* is built under ``/opt/youthlab/<checkout>``
(``YOUTHLAB_RUNTIME_DIR``), readable by all and writable by root alone:

- ``python/``: the base Python (``sys.base_prefix``: the interpreter, ``libpython``
  and the standard library, without its own site-packages and test suite);
- ``venv/``: the venv, its ``pyvenv.cfg`` and scripts' ``#!`` lines pointing at the mirror;
- ``project/``: the code students' servers use (``youthlab/``, ``labs/``, ...), with the
  venv's editable install of ``youthlab`` replaced by a ``.pth`` that points here.

Files are hard links where possible (same file system, owned by root, not writable by
group/others and already readable by others — so linking changes no permission), else
copies. A rebuild skips files whose size and mtime did not change (a second ``up`` takes
a second or two), removes files that went away, and holds an ``fcntl`` lock so two hubs
starting at once do not build over each other. One mirror per checkout (the folder name
comes from its path), so two checkouts never overwrite each other's running code.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from traitlets import CaselessStrEnum, Unicode

from youthlab.config import EnvConfigurable, knob
from youthlab.errors import SetupError
from youthlab.paths import project_root

DEFAULT_RUNTIME_DIR = "/opt/youthlab"


class RuntimeSettings(EnvConfigurable):
    """Where the runtime mirror goes and when it is used (``youthlab config --area runtime``)."""

    runtime_dir = knob(Unicode(DEFAULT_RUNTIME_DIR), "YOUTHLAB_RUNTIME_DIR")
    mirror = knob(CaselessStrEnum(["auto", "always"], default_value="auto"), "YOUTHLAB_RUNTIME_MIRROR")


PROJECT_PARTS = ("youthlab", "labs", "hardware", "hub_config", "games", "curricula")
# Not needed by students' servers, and not theirs to read (the accounts plan has every
# account and class of the hall; the hub itself reads it from the checkout).
PROJECT_SKIP = {"node_modules", ".git", ".ipynb_checkpoints", "accounts.yaml"}
EDITABLE = re.compile(r"^__editable__.*youthlab.*")
RUNTIME_PTH = "youthlab-runtime.pth"


@dataclass(frozen=True)
class Runtime:
    """What students' servers run: ``bin`` (jupyterhub-singleuser, python, youthlab)
    and ``root`` (``YOUTHLAB_ROOT``: labs, hardware, hub_config …)."""

    bin: Path
    root: Path
    mirrored: bool

    @property
    def singleuser(self) -> Path:
        """What the spawner runs: jupyterhub-singleuser, started cheaper (youthlab/hub/singleuser.py)."""
        return self.bin / "youthlab-jupyterhub-singleuser"


def in_place() -> Runtime:
    return Runtime(bin=Path(sys.executable).parent, root=project_root(), mirrored=False)


def runtime_base() -> Path:
    return Path(RuntimeSettings.setting("runtime_dir") or DEFAULT_RUNTIME_DIR)


def mirror_dir(root: Path | None = None) -> Path:
    """``/opt/youthlab/<checkout name>-<hash of its path>``: one mirror per checkout."""
    root = (root or project_root()).resolve()
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:8]
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", root.name) or "root"
    return runtime_base() / f"{name}-{digest}"


def reachable_by_others(path: Path, execute: bool = False) -> bool:
    """Could a user with no special rights open ``path`` (and run it, with ``execute``)?

    Follows symlinks (the venv's ``python`` points into the base Python), then needs
    search permission for "others" on every folder above it and read (and execute) on it.
    """
    real = Path(os.path.realpath(path))
    try:
        st = real.stat()
    except OSError:
        return False
    for folder in real.parents:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    need = stat.S_IROTH | (stat.S_IXOTH if execute or stat.S_ISDIR(st.st_mode) else 0)
    return st.st_mode & need == need


def needs_mirror() -> bool:
    """True when the venv, its base Python or the checkout are closed to other users."""
    venv = Path(sys.prefix)
    probes = [
        (venv / "bin" / "python", True),
        (venv / "bin" / "jupyterhub-singleuser", True),
        (Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "os.py", False),
        (Path(_site_packages(venv)), False),
        (project_root() / "youthlab" / "__init__.py", False),
        (project_root() / "labs", False),
    ]
    libpython = _libpython(Path(sys.base_prefix))
    if libpython:
        probes.append((libpython, False))
    return not all(reachable_by_others(p, x) for p, x in probes)


def mirror_wanted() -> bool:
    """``YOUTHLAB_RUNTIME_MIRROR``: ``auto`` (default; mirror when something is closed to
    other users) or ``always`` (servers never run code from the checkout itself)."""
    if RuntimeSettings.setting("mirror") == "always":
        return True
    return needs_mirror()


def student_runtime(build: bool = True) -> Runtime:
    """The runtime for accounts' servers: the checkout itself when every user may run it
    (or when not root, i.e. demo mode), else the mirror (built or brought up to date)."""
    if os.geteuid() != 0 or not mirror_wanted():
        return in_place()
    target = mirror_dir()
    if build:
        build_mirror(target)
    return Runtime(bin=target / "venv" / "bin", root=target / "project", mirrored=True)


# --- building -------------------------------------------------------------------------

def _site_packages(venv: Path) -> str:
    return str(venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages")


def _libpython(base: Path) -> Path | None:
    found = sorted((base / "lib").glob("libpython3*.so*"))
    return found[0] if found else None


class RuntimeUnreachable(SetupError):
    key = "runtime.error"
    hint_key = "runtime.error.hint"


class _Sync:
    """Mirror files into ``dst``, remembering every path it made (to remove the rest)."""

    def __init__(self, dst: Path) -> None:
        self.dst = dst
        self.kept: set[str] = set()
        self.dev = None
        self.linked = self.copied = self.skipped = 0
        self.links: dict[str, str] = {}  # absolute symlink targets to rewrite: old prefix -> new

    def keep(self, path: Path) -> None:
        self.kept.add(str(path))

    def mkdir(self, path: Path) -> None:
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            path.unlink()
        path.mkdir(mode=0o755, exist_ok=True)
        st = path.stat()
        if st.st_uid != 0 or stat.S_IMODE(st.st_mode) != 0o755:
            os.chown(path, 0, 0)
            path.chmod(0o755)
        self.keep(path)

    def symlink(self, target: str, path: Path) -> None:
        self.keep(path)
        if path.is_symlink() and os.readlink(path) == target:
            return
        _remove(path)
        os.symlink(target, path)

    def file(self, src: Path, st: os.stat_result, path: Path) -> None:
        self.keep(path)
        try:
            old = path.lstat()
        except FileNotFoundError:
            old = None
        if old is not None and stat.S_ISREG(old.st_mode) and old.st_size == st.st_size \
                and old.st_mtime_ns == st.st_mtime_ns:
            self.skipped += 1
            return
        tmp = path.with_name(f".{path.name}.yl-tmp")
        _remove(tmp)
        mode = stat.S_IMODE(st.st_mode)
        executable = bool(mode & 0o111)
        linkable = (st.st_uid == 0 and not mode & 0o022 and mode & stat.S_IROTH
                    and (not executable or mode & stat.S_IXOTH) and st.st_dev == self._dev())
        if linkable:  # same inode: nothing about the source's permissions changes
            os.link(src, tmp)
            self.linked += 1
        else:
            shutil.copy2(src, tmp)
            os.chown(tmp, 0, 0)
            tmp.chmod(0o755 if executable else 0o644)
            self.copied += 1
        if old is not None and stat.S_ISDIR(old.st_mode):
            shutil.rmtree(path)
        os.replace(tmp, path)

    def content(self, data: bytes, mode: int, path: Path) -> None:
        """A file whose content we rewrote (shebangs, pyvenv.cfg, the interpreter)."""
        self.keep(path)
        try:
            if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
                return
        except OSError:
            pass
        tmp = path.with_name(f".{path.name}.yl-tmp")
        _remove(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        _remove(path)
        os.replace(tmp, path)
        self.copied += 1

    def _dev(self) -> int:
        if self.dev is None:
            self.dev = self.dst.stat().st_dev
        return self.dev

    def tree(self, src: Path, dst: Path, skip=lambda rel: False, transform=None, rel: str = "") -> None:
        """Mirror folder ``src`` to ``dst``; ``skip(rel)`` leaves paths out, ``transform(rel, src)``
        may return new bytes for a file (or None to mirror it as it is)."""
        self.mkdir(dst)
        dst_name = str(dst)
        with os.scandir(src) as entries:
            for entry in entries:
                r = f"{rel}/{entry.name}" if rel else entry.name
                if skip(r) or entry.name.endswith(".yl-tmp"):
                    continue
                try:
                    self._entry(entry, dst, dst_name, r, skip, transform)
                except FileNotFoundError:
                    if os.path.lexists(entry.path):
                        raise  # not the source that went: a real problem
                    # The source went while we mirrored it (a __pycache__ file another
                    # Python process was just writing and renamed): nothing to mirror.

    def _entry(self, entry: os.DirEntry, dst: Path, dst_name: str, r: str, skip, transform) -> None:
        if entry.is_symlink():
            link = os.readlink(entry.path)
            self.symlink(self.map_link(link), dst / entry.name)
        elif entry.is_dir():
            self.tree(Path(entry.path), dst / entry.name, skip, transform, r)
        elif entry.is_file():
            st = entry.stat()
            new = transform(r, Path(entry.path)) if transform else None
            if new is not None:
                self.content(new, 0o755 if st.st_mode & 0o111 else 0o644, dst / entry.name)
            elif not self._unchanged(st, os.path.join(dst_name, entry.name)):
                self.file(Path(entry.path), st, dst / entry.name)

    def _unchanged(self, st: os.stat_result, path: str) -> bool:
        """The mirror's file at ``path`` is already this one (same size and time): kept as is.
        The common case of every start, so checked on plain strings (tens of thousands of files)."""
        try:
            old = os.lstat(path)
        except FileNotFoundError:
            return False
        if stat.S_ISREG(old.st_mode) and old.st_size == st.st_size and old.st_mtime_ns == st.st_mtime_ns:
            self.kept.add(path)
            self.skipped += 1
            return True
        return False

    def map_link(self, link: str) -> str:
        """An absolute symlink into a mirrored tree points at the mirror instead."""
        for old, new in self.links.items():
            if link == old or link.startswith(old + "/"):
                return new + link[len(old):]
        return link

    def prune(self) -> int:
        """Remove whatever is in the mirror but no longer in its sources."""
        removed = 0
        for dirpath, dirnames, filenames in os.walk(self.dst, topdown=False):
            for name in filenames + dirnames:
                path = os.path.join(dirpath, name)
                if path not in self.kept and not name.startswith(".lock"):
                    _remove(Path(path))
                    removed += 1
        return removed


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _relocated_interpreter(data: bytes, base: Path) -> bytes:
    """The interpreter with its RUNPATH (``<base>/lib``, where pyenv puts libpython) set to
    ``$ORIGIN/../lib``, so the mirrored binary loads the mirrored libpython.

    The string is overwritten in place, padded with NULs (what ``patchelf`` does for a
    shorter path); the last three bytes stay ``lib`` so a symbol name sharing that tail
    of the string table would still read the same.
    """
    old = str(base / "lib").encode()
    new = b"$ORIGIN/../lib"
    needle = b"\0" + old + b"\0"
    if data.count(needle) != 1 or len(new) + 4 > len(old):
        return data
    padded = new + b"\0" * (len(old) - len(new) - 3) + old[-3:]
    return data.replace(needle, b"\0" + padded + b"\0")


def build_mirror(target: Path) -> dict[str, float | int]:
    """Build or update the mirror in ``target``; returns counts and the time it took."""
    started = time.monotonic()
    base = runtime_base()
    _safe_base(base)
    target.mkdir(mode=0o755, exist_ok=True)
    os.chown(target, 0, 0)
    target.chmod(0o755)
    lock_fd = os.open(target / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        stats = _build_locked(target)
    finally:
        os.close(lock_fd)
    if not reachable_by_others(target / "venv" / "bin" / "python", execute=True):
        raise RuntimeUnreachable(path=str(target))
    stats["seconds"] = round(time.monotonic() - started, 2)
    return stats


def _safe_base(base: Path) -> None:
    """The runtime folder and everything above it belong to root and are not writable by
    others: else a user could swap in code that every student's server runs."""
    base.mkdir(mode=0o755, parents=True, exist_ok=True)
    for folder in [base, *base.parents]:
        st = folder.stat()
        open_to_others = st.st_mode & 0o022 and (folder == base or not st.st_mode & stat.S_ISVTX)
        if st.st_uid != 0 or open_to_others:
            raise RuntimeUnreachable("runtime.unsafe", "runtime.unsafe.hint", path=str(folder))


def _build_locked(target: Path) -> dict[str, float | int]:
    venv = Path(sys.prefix)
    base = Path(sys.base_prefix)
    pyver = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    m_python, m_venv, m_project = target / "python", target / "venv", target / "project"
    sync = _Sync(target)
    sync.keep(target / ".lock")
    sync.links = {str(venv): str(m_venv), str(base): str(m_python), str(project_root()): str(m_project)}

    # The base Python: interpreter, libpython, standard library.
    sync.mkdir(m_python)
    sync.mkdir(m_python / "bin")
    interpreter = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    for entry in (base / "bin").iterdir():
        if entry.is_symlink() and os.path.realpath(entry) == str(interpreter):
            sync.symlink(sync.map_link(os.readlink(entry)), m_python / "bin" / entry.name)
    sync.content(_relocated_interpreter(interpreter.read_bytes(), base), 0o755, m_python / "bin" / interpreter.name)
    sync.mkdir(m_python / "lib")
    for lib in (base / "lib").glob("libpython3*.so*"):
        if lib.is_symlink():
            sync.symlink(os.readlink(lib), m_python / "lib" / lib.name)
        else:
            sync.file(lib, lib.stat(), m_python / "lib" / lib.name)
    sync.tree(base / "lib" / pyver, m_python / "lib" / pyver,
              skip=lambda rel: rel in ("site-packages", "test") or rel.startswith("test/"))

    # The venv, pointing at the mirrored base Python and project.
    site = f"lib/{pyver}/site-packages"

    def venv_transform(rel: str, src: Path) -> bytes | None:
        if rel == "pyvenv.cfg":
            text = src.read_text()
            for old, new in ((str(base), str(m_python)), (str(venv), str(m_venv))):
                text = text.replace(old, new)
            return text.encode()
        if rel.startswith("bin/"):
            with open(src, "rb") as fh:
                head = fh.read(2 + len(str(venv)))
            if head == b"#!" + str(venv).encode():
                return src.read_bytes().replace(b"#!" + str(venv).encode(), b"#!" + str(m_venv).encode(), 1)
        return None

    sync.tree(venv, m_venv, skip=lambda rel: bool(rel.startswith(site + "/") and EDITABLE.match(rel[len(site) + 1:])),
              transform=venv_transform)
    sync.content(f"{m_project}\n".encode(), 0o644, m_venv / site / RUNTIME_PTH)

    # The project's code (not node_modules, not the hub's accounts plan, not var/).
    sync.mkdir(m_project)
    root = project_root()
    for part in PROJECT_PARTS:
        if (root / part).is_dir():
            sync.tree(root / part, m_project / part, skip=lambda rel: rel.rsplit("/", 1)[-1] in PROJECT_SKIP)
    removed = sync.prune()
    return {"linked": sync.linked, "copied": sync.copied, "unchanged": sync.skipped, "removed": removed}


# --- checking -------------------------------------------------------------------------

UNPRIVILEGED_USER = "nobody"


def try_as_unprivileged(runtime: Runtime, timeout: float = 60) -> str | None:
    """Run the runtime as a user with no rights (``nobody``): start
    ``youthlab-jupyterhub-singleuser --version`` and import ``youthlab`` with its Python, the two
    things a spawn needs. Returns None when both work, else what went wrong."""
    import pwd
    import subprocess

    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        uid = gid = 65534

    def drop() -> None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)

    env = {"PATH": f"{runtime.bin}{os.pathsep}/usr/bin:/bin", "HOME": "/", "LANG": "C.UTF-8",
           "YOUTHLAB_ROOT": str(runtime.root)}
    for cmd in ([str(runtime.singleuser), "--version"],
                [str(runtime.bin / "python"), "-c", "import youthlab.paths as p; assert p.labs_dir().is_dir()"]):
        try:
            r = subprocess.run(cmd, env=env, cwd="/", preexec_fn=drop, capture_output=True, text=True,
                               timeout=timeout)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{cmd[0]}: {exc}"
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or [f"exit code {r.returncode}"])[-1]
            return f"{Path(cmd[0]).name}: {last}"
    return None
