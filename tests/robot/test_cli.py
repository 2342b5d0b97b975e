"""``youthlab robot …`` commands."""

import json
from pathlib import Path

from click.testing import CliRunner

from youthlab.robot.cli import robot

SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"


def test_check_json_and_exit_status():
    runner = CliRunner()
    ok = runner.invoke(robot, ["check", str(SOLUTIONS / "town_postman.py"), "--world", "town", "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["passed"] and data["score"] == 100 and data["feedback"]["ko"] and data["feedback"]["en"]
    bad = runner.invoke(robot, ["check", str(SOLUTIONS / "naive_forward.py"), "--world", "line"])
    assert bad.exit_code == 1


def test_run_worlds_track_view(tmp_path):
    runner = CliRunner()
    r = runner.invoke(robot, ["run", str(SOLUTIONS / "line_follower.py"), "--world", "line"])
    assert r.exit_code == 0 and "finish!" in r.output
    r = runner.invoke(robot, ["worlds"])
    assert "town" in r.output and "maze" in r.output
    r = runner.invoke(robot, ["track", "maze", str(tmp_path / "maze.png"), "--scale", "2"])
    assert r.exit_code == 0 and (tmp_path / "maze.png").stat().st_size > 1000
    r = runner.invoke(robot, ["view", str(SOLUTIONS / "line_follower.py"), "--frames", "5", "--speed", "20"])
    assert r.exit_code == 0, r.output


def test_live_view_on_a_virtual_board(tmp_path):
    program = tmp_path / "short.py"
    program.write_text("from robot import Robot\nbot = Robot()\nbot.forward(60, seconds=1)\nprint('ok')\n")
    r = CliRunner().invoke(robot, ["view", str(program), "--world", "town", "--live"])
    assert r.exit_code == 0, r.output
    assert "ok" in r.output
