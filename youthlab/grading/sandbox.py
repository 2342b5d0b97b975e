"""Autograde sandbox: students' code runs as a throwaway system user, never as the grader.

When autograde runs as root (the hall server), every nbgrader worker borrows one
*sandbox user* from a small pool (``<prefix>sandbox-<n>``, made with ``useradd --system``,
in no group but its own). The worker's kernels are started through
:mod:`youthlab.grading.sandbox_launch`, which builds a private mount namespace (fresh
``/tmp``, the data folder hidden, a scratch copy of the submission's folder as the working
directory), sets rlimits and only then drops to the sandbox user. The worker itself
(nbgrader, the gradebook, the executed notebook it writes) stays out of the kernel's reach.
After every kernel, :func:`kill_all` ends every process of that user, so nothing a
submission started outlives it. A lock file per user keeps two autograde runs from sharing
one user (``kill_all`` would end the other run's kernels).

Without root (a laptop in demo mode) there is no other identity to switch to: kernels get
the rlimits only, and the report says the submissions were not isolated.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, List, Unicode

from youthlab.config import EnvConfigurable, knob
from youthlab.hub.identity import NAME_MAX, system_user_prefix

COMMENT = "YouthLab autograde sandbox"
IPC_IN_SANDBOX = "/tmp/.ipc/k"  # where a sandboxed kernel's sockets live, in its own /tmp
# A grading kernel starts pyzmq's garbage-collector thread before any student code runs.
# jupyter_client sends a message of 64 KiB or more without copying, and the first such send
# starts that thread and its zmq context (two more threads). A submission that has just
# filled its process or memory limit (a 50 MB print, then a memory hog or a fork bomb)
# leaves no room for a thread then: libzmq aborts the kernel (or its output thread waits
# for ever) and what it printed is lost. (Copying instead needs the message's size in
# memory again at that moment, and a failed copy corrupts the next message.)
KERNEL_BOOT = ("import zmq.utils.garbage as g; g.gc.start(); del g; import runpy; "
               "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)")
DEFAULT_LOCK_DIR = "/run/youthlab-sandbox"


class SandboxSettings(EnvConfigurable):
    """The autograde sandbox's knobs (``youthlab config --area grading-sandbox``)."""

    lock_dir = knob(Unicode(DEFAULT_LOCK_DIR), "YOUTHLAB_SANDBOX_LOCKS")


def lock_dir() -> Path:
    """Where the lock files of the sandbox users are (read when a run leases its users)."""
    return Path(SandboxSettings.setting("lock_dir") or DEFAULT_LOCK_DIR)


@dataclass
class Limits:
    """Per-kernel limits (rlimits; RLIMIT_NPROC counts every process of the sandbox uid)."""

    memory_mb: int = 1024  # address space of each process
    processes: int = 128  # tasks (processes and threads) of the sandbox user
    cpu_seconds: int = 300  # CPU time of each process (the per-cell timeout catches loops sooner)
    file_mb: int = 64  # largest file a submission can write
    open_files: int = 256
    tmp_mb: int = 256  # the private /tmp (scratch folder included)

    @classmethod
    def for_timeout(cls, timeout: int) -> "Limits":
        return cls(cpu_seconds=max(120, 10 * timeout))

    def to_json(self) -> str:
        return json.dumps(asdict(self))


@dataclass(frozen=True)
class SandboxUser:
    name: str
    uid: int
    gid: int


def can_isolate() -> bool:
    """Root with ``useradd``: submissions can run as sandbox users."""
    return os.geteuid() == 0 and shutil.which("useradd") is not None and shutil.which("userdel") is not None


def sandbox_name(n: int, prefix: str | None = None) -> str:
    return ((system_user_prefix() if prefix is None else prefix) + f"sandbox-{n}")[:NAME_MAX]


def _ours(entry: pwd.struct_passwd) -> bool:
    return entry.pw_gecos == COMMENT


def ensure_user(name: str) -> SandboxUser:
    """The sandbox user ``name``, made if missing. Refuses a user that is not a sandbox user
    (an account that happens to have that name must never run others' code or be killed)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        r = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", "--user-group", "--comment", COMMENT, name],
                           capture_output=True, text=True)
        if r.returncode != 0 and "already exists" not in r.stderr:
            raise RuntimeError(f"useradd {name}: {r.stderr.strip()}")
        entry = pwd.getpwnam(name)
    if not _ours(entry):
        raise RuntimeError(f"user {name} exists and is not a YouthLab sandbox user")
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise RuntimeError(f"user {name} has root's uid or gid")
    return SandboxUser(name, entry.pw_uid, entry.pw_gid)


def remove_users(prefix: str) -> list[str]:
    """Remove every sandbox user made with ``prefix`` (tests, uninstall); kills their processes."""
    removed = []
    for entry in pwd.getpwall():
        if entry.pw_name.startswith(prefix + "sandbox-") and _ours(entry):
            kill_all(SandboxUser(entry.pw_name, entry.pw_uid, entry.pw_gid))
            subprocess.run(["userdel", entry.pw_name], capture_output=True)
            subprocess.run(["groupdel", entry.pw_name], capture_output=True)
            removed.append(entry.pw_name)
    return removed


def processes_of(uid: int) -> list[int]:
    """PIDs whose real uid is ``uid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
        except OSError:
            continue
    return pids


def kill_all(user: SandboxUser, rounds: int = 20) -> int:
    """SIGKILL every process of ``user``; returns how many were left before the last round.

    ``kill(-1, SIGKILL)`` sent *as the sandbox user* reaches exactly that user's processes,
    all at once (a fork bomb cannot outrun it the way a /proc scan can be outrun)."""
    left = 0
    for _ in range(rounds):
        left = len(processes_of(user.uid))
        if not left:
            return 0
        pid = os.fork()
        if pid == 0:  # pragma: no cover — child: become the sandbox user, kill all of its processes
            try:
                os.setgroups([])
                os.setresgid(user.gid, user.gid, user.gid)
                os.setresuid(user.uid, user.uid, user.uid)
                for _ in range(3):
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except OSError:
                        pass
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.02)
    return left


class Lease:
    """Sandbox users held by one autograde run (a lock file each), released on close."""

    def __init__(self, users: list[SandboxUser], files: list[Any]):
        self.users = users
        self._files = files

    def close(self) -> None:
        for user in self.users:
            kill_all(user)
        for f in self._files:
            f.close()
        self._files = []

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def lease(n: int, prefix: str | None = None) -> Lease:
    """``n`` sandbox users no other autograde run holds (made on first use)."""
    locks = lock_dir()
    locks.mkdir(parents=True, exist_ok=True, mode=0o700)
    users, files = [], []
    i = 0
    while len(users) < n:
        name = sandbox_name(i, prefix)
        f = open(locks / f"{name}.lock", "w")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            i += 1
            continue
        user = ensure_user(name)
        kill_all(user)  # anything left over from a run that crashed
        users.append(user)
        files.append(f)
        i += 1
    return Lease(users, files)


def hidden_paths(course_root: Path) -> list[str]:
    """Folders the kernel must not see: the hub's data folder (courses, gradebooks, homes,
    exchange, the hub's database) — or at least the course folder when it lives elsewhere."""
    course_root = course_root.resolve()
    data = course_root.parent.parent if course_root.parent.name == "courses" else course_root
    runtime = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(__file__).resolve().parents[2]]
    if any(data == p or data in p.parents for p in runtime):  # a data folder around the runtime itself
        data = course_root
    return [str(data)]


def launch_prefix(user: SandboxUser | None, limits: Limits, hide: list[str]) -> list[str]:
    """The command that starts a kernel inside the sandbox (the kernel's argv follows ``--``)."""
    cmd = [sys.executable, "-m", "youthlab.grading.sandbox_launch", "--limits", limits.to_json()]
    if user is not None:
        cmd += ["--user", user.name, "--uid", str(user.uid), "--gid", str(user.gid)]
        for path in hide:
            cmd += ["--hide", path]
    return cmd


class SandboxKernelManager(AsyncKernelManager):
    """Starts each grading kernel through the sandbox launcher; after each kernel (and
    before the next) every process of the sandbox user is killed."""

    sandbox_user = Unicode("", help="Sandbox system user name ('' = no other identity: rlimits only).").tag(config=True)
    sandbox_limits = Dict({}, help="Limits as a dict (see youthlab.grading.sandbox.Limits).").tag(config=True)
    sandbox_hide = List(Unicode(), [], help="Folders hidden from the kernel.").tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.sandbox_user:
            # The kernel has no network (its own network namespace): the worker talks to it
            # over unix sockets in the kernel's private /tmp, reached through
            # /proc/<kernel pid>/root once it runs (see _async_launch_kernel).
            self.transport = "ipc"
            self.ip = "/nonexistent/youthlab-ipc/k"

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self.sandbox_user:
            self.ip = f"/proc/{self.provisioner.process.pid}/root{IPC_IN_SANDBOX}"  # type: ignore[union-attr]

    def _user(self) -> SandboxUser | None:
        if not self.sandbox_user:
            return None
        entry = pwd.getpwnam(self.sandbox_user)
        if not _ours(entry):
            raise RuntimeError(f"{self.sandbox_user} is not a sandbox user")
        return SandboxUser(entry.pw_name, entry.pw_uid, entry.pw_gid)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd[1:3] == ["-m", "ipykernel_launcher"]:
            cmd = [cmd[0], "-c", KERNEL_BOOT, *cmd[3:]]
        cwd = self._launch_args.get("cwd") if getattr(self, "_launch_args", None) else None
        prefix = launch_prefix(self._user(), Limits(**self.sandbox_limits), list(self.sandbox_hide))
        prefix += ["--connection-file", self.connection_file]
        if cwd:
            prefix += ["--source", str(cwd)]
        return prefix + ["--"] + cmd

    def _cleanup(self) -> None:
        user = self._user()
        if user is not None:
            kill_all(user)

    async def _async_pre_start_kernel(self, **kw: Any):  # type: ignore[override]
        self._cleanup()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            self._cleanup()

    pre_start_kernel = _async_pre_start_kernel  # the public names are bound to the base's functions
    shutdown_kernel = _async_shutdown_kernel
