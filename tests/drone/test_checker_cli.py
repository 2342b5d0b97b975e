"""Mission checker scores, and the `youthlab drone` command against a real emulator process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import kill_tree
from tests.drone.conftest import udp_port
from youthlab.drone import Mission, get_mission
from youthlab.drone.checker import check_flight, check_function, check_program, check_square
from youthlab.drone.program import run_program

GOOD = """
from drone import Drone
d = Drone()
d.takeoff()
d.go_to(180, 125, 100, 40)      # around the seabird rock
d.go_to(305, 300, 60, 40)       # above the village hall, low
d.hover(1)
d.drop()
d.go_to(180, 125, 100, 50)
d.go_to(0, 0, 100, 50)
d.land()
"""

BAD = """
from drone import Drone
d = Drone()
d.takeoff()
d.go_to(310, 300, 100, 40)      # straight over the seabird rock
d.go_to(0, 0, 100, 40)          # ...and forgot the parcel
"""


def test_good_and_bad_solutions_score_differently():
    good, bad = check_program(GOOD), check_program(BAD)
    assert good.passed and good.score >= 90
    assert not bad.passed and bad.score <= 50
    assert "소포" in bad.feedback("ko") and "parcel" in bad.feedback("en")
    assert "no-fly" in bad.feedback("en")
    assert good.as_dict()["feedback"]["ko"].startswith("점수")


def test_wasteful_route_runs_out_of_battery_budget():
    slow = GOOD.replace(", 40)", ", 10)").replace(", 50)", ", 10)")
    result = check_program(slow)
    kinds = [e["kind"] for e in result.record["events"]]
    assert "battery_return" in kinds and not result.passed


def test_mission_object_and_function_checker():
    spec = get_mission("island")
    m = Mission(speed=40)
    m.add(180, 125, 100)
    m.add(*spec.target, 60, drop=True)
    result = check_function(m.fly)
    assert result.passed, result.feedback("en")


def test_square_checker():
    good = run_program("""
from drone import Drone
d = Drone()
d.takeoff()
for i in range(4):
    d.forward(100)
    d.rotate(90)
d.land()
""", watchdog=False)
    bad = run_program("""
from drone import Drone
d = Drone()
d.takeoff()
d.forward(100)
d.land()
""", watchdog=False)
    assert check_square(good).passed and not check_square(bad).passed
    assert check_square(good).score > check_square(bad).score


def _youthlab(*args: str, **kw) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("youthlab")
    return subprocess.run([str(exe), "--lang", "en", "drone", *args], capture_output=True,
                          text=True, timeout=120, **kw)


def _wait_udp(port: int, timeout: float = 15.0) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.3)
        end = time.time() + timeout
        while time.time() < end:
            s.sendto(b"command", ("127.0.0.1", port))
            try:
                if s.recvfrom(64)[0] == b"ok":
                    return
            except OSError:
                time.sleep(0.1)
    raise TimeoutError("emulator did not answer")


def test_cli_simulate_first_then_fly_the_emulator(tmp_path):
    program = tmp_path / "square.py"
    program.write_text("""
from drone import Drone
d = Drone()
d.takeoff()
for i in range(4):
    d.forward(50)
    d.rotate(90)
d.land()
""")
    port, state_port = udp_port(), udp_port()
    emu = subprocess.Popen([str(Path(sys.executable).with_name("youthlab")), "drone", "emulator",
                            "--port", str(port), "--state-port", str(state_port),
                            "--time-scale", "8"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=os.environ.copy())
    try:
        _wait_udp(port)
        tello = ["--backend", "tello", "--host", "127.0.0.1", "--port", str(port),
                 "--state-port", str(state_port), "--interpreter", "micropython"]
        refused = _youthlab("fly", str(program), *tello)
        assert refused.returncode != 0 and "simulator first" in refused.stderr
        sim = _youthlab("fly", str(program), "--interpreter", "micropython")
        assert sim.returncode == 0, sim.stdout + sim.stderr
        assert "Simulator passed" in sim.stdout
        real = _youthlab("fly", str(program), *tello)
        assert real.returncode == 0, real.stdout + real.stderr
        assert "0 safety event" in real.stdout
    finally:
        kill_tree(emu.pid)


def test_cli_check_json(tmp_path):
    program = tmp_path / "good.py"
    program.write_text(GOOD)
    out = _youthlab("check", str(program), "--json")
    assert out.returncode == 0 and '"passed": true' in out.stdout


def test_hall_programs_are_graded_as_squares():
    square = "from drone import Drone\nd = Drone()\nd.takeoff()\nfor i in range(4):\n    d.forward(100)\n    d.rotate(90)\nd.land()\n"
    assert check_program(square, "hall").passed
    assert not check_program(square.replace("range(4)", "range(1)"), "hall").passed
