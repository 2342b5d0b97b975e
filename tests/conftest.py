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
