"""Fixtures: real virtual boards (unix-port MicroPython on a pty) and the RFC 2217 bridge."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

# Board state (locks, virtual board files, station registry) of the tests stays private.
os.environ["YOUTHLAB_DATA_DIR"] = tempfile.mkdtemp(prefix="ylab-boards-test-")
os.environ["YOUTHLAB_LANG"] = "en"

from tests.conftest import free_port, kill_tree  # noqa: E402
from youthlab.boards.session import Session  # noqa: E402
from youthlab.boards.virtual import VirtualBoard  # noqa: E402


def start_board(tmp: Path, name: str, **kw) -> VirtualBoard:
    return VirtualBoard(name, fs_dir=tmp / f"{name}-fs", **kw).start()


def stop_board(vb: VirtualBoard) -> None:
    pid = vb.pid
    vb.stop()
    if pid:
        kill_tree(pid, timeout=2)  # belt and braces: the interpreter is gone


@pytest.fixture
def vboard(tmp_path):
    vb = start_board(tmp_path, f"t{os.getpid()}-{time.monotonic_ns() % 10**6}")
    yield vb
    stop_board(vb)


class BridgeProcess:
    """``youthlab board bridge`` in its own process, stopped by PID."""

    def __init__(self, port: str, station: str | None = None, serial_number: str | None = None) -> None:
        self.tcp_port = free_port()
        cmd = [sys.executable, "-m", "youthlab.cli", "board", "bridge", "--port", port,
               "--host", "127.0.0.1", "--tcp-port", str(self.tcp_port)]
        if station:
            cmd += ["--station", station]
        if serial_number:
            cmd += ["--serial", serial_number]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        line = self.proc.stdout.readline().strip()  # the URL, once it listens
        assert line.startswith("rfc2217://"), line
        self.url = f"rfc2217://127.0.0.1:{self.tcp_port}"

    def stop(self) -> None:
        kill_tree(self.proc.pid, timeout=5)
        self.proc.wait(timeout=5)


@pytest.fixture(params=["direct", "rfc2217"])
def link_url(request, vboard):
    """The board's address: its pty, or the bridge's rfc2217:// URL on loopback."""
    if request.param == "direct":
        yield vboard.port
        return
    br = BridgeProcess(vboard.port)
    try:
        yield br.url
    finally:
        br.stop()


@pytest.fixture
def session(link_url):
    s = Session(link_url, notify=lambda m: None)
    yield s
    s.close()
