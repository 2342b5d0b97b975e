"""A virtual board running hardware/micropython/controller.py drives a game."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from tests.games.play import FRAME, run_until, screenshot
from youthlab.boards.session import Session
from youthlab.boards.simulator import BoardSimulator
from youthlab.boards.virtual import VirtualBoard
from youthlab.games.board_input import BoardController
from youthlab.games.shell import ATTRACT, PLAY


@pytest.fixture
def board(tmp_path):
    os.environ.setdefault("YOUTHLAB_DATA_DIR", tempfile.mkdtemp(prefix="ylab-games-test-"))
    sim = BoardSimulator()
    sim.adc_values.update({26: 32768, 27: 32768})  # the stick at rest
    vb = VirtualBoard(f"game{os.getpid()}-{time.monotonic_ns() % 10**6}", fs_dir=tmp_path / "fs",
                      simulator=sim, publish=False).start()
    try:
        yield vb, sim
    finally:
        vb.stop()


def test_board_buttons_and_stick_play_island_delivery(board, shell_for, tmp_path: Path):
    vb, sim = board
    shell = shell_for("island-delivery")
    session = Session(vb.port, lock=False, notify=lambda m: None)
    controller = BoardController(session, shell).start()
    try:
        shell.tick(FRAME)
        assert shell.state == ATTRACT
        sim.pins[14] = 1  # button A pressed: the game starts
        assert run_until(shell, lambda: shell.state == PLAY, 10, each=lambda: time.sleep(0.01))
        sim.pins[14] = 0
        x0, y0 = shell.game.pos_cm
        sim.adc_values[26] = 65535  # stick right: east, which is -y in the drone's frame
        assert run_until(shell, lambda: shell.game.pos_cm[1] < y0 - 20, 10, each=lambda: time.sleep(0.01))
        sim.adc_values[26] = 32768
        sim.adc_values[27] = 65535  # stick up: north (+x)
        x1 = shell.game.pos_cm[0]
        assert run_until(shell, lambda: shell.game.pos_cm[0] > x1 + 20, 10, each=lambda: time.sleep(0.01))
        screenshot(shell, tmp_path, "island-delivery-board")
        assert any("x" in row for row in session.data.rows)
    finally:
        controller.stop()
    assert controller.error is not None or not controller.thread.is_alive()
