"""What a hub left behind in its data folder, and stopping it: crash recovery and a bounded stop.

A hub started by ``youthlab up`` runs in its own session; the proxy, every service
(idle culler, kiosk, flight, print) and every student server are each in a session of
their own (JupyterHub starts them with ``start_new_session``), and kernels again in
theirs. When the hub is killed (``kill -9``, OOM), all of them live on, re-parented to
PID 1, and nothing in the process tree ties them to the dead hub. They are recognised
here by what marks them as this data folder's:

- the hub and the proxy by the pid files in the data folder (``jupyterhub.pid``,
  ``jupyterhub-proxy.pid``), checked against the process's command line;
- services by ``JUPYTERHUB_SERVICE_NAME`` in their environment together with
  ``YOUTHLAB_DATA_DIR`` = the data folder, or their working folder inside it (the hub
  runs in the data folder and services inherit it; the idle culler has only that);
- student servers by ``JUPYTERHUB_USER`` and ``YOUTHLAB_DATA_DIR``;
- anything else whose environment names the data folder (kernels whose server died),
  and in isolated mode every process in the data folder's cgroups
  (``youthlab/<hash of the data folder>/…``, :mod:`youthlab.hub.limits`).

After a crash, :func:`stop_stale` stops the dead hub's proxy and services (with their
kernels) and leaves student servers alone: the next hub finds them in its database,
sees their PIDs alive and adopts them, and puts their routes into its new proxy.
:func:`stop_everything` is the launcher's last word on stop: SIGTERM, a grace time,
SIGKILL, until nothing of the data folder runs.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psutil

from youthlab.hub.datadir import HUB_PID, PROXY_PID
from youthlab.hub.limits import CgroupBackend, make_backend

# The stop's bounds (README): a first Ctrl-C or SIGTERM gives the hub HUB_GRACE seconds
# to stop its servers and services itself, then everything left gets SIGTERM and, after
# TERM_GRACE, SIGKILL; a second Ctrl-C/SIGTERM goes straight to SIGKILL.
HUB_GRACE = 10.0
TERM_GRACE = 4.0
KILL_WAIT = 3.0
FIRST_STOP_BOUND = 20.0  # HUB_GRACE + TERM_GRACE + KILL_WAIT + scanning, with room
SECOND_STOP_BOUND = 5.0


@dataclass
class Leftovers:
    """Processes of one data folder, by role (PIDs)."""

    hub: int | None = None
    hub_alive_launcher: bool = False  # the hub's parent is a running `youthlab up`
    proxy: int | None = None
    services: dict[int, str] = field(default_factory=dict)  # pid -> service name
    servers: dict[int, str] = field(default_factory=dict)  # pid -> hub account
    others: set[int] = field(default_factory=set)  # kernels, cgroup members, descendants

    def stale(self) -> set[int]:
        """What a dead hub left that must be stopped before a new one starts (not servers)."""
        return ({self.proxy} if self.proxy else set()) | set(self.services) | (self.others - self._server_tree())

    def _server_tree(self) -> set[int]:
        tree = set(self.servers)
        for pid in self.servers:
            tree |= _descendants(pid)
        return tree

    def everything(self) -> set[int]:
        pids = self.stale() | self._server_tree() | self.others
        if self.hub:
            pids.add(self.hub)
        return pids

    def __bool__(self) -> bool:
        return bool(self.hub or self.proxy or self.services or self.servers or self.others)


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def _descendants(pid: int) -> set[int]:
    try:
        return {c.pid for c in psutil.Process(pid).children(recursive=True)}
    except psutil.Error:
        return set()


def _environ(proc: psutil.Process) -> dict[str, str]:
    try:
        return proc.environ()
    except (psutil.Error, OSError):
        return {}


def _cwd(proc: psutil.Process) -> str:
    try:
        return proc.cwd()
    except (psutil.Error, OSError):
        return ""


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def _inside(path: str, folder: Path) -> bool:
    return bool(path) and (path == str(folder) or path.startswith(str(folder) + os.sep))


def _is_hub(cmd: list[str]) -> bool:
    return any(Path(part).name == "jupyterhub" for part in cmd[:2])


def _is_proxy(cmd: list[str]) -> bool:
    return any("configurable-http-proxy" in part for part in cmd[:3])


def cgroup_pids(data: Path) -> set[int]:
    """Every process in the data folder's account groups (cgroup v1 or v2), if any."""
    hub_id = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:8]
    found: set[int] = set()
    try:
        backend = make_backend("auto", hub_id=hub_id)
        if not isinstance(backend, CgroupBackend):
            return found
        bases = backend.bases()  # the folders of this hub's groups
    except Exception:  # noqa: BLE001 — no cgroups here: nothing to find
        return found
    for base in bases:
        if not base.is_dir():
            continue
        for procs in base.rglob("cgroup.procs"):
            try:
                found |= {int(x) for x in procs.read_text().split()}
            except (OSError, ValueError):
                pass
    return found


def find(data: Path, exclude: set[int] | None = None) -> Leftovers:
    """The processes of the data folder ``data`` that run now, by role."""
    data = data.resolve()
    own = {os.getpid()} | {p.pid for p in psutil.Process().parents()} | (exclude or set())
    found = Leftovers()
    hub_pid = _read_pid(data / HUB_PID)
    if hub_pid and hub_pid not in own and psutil.pid_exists(hub_pid):
        try:
            proc = psutil.Process(hub_pid)
            if _is_hub(_cmdline(proc)):
                found.hub = hub_pid
                parent = proc.parent()
                found.hub_alive_launcher = bool(parent and parent.pid != 1 and "youthlab" in " ".join(_cmdline(parent)))
        except psutil.Error:
            pass
    proxy_pid = _read_pid(data / PROXY_PID)
    if proxy_pid and proxy_pid not in own:
        try:
            if _is_proxy(_cmdline(psutil.Process(proxy_pid))):
                found.proxy = proxy_pid
        except psutil.Error:
            pass
    for proc in psutil.process_iter():
        if proc.pid in own or proc.pid in (found.hub, found.proxy):
            continue
        env = _environ(proc)
        ours = env.get("YOUTHLAB_DATA_DIR") and Path(env["YOUTHLAB_DATA_DIR"]).resolve() == data
        if env.get("JUPYTERHUB_SERVICE_NAME") and (ours or _inside(_cwd(proc), data)):
            found.services[proc.pid] = env["JUPYTERHUB_SERVICE_NAME"]
        elif ours and env.get("JUPYTERHUB_USER") and any("jupyterhub-singleuser" in p for p in _cmdline(proc)[:2]):
            found.servers[proc.pid] = env["JUPYTERHUB_USER"]
        elif ours and not found.hub and _is_hub(_cmdline(proc)):
            found.hub = proc.pid  # a hub whose pid file is gone
        elif ours:
            found.others.add(proc.pid)
    for pid in list(found.services):
        found.others |= _descendants(pid)
    found.others |= cgroup_pids(data) - own
    found.others -= set(found.services) | set(found.servers) | {found.hub, found.proxy}
    # a server's kernels belong to it, not to the leftovers
    found.others -= found._server_tree()
    return found


def _procs(pids: set[int]) -> list[psutil.Process]:
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            pass
    return procs


def terminate(pids: set[int], grace: float = TERM_GRACE, kill_wait: float = KILL_WAIT,
              hurry: Callable[[], bool] = lambda: False) -> list[int]:
    """SIGTERM, wait up to ``grace`` s (less once ``hurry()`` says so: a second Ctrl-C),
    SIGKILL what is left (also children born meanwhile); the PIDs still alive for SIGKILL.
    ``grace`` 0 kills at once."""
    procs = _procs(pids)
    for p in list(procs):  # children made since the scan, e.g. a kernel being started
        try:
            procs.extend(c for c in p.children(recursive=True) if c.pid not in pids)
        except psutil.Error:
            pass
    if grace > 0:
        for p in procs:
            try:
                p.send_signal(signal.SIGTERM)
            except psutil.Error:
                pass
        deadline = time.monotonic() + grace
        alive = procs
        while alive and time.monotonic() < deadline and not hurry():
            _, alive = psutil.wait_procs(alive, timeout=0.1)
    else:
        alive = procs
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=kill_wait)
    return [p.pid for p in alive]


def stop_stale(data: Path, grace: float = TERM_GRACE) -> Leftovers:
    """Before a new hub on ``data``: stop what a dead hub left (proxy, services, their
    kernels), keep the student servers for the new hub to adopt. Returns what was found."""
    found = find(data)
    if found.hub:
        return found  # a hub still runs: the caller refuses, nothing is stopped
    pids = found.stale()
    if pids:
        terminate(pids, grace)
        for name in (PROXY_PID,):  # the new hub would otherwise try to stop it again
            path = data / name
            if _read_pid(path) in pids:
                path.write_text("")
    return found


def stop_everything(data: Path, grace: float = TERM_GRACE, exclude: set[int] | None = None,
                    rounds: int = 3, hurry: Callable[[], bool] = lambda: False) -> set[int]:
    """Stop every process of the data folder (hub, proxy, services, servers, kernels,
    cgroup members); a few rounds, for processes started while stopping. What was stopped."""
    stopped: set[int] = set()
    for _ in range(rounds):
        pids = find(data, exclude).everything()
        if not pids:
            break
        terminate(pids, 0 if hurry() else grace, hurry=hurry)
        stopped |= pids
        grace = 0  # later rounds: stragglers, kill at once
    return stopped


def wait_gone(pids: set[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(psutil.pid_exists(p) for p in pids):
            return True
        time.sleep(0.1)
    return not any(psutil.pid_exists(p) for p in pids)
