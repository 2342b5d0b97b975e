"""The fast runner: the board library API, simulated time, host modules left alone."""

import time

import pytest
import yaml

from youthlab.paths import hardware_dir
from youthlab.robot.runner import run_fast


def test_board_library_api_in_the_fast_simulator():
    src = """
from robot import Robot
import time
bot = Robot()
t0 = time.ticks_ms()
bot.forward(60, seconds=2)
print("elapsed", time.ticks_diff(time.ticks_ms(), t0))
print("ticks", bot.ticks())
bot.leds[0].on()
print("line", bot.line(), "far", bot.distance() > 50)
bot.left(40, seconds=0.5)
bot.backward(40, seconds=0.5)
bot.stop()
"""
    r = run_fast(src, "town")
    assert r.ended == "finished", r.error
    out = dict(line.split(" ", 1) for line in r.output.strip().splitlines())
    assert abs(int(out["elapsed"]) - 2000) <= 2
    left, right = eval(out["ticks"])
    assert left == right and left > 20  # encoders work through Pin.irq in the fast runner
    assert out["line"].startswith("(0, 1, 0)")
    assert r.sim.leds[r.sim.kit["leds"][0]] == 1
    assert r.sim_time == pytest.approx(3.0, abs=0.05)


def test_a_program_that_never_ends_stops_at_the_time_limit():
    # (how fast three minutes of robot time go is benchmarks/robot_sim.py's business)
    src = "from robot import Robot\nbot = Robot()\nbot.drive(30, 35)\nwhile True:\n    bot.line()\n    bot.wait(0.01)\n"
    r = run_fast(src, "town", time_limit=180)
    assert r.ended == "time_limit" and r.error is None
    assert r.sim_time == pytest.approx(180, abs=0.02)
    assert r.sim.body.collisions > 0 or r.sim.body.trace[-1].t > 170  # the robot kept driving


def test_host_time_module_is_untouched():
    before = time.sleep
    run_fast("import time\ntime.sleep(100)\n", "line", time_limit=200)
    assert time.sleep is before and time.time() > 1e9


def test_kit_choice_reaches_the_library():
    r = run_fast("from robot import Robot\nprint(Robot().kit_name)\n", "line", kit="esp32-car")
    assert r.output.strip() == "esp32-car"
    r = run_fast("from robot import Robot\nprint(round(Robot().distance()))\n", "maze", kit="pico-car-sr04")
    assert r.error is None and 30 <= int(r.output) <= 40


def test_board_library_pin_maps_match_the_yaml():
    ns: dict = {}
    r = run_fast("import robot\nprint(repr(robot.KITS))\n", "line")
    ns = eval(r.output)
    data = yaml.safe_load((hardware_dir() / "boards.yaml").read_text(encoding="utf-8"))["robot_kits"]
    for name, kit in data.items():
        kit = {k: v for k, v in kit.items() if k != "board"}
        assert ns[name] == kit, name
    assert set(ns) == set(data)


def test_missing_file_is_a_friendly_error():
    from youthlab.robot.errors import RobotError

    with pytest.raises(RobotError) as info:
        run_fast("studnet.py", "line")
    assert "studnet.py" in info.value.message("en")
