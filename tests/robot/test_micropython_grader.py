"""The fast grader on the real MicroPython interpreter: same files, same verdicts."""

from pathlib import Path

import pytest

from youthlab.robot.checker import check, grade
from youthlab.robot.mpyrun import run_micropython
from youthlab.robot.runner import run_fast

SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"


@pytest.mark.parametrize("world,solution", [("line", "line_follower"), ("maze", "maze_right_hand"),
                                            ("town", "town_postman")])
def test_sample_solutions_pass_on_micropython(world, solution):
    mpy = run_micropython(SOLUTIONS / f"{solution}.py", world)
    assert mpy.error is None, mpy.error
    assert check(mpy).passed
    fast = run_fast(SOLUTIONS / f"{solution}.py", world)
    # same physics, same program: the two interpreters end up in (nearly) the same place
    assert abs(mpy.sim.body.x - fast.sim.body.x) < 3 and abs(mpy.sim.body.y - fast.sim.body.y) < 3
    assert abs(mpy.sim_time - fast.sim_time) < 1.0


def test_naive_fails_and_output_is_kept():
    src = (SOLUTIONS / "naive_forward.py").read_text(encoding="utf-8") + "\nprint('bye', bot.line())\n"
    r = run_micropython(src, "town")
    # 5 s straight on from the start: the centre sensor is still over the street, and
    # both graders say so in exactly the same words
    assert r.output == run_fast(src, "town").output == "bye (0, 1, 0)\n"
    assert not check(r).passed and r.sim_time == pytest.approx(5.0, abs=0.01)


def test_cpython_only_code_fails_like_on_a_robot():
    src = "from dataclasses import dataclass\nfrom robot import Robot\nRobot().forward(50, seconds=1)\n"
    assert run_fast(src, "line").error is None  # CPython happily runs it…
    r = run_micropython(src, "line")  # …MicroPython does not
    assert r.ended == "error" and "dataclasses" in r.error


def test_time_limit_and_sensors_over_the_link():
    src = ("from robot import Robot\nimport time\nbot = Robot()\nprint(round(bot.distance()))\n"
           "t0 = time.ticks_ms()\nwhile True:\n    bot.line()\n    bot.wait(0.05)\n")
    r = run_micropython(src, "maze", time_limit=4)
    assert r.ended == "time_limit" and 35 <= int(r.output.split()[0]) <= 40
    assert grade(SOLUTIONS / "naive_forward.py", "line", interpreter="micropython").score < 50
