"""Shared test helpers: free loopback ports and process cleanup by PID."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

# Every tool the tests start (nbgrader's alembic, jupyterhub-singleuser, the proxy) must be
# found the way `make test` finds them, also when pytest is started by hand.
os.environ["PATH"] = os.pathsep.join(
    [str(VENV_BIN), str(ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def port_factory():
    return free_port


def kill_tree(pid: int, timeout: float = 10) -> None:
    """Stop a process and all its children (SIGTERM, then SIGKILL)."""
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    procs = parent.children(recursive=True) + [parent]
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass



# --- running in parallel (`make test`: pytest-xdist, ``-n 2 --dist loadfile``) ----------
#
# A test module runs on one worker from start to end (its module fixtures start once, and
# some modules add up results over their tests); modules with slow tests are handed out
# first, so a long one does not start last and run on its own. Two marks (pyproject):
# ``machine_resource("name")``: the module holds something of the whole machine (a fixed
# port): modules naming the same one never run at the same time. ``alone``: the test
# measures CPU shares or time: while it runs, the other worker runs no test, and it starts
# once the CPUs are quiet (what the other module left running has calmed down; 30 s at most).
# (xdist's own ``xdist_group`` cannot work under pytest 9.2: it renames node ids, which
# pytest no longer lets a plugin do.)

PARALLEL_LOCKS = "YOUTHLAB_TEST_LOCKS"  # folder of the lock files, made by the controller
_lock_folder = pytest.StashKey[str]()


def _module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def _resource_of(item: pytest.Item | None) -> str | None:
    mark = item.get_closest_marker("machine_resource") if item is not None else None
    return str(mark.args[0]) if mark else None


def pytest_configure(config: pytest.Config) -> None:
    parallel = bool(getattr(config.option, "numprocesses", None)) and getattr(config.option, "dist", "no") != "no"
    if parallel and not hasattr(config, "workerinput"):  # the controller, before the workers start
        import tempfile

        folder = tempfile.mkdtemp(prefix="ylt-test-locks-")
        os.environ[PARALLEL_LOCKS] = folder  # the workers inherit it
        config.stash[_lock_folder] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_lock_folder, None)
    if folder:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(PARALLEL_LOCKS, None)


#: Seconds each of the longest modules took in a full parallel run (``seconds path`` lines):
#: they are handed out longest first, so no long one starts last and runs on its own.
#: Only the order uses it: a module missing from it or grown since is still run.
MODULE_SECONDS = Path(__file__).with_name("module_seconds.txt")


def _module_seconds() -> dict[str, float]:
    try:
        lines = MODULE_SECONDS.read_text().splitlines()
    except OSError:
        return {}
    seconds = {}
    for line in lines:
        parts = line.split("#", 1)[0].split()
        if len(parts) == 2:
            seconds[parts[1]] = float(parts[0])
    return seconds


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker: the longest modules first (MODULE_SECONDS), then the other modules with
    slow (or end-to-end) tests, then the rest; each module kept whole, in its own order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    slow = {_module_of(i) for i in items if i.get_closest_marker("slow") or i.get_closest_marker("e2e")}
    seconds = _module_seconds()
    items.sort(key=lambda item: (_module_of(item) not in slow and _module_of(item) not in seconds,
                                 -seconds.get(_module_of(item), 0)))  # stable: a module's order kept


class _Locks:
    """This worker's open lock files: the machine resource held over a run of modules."""

    resource: str | None = None
    resource_fd: int | None = None


def _flock(path: str, mode: int) -> int:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, mode)
    return fd


#: An ``alone`` test waits until the machine's CPUs are at most this busy (percent of all) …
QUIET_CPU_PERCENT = 50.0
#: … for at most this many seconds.
QUIET_WAIT_SECONDS = 30.0


def _wait_for_quiet_cpus() -> None:
    """No other test runs during an ``alone`` test, but the other worker's module may still
    have servers at work (a kiosk warming kernels, a hub starting a server): a test that
    runs in real time (a virtual board driving a robot) is thrown off by such a burst.
    Wait for it to pass, up to :data:`QUIET_WAIT_SECONDS`."""
    import time

    deadline = time.monotonic() + QUIET_WAIT_SECONDS
    while time.monotonic() < deadline and psutil.cpu_percent(interval=0.5) > QUIET_CPU_PERCENT:
        pass


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Around setup, call and teardown, outside pytest-timeout's timer (waiting for the
    other worker is not the test's time). Locks are taken resource, gate, room: in one order."""
    folder = os.environ.get(PARALLEL_LOCKS)
    if not folder or not os.environ.get("PYTEST_XDIST_WORKER"):
        return (yield)
    import fcntl

    resource = _resource_of(item)
    if resource != _Locks.resource:
        if _Locks.resource_fd is not None:
            os.close(_Locks.resource_fd)
        _Locks.resource, _Locks.resource_fd = None, None
        if resource:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in resource)
            _Locks.resource_fd = _flock(os.path.join(folder, f"resource-{safe}"), fcntl.LOCK_EX)
            _Locks.resource = resource
    gate = os.path.join(folder, "gate")
    room = os.path.join(folder, "room")
    if item.get_closest_marker("alone"):
        fds = [_flock(gate, fcntl.LOCK_EX)]  # no other test starts from now on …
        fds.append(_flock(room, fcntl.LOCK_EX))  # … and the one running has ended
        _wait_for_quiet_cpus()  # … and what its module left running has calmed down
    else:
        fds = [_flock(gate, fcntl.LOCK_SH)]
        fds.append(_flock(room, fcntl.LOCK_SH))
        os.close(fds.pop(0))  # through the gate
    try:
        return (yield)
    finally:
        for fd in fds:
            os.close(fd)
        if _Locks.resource_fd is not None and _resource_of(nextitem) != _Locks.resource:
            os.close(_Locks.resource_fd)  # the module's fixtures were torn down in this teardown
            _Locks.resource, _Locks.resource_fd = None, None
