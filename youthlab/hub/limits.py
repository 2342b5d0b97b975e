"""Limits that hold for a whole account: memory, number of processes, CPU share.

A student's server, every kernel and every terminal it starts share one budget, so a
fork bomb or ten kernels cannot take the machine from the rest of the class. Three
backends, chosen by :func:`detect` (or by name):

- ``cgroup2`` — the unified hierarchy (a hall server under systemd): a group per account
  under ``/sys/fs/cgroup/youthlab/<hub>/<account>`` with ``memory.max``,
  ``memory.swap.max = 0``, ``pids.max`` and ``cpu.weight``.
- ``cgroup1`` — the v1 controllers ``memory``, ``pids`` (and ``cpu``) mounted under
  ``/sys/fs/cgroup/<controller>``: the same groups, nested under the hub's own group in
  each controller, with ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes``
  when the kernel offers swap accounting, else a hog would swap), ``pids.max``,
  ``cpu.shares``.
- ``rlimits`` — neither is writable (no root, a read-only /sys): per-process
  ``RLIMIT_DATA``, ``RLIMIT_NPROC`` when the account is its own system user, and a nice
  value for the CPU weight. A fork bomb or many kernels can exceed the account's share.

Each server of an account runs in a leaf ``<account>/<server>`` (a teacher may run one
server per class), so the limits cover the account while stopping one server kills
exactly what that server left behind. The OOM killer, when a group hits its memory
limit, picks a process inside that group only.
"""

from __future__ import annotations

import math
import os
import re
import resource
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from traitlets import Bool, Integer, Unicode
from traitlets.config import LoggingConfigurable

from youthlab.config import SettingError
from youthlab.errors import YouthLabError
from youthlab.hub.settings import HubSettings
from youthlab.i18n import t

CGROUP_ROOT = "/sys/fs/cgroup"
V1_CONTROLLERS = ("memory", "pids", "cpu")  # memory and pids are required, cpu is optional
BACKENDS = ("cgroup2", "cgroup1", "rlimits")


class LimitsError(YouthLabError):
    """An account's group could not be made or its limits not written."""

    key = "limits.error"
    hint_key = "limits.error.hint"


@dataclass(frozen=True)
class AccountLimits:
    """What one account (its server, kernels and terminals together) may use.

    ``None`` (or 0) means no limit for that resource. ``cpu_weight`` is relative to other
    accounts: 100 is a normal share, 200 twice as much CPU when the machine is busy.
    """

    memory_bytes: int | None = None
    max_processes: int | None = None
    cpu_weight: int | None = None


@dataclass
class Placement:
    """How to put a new server under its account's limits, from Popen's preexec_fn.

    ``join(pid)`` runs while still root (before the spawner drops privileges): it moves
    the process into the account's group, and every child inherits the group.
    ``restrict()`` runs after dropping privileges (per-process limits may only go down).
    Both only write a few small files or call setrlimit: safe between fork and exec.
    """

    join: Callable[[int], None]
    restrict: Callable[[], None]


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name) or "-"


def _own_v1_paths(proc_cgroup: str) -> dict[str, str]:
    """``{controller: path}`` of this process in each v1 hierarchy (from /proc/self/cgroup)."""
    paths = {}
    try:
        lines = Path(proc_cgroup).read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[1]:
            for controller in parts[1].split(","):
                paths[controller] = parts[2]
    return paths


def detect(root: str = CGROUP_ROOT, proc_cgroup: str = "/proc/self/cgroup") -> str:
    """The best backend this process can use: ``cgroup2``, ``cgroup1`` or ``rlimits``.

    A cgroup backend counts only when the hierarchy has the memory and pids controllers
    and we may make groups in it (root, and not mounted read-only as in most containers).
    """
    base = Path(root)
    controllers = base / "cgroup.controllers"
    if controllers.is_file():
        try:
            names = set(controllers.read_text().split())
        except OSError:
            names = set()
        if {"memory", "pids"} <= names and os.access(base, os.W_OK):
            return "cgroup2"
        return "rlimits"
    own = _own_v1_paths(proc_cgroup)
    if all((base / c).is_dir() and os.access(base / c / own.get(c, "/").lstrip("/"), os.W_OK)
           for c in ("memory", "pids")):
        return "cgroup1"
    return "rlimits"


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:  # one write() per value, as the cgroup files expect
        f.write(value)


def _pids_in(folder: Path) -> set[int]:
    try:
        return {int(x) for x in (folder / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


def _kill_until_empty(folders: list[Path], timeout: float) -> int:
    """SIGKILL every process in the groups until none is left (a forking process included)."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while True:
        pids = set().union(*(_pids_in(f) for f in folders)) - {os.getpid()}
        if not pids:
            return len(killed)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            return len(killed)
        time.sleep(0.02)


def _rmdir(folder: Path, timeout: float = 2.0) -> bool:
    """Remove an empty group (the kernel may say EBUSY for a moment after the last exit)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            folder.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() > deadline or _pids_in(folder):
                return False
            time.sleep(0.05)


def _one_process_at_most(limits: AccountLimits) -> Callable[[], None]:
    """No single process may ask for more than the whole account may hold.

    With a group the limit would hold anyway (the OOM killer ends the process), but one
    oversized request (``bytearray(3 * 1024**3)``) then becomes a friendly MemoryError and
    the kernel lives on.
    """
    def restrict() -> None:
        if limits.memory_bytes:
            resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))

    return restrict


class LimitsBackend(LoggingConfigurable):
    """How account limits are applied on this machine; see the module's docstring."""

    name = "none"
    label = "none"

    def prepare(self, account: str, server: str, limits: AccountLimits, own_user: bool) -> Placement:
        """Make (or update) the account's group and return how to place a new server in it.

        ``own_user``: the server runs as the account's own system user (isolated mode);
        in demo mode every account shares one uid.
        """
        raise NotImplementedError

    def release(self, account: str, server: str) -> int:
        """Kill what is left of a stopped server and remove its group; the number killed."""
        return 0

    def cleanup_stale(self) -> list[str]:
        """At hub start: remove empty groups a previous hub left; the ones removed."""
        return []

    def processes(self, account: str, server: str | None = None) -> set[int]:
        """PIDs in an account's group (or one server's leaf)."""
        return set()

    reweighs = False  # whether set_cpu_weight can change a running account's share

    def set_cpu_weight(self, account: str, weight: int) -> bool:
        """Change the CPU weight of an account's existing group (its servers keep running).

        Used to start a server at a low weight and give it the account's normal weight
        once it answers; False when this backend cannot (per-process nice only goes up).
        """
        return False


class RlimitBackend(LimitsBackend):
    """Per-process limits only: what a process (not the account) may use."""

    name = "rlimits"
    label = "rlimits only"

    def prepare(self, account: str, server: str, limits: AccountLimits, own_user: bool) -> Placement:
        def restrict() -> None:
            if limits.memory_bytes:
                resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
            # NPROC counts every process of the real uid: with a shared uid (demo mode) it
            # would count the hub and all other accounts, so only for an account's own user.
            if limits.max_processes and own_user:
                resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))
            if limits.cpu_weight and limits.cpu_weight < 100:
                os.nice(nice_for_weight(limits.cpu_weight))

        return Placement(join=lambda pid: None, restrict=restrict)


def nice_for_weight(weight: int) -> int:
    """A nice value giving about ``weight``/100 of a normal share (each step ≈ ×1.25)."""
    if weight >= 100:
        return 0
    return min(19, round(math.log(100 / max(1, weight)) / math.log(1.25)))


class CgroupBackend(LimitsBackend):
    """Shared parts of the two cgroup backends: names, killing, clean-up."""

    root = Unicode(CGROUP_ROOT, config=True, help="Where the cgroup file systems are mounted.")
    top_group = Unicode("youthlab", config=True,
                     help="Folder (in each hierarchy) under which the accounts' groups are made.")
    hub_id = Unicode("", config=True, help="""Keeps this hub's groups apart from another hub's on the
        same machine (hub_config sets a short hash of the data folder): groups are
        <top_group>/<hub_id>/<account>/<server>.""")
    kill_timeout = Integer(10, config=True, help="Seconds to keep killing a stopped server's leftovers.")

    def _relative(self, *parts: str) -> Path:
        rel = Path(self.top_group)
        if self.hub_id:
            rel = rel / _slug(self.hub_id)
        return rel.joinpath(*(_slug(p) for p in parts))

    @staticmethod
    def server_folder(server: str) -> str:
        return f"server-{server}" if server else "server"

    def bases(self) -> list[Path]:
        """The folder(s) of ``top_group``/``hub_id`` in each hierarchy."""
        raise NotImplementedError

    def _prepare(self, account: str, server: str, limits: AccountLimits, own_user: bool) -> Placement:
        raise NotImplementedError

    def prepare(self, account: str, server: str, limits: AccountLimits, own_user: bool) -> Placement:
        try:
            return self._prepare(account, server, limits, own_user)
        except LimitsError as e:
            if not isinstance(e.__cause__, FileNotFoundError):
                raise
            # another hub, starting, removed this hub's empty folder while we made it
            return self._prepare(account, server, limits, own_user)

    def _leaves(self, account: str, server: str) -> list[Path]:
        return [b / _slug(account) / self.server_folder(server) for b in self.bases()]

    def processes(self, account: str, server: str | None = None) -> set[int]:
        found: set[int] = set()
        for base in self.bases():
            top = base / _slug(account)
            folders = [top / self.server_folder(server)] if server is not None else \
                [top, *(p for p in top.glob("*") if p.is_dir())]
            for folder in folders:
                found |= _pids_in(folder)
        return found

    def release(self, account: str, server: str) -> int:
        leaves = [leaf for leaf in self._leaves(account, server) if leaf.is_dir()]
        killed = _kill_until_empty(leaves, self.kill_timeout)
        for leaf in leaves:
            _rmdir(leaf)
            if not any(p.is_dir() for p in leaf.parent.glob("*")):  # the account's last server
                _rmdir(leaf.parent)
        if killed:
            self.log.info("YouthLab limits: killed %d leftover process(es) of %s/%s", killed, account, server)
        return killed

    def cleanup_stale(self) -> list[str]:
        removed = []
        for base in self.bases():
            if self.hub_id and base.parent.is_dir():  # folders other hubs left empty when they stopped
                for other in sorted(p for p in base.parent.iterdir() if p.is_dir() and p != base):
                    if not _pids_in(other) and not any(p.is_dir() for p in other.iterdir()) \
                            and _rmdir(other, timeout=0):
                        removed.append(str(other))
            if not base.is_dir():
                continue
            for account in sorted(p for p in base.iterdir() if p.is_dir()):
                for leaf in sorted(p for p in account.iterdir() if p.is_dir()):
                    if not _pids_in(leaf) and _rmdir(leaf, timeout=0):
                        removed.append(str(leaf))
                if not _pids_in(account) and not any(p.is_dir() for p in account.iterdir()) \
                        and _rmdir(account, timeout=0):
                    removed.append(str(account))
            # this hub's folder and the top folder too, when nothing (another hub) is in them
            for folder in [base, *base.parents][:len(self._relative().parts)]:
                if _pids_in(folder) or any(p.is_dir() for p in folder.iterdir()) or not _rmdir(folder, 0):
                    break
                removed.append(str(folder))
        return removed


class CgroupV1Backend(CgroupBackend):
    """cgroup v1: one group per account in the memory, pids and cpu hierarchies."""

    name = "cgroup1"
    label = "cgroup v1"
    proc_cgroup = Unicode("/proc/self/cgroup", config=True,
                          help="Where to read the hub's own groups (the accounts' groups nest under them).")
    swap_limit = Bool(True, config=True,
                      help="Also limit memory+swap (memory.memsw) when the kernel offers it.")

    def _controller_bases(self) -> dict[str, Path]:
        own = _own_v1_paths(self.proc_cgroup)
        bases = {}
        for controller in V1_CONTROLLERS:
            mount = Path(self.root) / controller
            if mount.is_dir():
                bases[controller] = mount / own.get(controller, "/").lstrip("/") / self._relative()
        return bases

    def bases(self) -> list[Path]:
        return list(self._controller_bases().values())

    def _prepare(self, account: str, server: str, limits: AccountLimits, own_user: bool) -> Placement:
        bases = self._controller_bases()
        missing = {"memory", "pids"} - set(bases)
        if missing:
            raise LimitsError(detail=f"no cgroup v1 controller {', '.join(sorted(missing))} under {self.root}")
        leaves = []
        try:
            for controller, base in bases.items():
                group = base / _slug(account)
                leaf = group / self.server_folder(server)
                self._make_folders(base, leaf)
                if controller == "memory":
                    self._memory(group, limits.memory_bytes)
                elif controller == "pids":
                    _write(group / "pids.max", str(limits.max_processes) if limits.max_processes else "max")
                elif controller == "cpu" and (group / "cpu.shares").exists():
                    _write(group / "cpu.shares", str(max(2, (limits.cpu_weight or 100) * 1024 // 100)))
                    self._share_up(base)
                leaves.append(leaf / "cgroup.procs")
        except OSError as e:
            raise LimitsError(detail=f"{e.filename or ''}: {e.strerror}") from e

        def join(pid: int) -> None:
            for procs in leaves:
                _write(procs, str(pid))

        return Placement(join=join, restrict=_one_process_at_most(limits))

    reweighs = True

    def set_cpu_weight(self, account: str, weight: int) -> bool:
        base = self._controller_bases().get("cpu")
        group = base / _slug(account) if base else None
        if group is None or not (group / "cpu.shares").exists():
            return False
        try:
            _write(group / "cpu.shares", str(max(2, weight * 1024 // 100)))
            self._share_up(base)
        except OSError as e:
            raise LimitsError(detail=f"{e.filename or ''}: {e.strerror}") from e
        return True

    def _share_up(self, base: Path) -> None:
        """v1 weighs a group against each *process* of its parent (the root group holds
        every other process of the machine): under one top group with the default 1024,
        a whole class would get the CPU of a single process on a busy machine. Each
        folder above the accounts gets the sum of its children's shares, so every account
        weighs what one normal process does, as its ``cpu_weight`` says."""
        folder = base
        for _ in self._relative().parts:
            total = sum(int((child / "cpu.shares").read_text()) for child in folder.iterdir()
                        if child.is_dir() and (child / "cpu.shares").exists())
            _write(folder / "cpu.shares", str(min(262144, max(1024, total))))
            folder = folder.parent

    def _make_folders(self, base: Path, leaf: Path) -> None:
        """Make the groups top-down. On kernels where memory.use_hierarchy is still 0, a
        group's limit would not cover its children: turn it on while a group has none."""
        top = base
        for _ in self._relative().parts:
            top = top.parent
        folder = top
        for part in leaf.relative_to(top).parts:
            folder = folder / part
            if folder.is_dir():
                continue
            folder.mkdir()
            flag = folder / "memory.use_hierarchy"
            if flag.exists() and flag.read_text().strip() == "0":
                _write(flag, "1")

    def _memory(self, group: Path, limit: int | None) -> None:
        value = str(limit) if limit else "-1"
        memsw = group / "memory.memsw.limit_in_bytes"
        use_memsw = self.swap_limit and memsw.exists()
        try:
            _write(group / "memory.limit_in_bytes", value)
        except OSError:  # raising the limit: memory+swap must grow first (it is never below it)
            if not use_memsw:
                raise
            _write(memsw, value)
            _write(group / "memory.limit_in_bytes", value)
        if use_memsw:
            _write(memsw, value)


class CgroupV2Backend(CgroupBackend):
    """cgroup v2 (unified): one group per account with memory, pids and cpu."""

    name = "cgroup2"
    label = "cgroup v2"

    def bases(self) -> list[Path]:
        return [Path(self.root) / self._relative()]

    def _enable_controllers(self, folder: Path) -> None:
        """Let ``folder``'s children use memory, pids (and cpu if offered)."""
        offered = set((folder / "cgroup.controllers").read_text().split())
        enabled = set((folder / "cgroup.subtree_control").read_text().split())
        for controller in ("memory", "pids", "cpu"):
            if controller in offered and controller not in enabled:
                _write(folder / "cgroup.subtree_control", f"+{controller}")

    def _prepare(self, account: str, server: str, limits: AccountLimits, own_user: bool) -> Placement:
        root = Path(self.root)
        base = self.bases()[0]
        group = base / _slug(account)
        leaf = group / self.server_folder(server)
        try:
            folder = root
            # Controllers are enabled from the root down to the parent of the account's
            # group; groups with enabled controllers hold no processes (v2's rule), the
            # account's processes live in the leaves only.
            self._enable_controllers(folder)
            for part in base.relative_to(root).parts:
                folder = folder / part
                folder.mkdir(exist_ok=True)
                self._enable_controllers(folder)
            leaf.mkdir(parents=True, exist_ok=True)
            _write(group / "memory.max", str(limits.memory_bytes) if limits.memory_bytes else "max")
            if (group / "memory.swap.max").exists():
                _write(group / "memory.swap.max", "0" if limits.memory_bytes else "max")
            _write(group / "pids.max", str(limits.max_processes) if limits.max_processes else "max")
            if (group / "cpu.weight").exists():
                _write(group / "cpu.weight", str(min(10000, max(1, limits.cpu_weight or 100))))
        except OSError as e:
            raise LimitsError(detail=f"{e.filename or ''}: {e.strerror}") from e
        procs = leaf / "cgroup.procs"
        return Placement(join=lambda pid: _write(procs, str(pid)), restrict=_one_process_at_most(limits))

    reweighs = True

    def set_cpu_weight(self, account: str, weight: int) -> bool:
        weight_file = self.bases()[0] / _slug(account) / "cpu.weight"
        if not weight_file.exists():
            return False
        try:
            _write(weight_file, str(min(10000, max(1, weight))))
        except OSError as e:
            raise LimitsError(detail=f"{e.filename or ''}: {e.strerror}") from e
        return True

    def release(self, account: str, server: str) -> int:
        leaf = self._leaves(account, server)[0]
        if (leaf / "cgroup.kill").exists() and _pids_in(leaf):
            _write(leaf / "cgroup.kill", "1")  # the kernel kills the whole group at once
        return super().release(account, server)


_CLASSES = {"cgroup2": CgroupV2Backend, "cgroup1": CgroupV1Backend, "rlimits": RlimitBackend}


def make_backend(name: str = "auto", **kwargs) -> LimitsBackend:
    """The backend called ``name`` (``auto``: :func:`detect`); kwargs go to the Configurable
    (``parent=`` a spawner, ``config=`` the hub's config, or trait values)."""
    if name == "auto":
        name = detect(kwargs.get("root", CGROUP_ROOT))
    if name not in _CLASSES:
        raise LimitsError(detail=f"unknown limits backend {name!r} (expected auto, {', '.join(BACKENDS)})")
    cls = _CLASSES[name]
    if cls is RlimitBackend:
        kwargs = {k: v for k, v in kwargs.items() if k in ("parent", "config", "log")}
    return cls(**kwargs)


def doctor_line(environ: dict[str, str] | None = None) -> str | None:
    """What ``youthlab doctor`` shows: the active cgroup backend, or None for rlimits only."""
    try:
        name = HubSettings.setting("limits", environ)
    except SettingError:  # `youthlab up` names the bad value; here: what would be enforced
        return None
    if name == "auto":
        name = detect()
    if name == "cgroup2":
        return t("limits.backend.cgroup2", path=f"{CGROUP_ROOT}/youthlab")
    if name == "cgroup1":
        return t("limits.backend.cgroup1", path=f"{CGROUP_ROOT}/{{memory,pids,cpu}}/…/youthlab")
    return None


KERNEL_OOM_SCORE_ADJ = 300  # of 1000: counts as 30% of the account's memory limit in the OOM choice


def prefer_this_process_on_oom(adj: int = KERNEL_OOM_SCORE_ADJ) -> bool:
    """Called in every kernel: when the account runs out of memory, kernels go first.

    The OOM killer takes the biggest process in the group; with many middle-sized
    processes (a multiprocessing pool, a fork bomb) that would be the student's server,
    and with it every kernel and terminal. Raising one's own score needs no privilege,
    and the kernel's children inherit it. True if the score is now at least ``adj``.
    """
    path = Path("/proc/self/oom_score_adj")
    try:
        if int(path.read_text()) < adj:
            path.write_text(str(adj))
        return True
    except (OSError, ValueError):
        return False
