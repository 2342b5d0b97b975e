"""The sample solutions pass, naive and wrong programs fail, with useful feedback."""

from pathlib import Path

import pytest

from youthlab.robot.checker import check, grade, maze_distances
from youthlab.robot.runner import run_fast
from youthlab.robot.worlds import load_world

SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"


@pytest.mark.parametrize("world,solution", [("line", "line_follower"), ("maze", "maze_right_hand"),
                                            ("town", "town_postman")])
def test_sample_solution_passes(world, solution):
    report = grade(SOLUTIONS / f"{solution}.py", world)
    assert report.passed, report.text("en")
    assert report.score == 100
    assert report.details["sim_time"] < load_world(world).time_limit


@pytest.mark.parametrize("world", ["line", "maze", "town"])
def test_naive_program_fails(world):
    report = grade(SOLUTIONS / "naive_forward.py", world)
    assert not report.passed
    assert report.score < 50
    assert report.lines("ko") and report.lines("en")


def test_wrong_order_is_explained():
    src = (SOLUTIONS / "town_postman.py").read_text(encoding="utf-8")
    # deliver one door too early: the first letter goes to the wrong house
    assert 'ROUTE = ["S", "S", "S", "D",' in src
    src = src.replace('ROUTE = ["S", "S", "S", "D",', 'ROUTE = ["S", "D", "S", "S", "D",')
    report = grade(src, "town")
    assert not report.passed
    text = report.text("en")
    assert "You dropped a letter at 1 Flower Rd, but the next letter is for 2 Flower Rd" in text
    assert report.details["mistakes"] >= 1


def test_program_error_is_reported_with_student_line():
    src = "from robot import Robot\nbot = Robot()\nbot.forward(50)\nbot.wait(1)\nbot.fly()\n"
    result = run_fast(src, "line")
    assert result.ended == "error"
    assert "line 5" in result.error and "AttributeError" in result.error
    assert "youthlab/robot" not in result.error  # no grader internals in the student's traceback
    report = check(result)
    assert "AttributeError" in report.lines("en")[0]


def test_busy_loop_without_waiting_is_stopped():
    result = run_fast("x = 0\nwhile True:\n    x += 1\n", "line", wall_timeout=1.0)
    assert result.ended == "timeout"
    assert "wait" in check(result).lines("en")[0]


def test_loop_that_reads_sensors_ends_at_the_time_limit():
    src = "from robot import Robot\nbot = Robot()\nwhile True:\n    bot.line()\n"
    result = run_fast(src, "line", time_limit=5)
    assert result.ended == "time_limit" and result.sim_time == pytest.approx(5, abs=0.01)


def test_except_exception_cannot_swallow_the_time_limit():
    src = ("from robot import Robot\nbot = Robot()\nwhile True:\n    try:\n        bot.wait(1)\n"
           "    except Exception:\n        pass\n")
    assert run_fast(src, "line", time_limit=3).ended == "time_limit"


def test_maze_is_solvable_and_distances_are_sane():
    w = load_world("maze")
    d = maze_distances(w)
    assert d[tuple(w.maze["goal"])] == 0
    assert len(d) == w.maze["cols"] * w.maze["rows"]  # every cell reachable
    assert d[tuple(w.maze["start"])] == 10


def test_grading_mission_protocol():
    """``youthlab.grading.missions.check_mission("robot", world, program)`` works."""
    missions = pytest.importorskip("youthlab.grading.missions")
    result = missions.check_mission("robot", "town", str(SOLUTIONS / "town_postman.py"))
    assert result.passed and result.score == 1.0 and "100" in result.message
    failed = missions.check_mission("robot", "line", (SOLUTIONS / "naive_forward.py").read_text(encoding="utf-8"))
    assert not failed.passed and 0 < failed.score < 0.5
    run = run_fast(SOLUTIONS / "line_follower.py", "line")
    assert missions.check_mission("robot", "line", run).passed
