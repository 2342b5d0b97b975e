"""Run a command sandboxed: untrusted (student) code that a service executes.

One primitive, for every place where a service runs code it did not write (the flight
service's simulator check and flights; grading may reuse it)::

    box = Sandbox(user="yl-flightbox", env={"LANG": "C.UTF-8"})
    with box.popen(["python3", "main.py"], cwd=scratch) as run:   # a SandboxedProcess
        ...talk to run.proc over stdin/stdout...
    # leaving the block ended every process the command started

What a sandboxed command gets:

- **identity**: as root, its own unprivileged system user (made on first use with
  ``useradd --system``, no home, no login shell, in no group but its own); else the
  caller's own user, mapped to root inside a user namespace (``unshare``);
- **environment**: exactly ``env`` (nothing of the caller's: no tokens, no PINs);
- **network**: none — a new network namespace with only a loopback device (down), so no
  UDP to a drone, no HTTP to the hub (``network=True`` keeps the caller's network);
- **rlimits** (:class:`Limits`): CPU seconds, address space, processes of the sandbox
  user, file size, open files; no new privileges (setuid binaries don't elevate);
- **kill-all** at the end: its process group, and as root every process of the sandbox
  user (``kill -9 -1`` run as that user), checked with psutil; without root the command
  is the first process of its own pid namespace, and the kernel ends them all with it —
  a detached child does not outlive the run; as root, what the sandbox user left in
  ``/tmp``, ``/var/tmp`` and ``/dev/shm`` is removed too (its working folder stays: the
  caller may want to read it, then removes it). Runs under one sandbox user are serialised in this process (a lock),
  because kill-all ends every process of that user.

Output capping is the caller's part (it reads the pipes): :func:`capped` helps.

A runtime the sandbox user cannot read (a venv whose Python lives under ``/root``, mode
0700) can still be used for Python programs: ``popen(..., drop_in_python=True)`` starts
the interpreter as the caller, imports ``preload`` modules, then drops to the sandbox
user before the first line of the program runs (:data:`PYTHON_LAUNCHER`).

:meth:`Sandbox.describe` says in one line which isolation was possible (for the log).
"""

from __future__ import annotations

import ctypes
import os
import pwd
import resource
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Mapping, Sequence

CLONE_NEWNET = 0x40000000
PR_SET_NO_NEW_PRIVS = 38
COMMENT = "YouthLab sandbox (no login)"
DROP_ENV = "YOUTHLAB_SANDBOX_DROP"  # uid:gid for PYTHON_LAUNCHER; removed before the program runs

_libc = ctypes.CDLL(None, use_errno=True)
_user_locks: dict[str, threading.Lock] = {}
_user_locks_guard = threading.Lock()
_netns_probe: dict[bool, bool] = {}


@dataclass(frozen=True)
class Limits:
    """Per-process rlimits (``processes`` counts every process of the sandbox user)."""

    cpu_seconds: int = 60
    memory_mb: int = 1024  # address space
    processes: int = 64
    file_mb: int = 16
    open_files: int = 64


@dataclass(frozen=True)
class Identity:
    name: str
    uid: int
    gid: int


def ensure_user(name: str) -> Identity:
    """The system user ``name`` (made with ``useradd --system`` if missing; root only)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", "--user-group", "--comment", COMMENT, name],
                       check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise ValueError(f"sandbox user {name!r} is root")
    return Identity(name, entry.pw_uid, entry.pw_gid)


def remove_user(name: str) -> None:
    """Delete a sandbox user made by :func:`ensure_user` (and its group); quiet if gone."""
    subprocess.run(["userdel", name], capture_output=True)
    subprocess.run(["groupdel", name], capture_output=True)


def processes_of(uid: int) -> list[int]:
    import psutil

    found = []
    for p in psutil.process_iter(["uids", "status"]):
        uids = p.info.get("uids")
        if p.info.get("status") == psutil.STATUS_ZOMBIE:
            continue  # already dead, waiting for its parent
        if uids and uid in (uids.real, uids.effective, uids.saved):
            found.append(p.pid)
    return found


def kill_user_processes(identity: Identity, rounds: int = 20) -> int:
    """End every process of ``identity`` (root only); how many were still running after
    the first sweep (0 = clean)."""
    left = 0
    for attempt in range(rounds):
        pids = processes_of(identity.uid)
        if not pids:
            return left
        if attempt == 0:
            left = len(pids)
        # kill(-1) as that user reaches every process of the user in one call, forks included
        subprocess.run(["kill", "-9", "-1"], preexec_fn=_become(identity), capture_output=True)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    return len(processes_of(identity.uid))


SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")


def remove_files_of(identity: Identity, keep: Sequence[Path] = ()) -> int:
    """Remove what the sandbox user left in the shared temporary folders (a note for the
    next run, another student's program, to find); ``keep`` (its scratch folder) stays.
    Returns how many entries went."""
    keep_set = {str(Path(k).resolve()) for k in keep}
    removed = 0
    for base in SHARED_TMP:
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != identity.uid or entry.path in keep_set:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


def _become(identity: Identity):
    def drop() -> None:
        os.setgroups([])
        os.setresgid(identity.gid, identity.gid, identity.gid)
        os.setresuid(identity.uid, identity.uid, identity.uid)
    return drop


def _unshare(flags: int) -> None:
    if _libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


UNSHARE_UNPRIVILEGED = ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--"]


def network_isolation_available(as_root: bool) -> bool:
    """Whether a new network namespace can be made here: as root directly; without root
    with ``unshare`` (util-linux) in a user namespace, if the kernel allows it."""
    if as_root not in _netns_probe:
        try:
            if as_root:
                subprocess.run(["true"], preexec_fn=lambda: _unshare(CLONE_NEWNET), check=True,
                               capture_output=True)
            else:
                subprocess.run([*UNSHARE_UNPRIVILEGED, "true"], check=True, capture_output=True, timeout=10)
            _netns_probe[as_root] = True
        except (subprocess.SubprocessError, OSError):
            _netns_probe[as_root] = False
    return _netns_probe[as_root]


def capped(stream: IO[str], limit: int) -> tuple[str, int]:
    """Read ``stream`` to its end keeping at most ``limit`` characters: (text, dropped)."""
    kept, dropped = [], 0
    size = 0
    while True:
        chunk = stream.read(8192)
        if not chunk:
            return "".join(kept), dropped
        room = limit - size
        if room > 0:
            kept.append(chunk[:room])
            size += min(room, len(chunk))
        dropped += max(0, len(chunk) - max(room, 0))


# The interpreter starts as the caller (it can read its own stdlib), imports what the
# program may need, drops to the sandbox user, then runs the program: the program's first
# line already runs unprivileged. argv: -c LAUNCHER <script> <preload,modules> [args…]
PYTHON_LAUNCHER = """
import os, sys, importlib, traceback, linecache, encodings.idna
script, preload = sys.argv[1], [m for m in sys.argv[2].split(',') if m]
for name in preload:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
drop = os.environ.pop('YOUTHLAB_SANDBOX_DROP', '')
if drop:
    uid, gid = (int(v) for v in drop.split(':'))
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        os._exit(125)
sys.path.insert(0, os.getcwd())
if script.endswith('.py'):
    sys.argv = [script] + sys.argv[3:]
    with open(script, encoding='utf-8') as f:
        code = compile(f.read(), script, 'exec')
    exec(code, {'__name__': '__main__', '__file__': script, '__builtins__': __builtins__})
else:
    module, function = script.split(':')
    sys.argv = [module] + sys.argv[3:]
    sys.exit(getattr(sys.modules[module], function)(sys.argv))
"""


def python_launcher_argv(python: str, script: str, preload: Sequence[str] = (), args: Sequence[str] = (),
                         unbuffered: bool = True) -> list[str]:
    """argv running ``script`` (a file in cwd, or ``module:function`` called with argv) in
    ``python`` through :data:`PYTHON_LAUNCHER`; use with ``popen(..., drop_in_python=True)``."""
    flags = ["-I", "-u"] if unbuffered else ["-I"]
    return [python, *flags, "-c", PYTHON_LAUNCHER, script, ",".join(preload), *args]


@dataclass
class SandboxedProcess:
    """A running sandboxed command: ``proc`` (a Popen); :meth:`kill_all` ends it all."""

    proc: subprocess.Popen
    sandbox: "Sandbox"
    identity: Identity | None
    _lock: threading.Lock | None = None
    cwd: Path | None = None
    killed: int = 0  # processes still alive at the end that kill_all had to end
    _done: bool = field(default=False, repr=False)
    _ending: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stop(self) -> None:
        """Kill the command's process group now (from any thread); :meth:`kill_all` still
        sweeps up at the end."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def kill_all(self) -> int:
        """End the command and everything it started; idempotent. Returns how many
        processes were still running besides the main one."""
        with self._ending:
            if self._done:
                return self.killed
            self._done = True
            return self._kill_all()

    def _kill_all(self) -> int:
        extra = 0
        try:
            import psutil

            try:
                descendants = psutil.Process(self.proc.pid).children(recursive=True)
            except psutil.Error:
                descendants = []
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            for child in descendants:
                try:
                    child.kill()
                    extra += 1
                except psutil.Error:
                    pass
            if self.identity is not None:
                extra = max(extra, kill_user_processes(self.identity))
                remove_files_of(self.identity, keep=[self.cwd] if self.cwd else [])
            try:
                self.proc.kill()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        finally:
            self.killed = extra
            if self._lock is not None:
                self._lock.release()
        return extra

    def __enter__(self) -> "SandboxedProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill_all()


@dataclass
class Sandbox:
    """How to run untrusted commands. ``user``: the system user to run as when we are
    root (made on first use); ignored without root (a user namespace instead)."""

    user: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    network: bool = False
    limits: Limits = field(default_factory=Limits)

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def identity(self) -> Identity | None:
        return ensure_user(self.user) if (self.as_root and self.user) else None

    def describe(self) -> str:
        """One line for the log: which isolation this machine gives."""
        parts = []
        if self.as_root and self.user:
            parts.append(f"system user {self.user}")
        elif self.as_root:
            parts.append("WARNING: as root (no sandbox user given)")
        else:
            parts.append("own user (not root: no separate identity)")
        if not self.network:
            parts.append("no network (network namespace)" if network_isolation_available(self.as_root)
                         else "WARNING: network NOT isolated (no namespaces allowed here)")
        if not self.as_root and not self.network and network_isolation_available(False):
            parts.append("own process namespace (nothing outlives the run)")
        elif not self.as_root:
            parts.append("WARNING: a detached child may outlive the run (no namespaces allowed here)")
        lim = self.limits
        parts.append(f"empty environment; limits: cpu {lim.cpu_seconds} s, memory {lim.memory_mb} MB, "
                     f"{lim.processes} processes, files {lim.file_mb} MB")
        return "; ".join(parts)

    def _preexec(self, identity: Identity | None, drop_in_python: bool):
        limits = self.limits
        netns = not self.network and network_isolation_available(self.as_root)
        as_root = self.as_root

        def setup() -> None:
            mb = 1024 * 1024
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mb, limits.file_mb * mb))
            resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if identity is not None:  # counted per uid: only meaningful for our own user
                resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            if netns and as_root:
                _unshare(CLONE_NEWNET)
            _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            if identity is not None and not drop_in_python:
                _become(identity)()
        return setup

    def popen(self, argv: Sequence[str], cwd: str | Path, *, drop_in_python: bool = False,
              **popen_kw: Any) -> SandboxedProcess:
        """Start ``argv`` in the sandbox (its own session and process group). Pipes etc.
        as for :class:`subprocess.Popen` (``env``/``preexec_fn`` are the sandbox's)."""
        identity = self.identity()
        lock = None
        if identity is not None:
            with _user_locks_guard:
                lock = _user_locks.setdefault(identity.name, threading.Lock())
            lock.acquire()
        try:
            env = dict(self.env)
            if identity is not None and drop_in_python:
                env[DROP_ENV] = f"{identity.uid}:{identity.gid}"
            argv = list(argv)
            if not self.as_root and not self.network and network_isolation_available(False):
                # a user namespace (our uid as its root), no network, and a pid namespace:
                # killing `unshare` (--kill-child) ends every process the command started
                argv = [*UNSHARE_UNPRIVILEGED, *argv]
            proc = subprocess.Popen(argv, cwd=str(cwd), env=env, start_new_session=True,
                                    preexec_fn=self._preexec(identity, drop_in_python), **popen_kw)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        return SandboxedProcess(proc, self, identity, lock, cwd=Path(cwd).resolve())

    def scratch(self, prefix: str = "ylab-sandbox-") -> Path:
        """A fresh folder the sandboxed command may use (its own when a sandbox user)."""
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix=prefix))
        identity = self.identity()
        if identity is not None:
            os.chown(folder, identity.uid, identity.gid)
        return folder

    def give(self, path: Path) -> None:
        """Make ``path`` (in a scratch folder) the sandbox user's."""
        identity = self.identity()
        if identity is not None:
            os.chown(path, identity.uid, identity.gid)

    @staticmethod
    def remove_scratch(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class SandboxResult:
    returncode: int | None
    stdout: str
    stderr: str
    dropped: int  # characters of output not kept (over the cap)
    timed_out: bool
    leftover: int  # processes kill_all had to end


def run(sandbox: Sandbox, argv: Sequence[str], cwd: str | Path, *, input: str | None = None,
        timeout: float = 60.0, output_cap: int = 65536, drop_in_python: bool = False) -> SandboxResult:
    """Run ``argv`` to its end (or ``timeout``) in ``sandbox``; output capped per stream."""
    box = sandbox.popen(argv, cwd, drop_in_python=drop_in_python, stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                        errors="replace")
    results: dict[str, tuple[str, int]] = {}
    readers = [threading.Thread(target=lambda n=n, s=s: results.__setitem__(n, capped(s, output_cap)), daemon=True)
               for n, s in (("out", box.proc.stdout), ("err", box.proc.stderr))]
    for th in readers:
        th.start()
    timed_out = False
    try:
        if input is not None:
            try:
                box.proc.stdin.write(input)
            except (BrokenPipeError, OSError):
                pass
        try:
            box.proc.stdin.close()
        except OSError:
            pass
        try:
            box.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
    finally:
        leftover = box.kill_all()
    for th in readers:
        th.join(timeout=5)
    out, d1 = results.get("out", ("", 0))
    err, d2 = results.get("err", ("", 0))
    return SandboxResult(box.proc.returncode, out, err, d1 + d2, timed_out, leftover)
