"""A board that starts its program before `youthlab drone serve` has opened the port:
its first command is gone (opening a port drops what came before), so the host asks
for it again, and a command heard twice flies once."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import kill_tree
from tests.drone.test_board import SQUARE
from youthlab.drone.board_protocol import BoardBackend, PREFIX


@pytest.mark.timeout(120)
def test_first_command_sent_before_the_port_was_open_is_asked_for_again(tmp_path):
    from youthlab.drone.program import library_path

    if not shutil.which("socat"):
        pytest.skip("socat is not installed")
    shutil.copy(library_path(), tmp_path / "drone.py")
    (tmp_path / "main.py").write_text(SQUARE)
    mpy = shutil.which("micropython") or str(Path(sys.executable).with_name("micropython"))
    link = tmp_path / "board0"
    # the program starts at once and sends "takeoff" into a port nobody has open yet
    board = subprocess.Popen(["socat", f"PTY,link={link},raw,echo=0",
                              f"SYSTEM:exec {mpy} main.py,pty,stderr,raw,echo=0"], cwd=tmp_path)
    try:
        deadline = time.time() + 5
        while not link.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the board is waiting for its answer by now
        out = subprocess.run([str(Path(sys.executable).with_name("youthlab")), "--lang", "en",
                              "drone", "serve", "--port", str(link)], capture_output=True,
                             text=True, timeout=60, env=os.environ.copy())
        assert out.returncode == 0, out.stderr
        assert "home (" in out.stdout and "0 safety event" in out.stdout, out.stdout
    finally:
        kill_tree(board.pid)


class _Counting:
    def __init__(self):
        self.calls = []

    def takeoff(self):
        self.calls.append("takeoff")


def test_a_repeated_command_flies_once_and_gets_the_same_answer():
    drone = _Counting()
    line = PREFIX + json.dumps({"drone": "takeoff", "args": [], "kw": {}, "seq": 1})
    reader = io.StringIO(f"{line}\n{line}\n")
    writer = io.StringIO()
    result = BoardBackend(drone, reader, writer).serve()
    replies = [json.loads(r) for r in writer.getvalue().splitlines()]
    assert drone.calls == ["takeoff"] and result.commands == 1
    assert replies == [{"ok": True, "value": None, "seq": 1}] * 2
