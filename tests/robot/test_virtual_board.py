"""The same student file on the virtual board (real MicroPython, real time) and in the
fast grader gives the same result."""

import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from youthlab.robot.checker import check
from youthlab.robot.runner import run_fast, run_virtual
from youthlab.robot.worlds import WORLDS_DIR, build_world

pytestmark = pytest.mark.skipif(not shutil.which("setsid"), reason="needs setsid")
SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"


def one_letter_town():
    data = yaml.safe_load((WORLDS_DIR / "town.yaml").read_text(encoding="utf-8"))
    data["letters"] = ["꽃길 1"]
    return build_world(data)


@pytest.mark.alone  # real time on the board: a busy machine makes the robot overshoot
def test_student_file_runs_unchanged_on_the_virtual_board(tmp_path):
    src = (SOLUTIONS / "town_postman.py").read_text(encoding="utf-8")
    student = tmp_path / "student.py"
    student.write_text(re.sub(r"ROUTE = \[.*?\]", 'ROUTE = ["S", "D"]', src, count=1, flags=re.S),
                       encoding="utf-8")
    world = one_letter_town()

    fast = run_fast(student, world)
    live = run_virtual(student, world, seconds=7)

    assert live.error is None, live.output
    assert live.ended == "finished"
    # printed by MicroPython on the board, through the Session as a %%board cell shows it:
    # the program's own line and nothing else (the grader stops as soon as the task is done)
    assert live.output == "all letters delivered\n"
    assert fast.ended == "done"
    for result in (fast, live):
        report = check(result)
        assert report.passed, (result.mode, report.text("en"))
    (ft, fd), (lt, ld) = fast.sim.deliveries()[0], live.sim.deliveries()[0]
    assert fd["house"] == ld["house"] == "꽃길 1"
    assert abs(fd["x"] - ld["x"]) < 3 and abs(fd["y"] - ld["y"]) < 2
    assert abs(ft - lt) < 1.0  # real time on the board vs simulated time


def test_board_error_is_reported(tmp_path):
    student = tmp_path / "broken.py"
    student.write_text("from robot import Robot\nbot = Robot()\nbot.forward(50)\nbot.jump()\n")
    live = run_virtual(student, "line", seconds=2.5)
    assert live.error and "AttributeError" in live.error


def test_wheel_encoders_and_the_echo_sensor_work_on_the_virtual_board_as_in_the_grader(tmp_path):
    """Pin.irq (encoder ticks) and machine.time_pulse_us (HC-SR04) on the virtual board."""
    student = tmp_path / "encoders.py"
    student.write_text("from robot import Robot\nbot = Robot()\nprint('DIST', round(bot.distance()))\n"
                       "bot.forward(60, seconds=1.5)\nbot.stop()\nprint('TICKS', bot.ticks())\n"
                       "print('DIST', round(bot.distance()))\n")
    fast = run_fast(student, "maze", kit="pico-car-sr04", stop_when_done=False, time_limit=3)
    live = run_virtual(student, "maze", kit="pico-car-sr04", seconds=4)
    assert live.error is None, live.output

    def readings(result):
        return [line for line in result.output.splitlines() if line.startswith(("TICKS", "DIST"))]

    fast_lines, live_lines = readings(fast), readings(live)
    assert len(live_lines) == 3 and live_lines[1] != "TICKS (0, 0)", live.output
    left, right = map(int, re.findall(r"\d+", live_lines[1]))
    f_left, f_right = map(int, re.findall(r"\d+", fast_lines[1]))
    assert abs(left - f_left) <= 2 and abs(right - f_right) <= 2  # real time vs simulated time
    d0, d1 = (int(line.split()[1]) for line in (live_lines[0], live_lines[2]))
    f0, f1 = (int(line.split()[1]) for line in (fast_lines[0], fast_lines[2]))
    assert d0 < 400 and abs(d0 - f0) <= 3 and d1 < d0 and abs(d1 - f1) <= 5  # closer to the wall


def test_the_stop_button_stops_a_silent_endless_program_at_once(tmp_path):
    """A live view's stop button goes through the board's Session like Jupyter's interrupt:
    a program that loops and prints nothing is stopped well before its time limit."""
    program = tmp_path / "forever.py"
    program.write_text("import time\nwhile True:\n    time.sleep_ms(5)\n", encoding="utf-8")
    stop = threading.Event()
    threading.Timer(1.5, stop.set).start()
    result = run_virtual(program, "line", seconds=60, stop=stop)
    assert result.ended == "stopped" and result.error is None, result.output
    assert result.wall_time < 15  # the time limit (60 s) did not end it


def test_the_stop_button_pressed_as_the_run_ends_is_no_error(tmp_path):
    """The live view's window closed just as the program printed its last line: the run ends
    finished or stopped, with its output and no error (before: a TypeError in a stop thread)."""
    program = tmp_path / "short.py"
    program.write_text("print('bye')\n", encoding="utf-8")
    stop = threading.Event()
    result = run_virtual(program, "line", seconds=20, stop=stop,
                         echo=lambda s: stop.set() if "bye" in s else None)
    assert stop.is_set()
    assert result.ended in ("finished", "stopped") and result.error is None, (result.ended, result.output)
    assert result.output.startswith("bye\n"), result.output
