"""Deploy: the same student file goes onto a board with the boards' Session deploy and runs.

The board here is a virtual board whose pins drive the robot simulator — the same path a
real robot at a hall station takes (Session → serial → MicroPython → robot.py → pins).
"""

import re
from pathlib import Path

import pytest

from tests.conftest import kill_tree
from youthlab.boards.session import Session
from youthlab.boards.virtual import VirtualBoard
from youthlab.robot.deploy import bundle, deploy
from youthlab.robot.errors import KitError
from youthlab.robot.car import RobotBoardSim

SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"


def test_bundle_has_everything_a_robot_needs(tmp_path):
    out = bundle(SOLUTIONS / "line_follower.py", tmp_path / "b", kit="esp32-car")
    names = sorted(p.name for p in out.iterdir())
    assert {"main.py", "robot.py", "robot_config.py"} <= set(names)
    assert (out / "main.py").read_text(encoding="utf-8") == (SOLUTIONS / "line_follower.py").read_text(encoding="utf-8")
    assert "esp32-car" in (out / "robot_config.py").read_text()
    with pytest.raises(KitError):
        bundle(SOLUTIONS / "line_follower.py", tmp_path / "c", kit="lego")


def test_deploy_and_run_on_a_board(tmp_path):
    src = (SOLUTIONS / "town_postman.py").read_text(encoding="utf-8")
    student = tmp_path / "student.py"
    student.write_text(re.sub(r"ROUTE = \[.*?\]", 'ROUTE = ["S", "D"]', src, count=1, flags=re.S), encoding="utf-8")
    sim = RobotBoardSim("town", clock="real")
    board = VirtualBoard("robot-deploy", fs_dir=tmp_path / "fs", simulator=sim, publish=False).start()
    pid = board.pid
    try:
        with Session(board.port, notify=lambda m: None) as session:
            result, output = deploy(student, session, run=True, timeout=30, progress=False)
            assert "main.py" in result.sent and "robot.py" in result.sent
            assert "all letters delivered" in output
            # deploying the same file again sends nothing (hash-skip)
            again, _ = deploy(student, session, run=False, progress=False)
            assert again.sent == []
    finally:
        board.stop()
        if pid:
            kill_tree(pid, timeout=2)
    sim.sync()
    houses = [d["house"] for _, d in sim.deliveries()]
    assert houses == ["꽃길 1"]
    assert (tmp_path / "fs" / "main.py").read_text(encoding="utf-8") == student.read_text(encoding="utf-8")
