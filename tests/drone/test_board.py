"""Mission programs over the board line protocol: real MicroPython (unix port) and
CPython subprocesses driving the simulator and the Tello emulator."""

from __future__ import annotations

import io
import json
import threading

import pytest

from youthlab.drone import Drone, Limits
from youthlab.drone.backends.tello import TelloBackend
from youthlab.drone.gate import Gate
from youthlab.drone.board_protocol import BoardBackend
from youthlab.drone.program import fly_real, run_program
from youthlab.drone.errors import SimulateFirst

def stop_when(drone, condition, timeout=10.0):
    """Press the emergency button (from another thread) once ``condition()`` holds."""
    import time as _t

    def run():
        end = _t.time() + timeout
        while _t.time() < end:
            if condition():
                drone.emergency()
                return
            _t.sleep(0.01)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


SQUARE = """
from drone import Drone
d = Drone()
d.takeoff()
for side in range(4):
    d.move(forward=100)
    d.rotate(90)
print("home", d.position)
d.land()
"""


def kinds(record):
    return [e["kind"] for e in record["events"]]


@pytest.mark.parametrize("interpreter", ["micropython", "python"])
def test_square_runs_the_same_everywhere(interpreter):
    record = run_program(SQUARE, interpreter=interpreter, watchdog=False)
    assert record["returncode"] == 0, record["stderr"]
    assert record["events"] == [] and record["sim_pass"]
    x, y = record["final"]["x"], record["final"]["y"]
    assert abs(x) < 15 and abs(y) < 15
    assert record["output"][0].startswith("home")
    assert record["commands"] >= 10


def test_micropython_and_cpython_fly_identical_paths():
    a = run_program(SQUARE, interpreter="micropython", watchdog=False)
    b = run_program(SQUARE, interpreter="python", watchdog=False)
    assert a["path"] == b["path"]


def test_geofence_and_ceiling_refused_for_board_code():
    record = run_program("""
from drone import Drone, DroneError
d = Drone()
d.takeoff()
for move in ("d.forward(500)", "d.up(400)", "d.go_to(0, 0, 900)"):
    try:
        exec(move)
        print("flew", move)
    except DroneError as e:
        print("refused", move)
d.land()
""", interpreter="micropython", limits=Limits(x_max=200, ceiling=200), watchdog=False)
    assert record["returncode"] == 0, record["stderr"]
    assert all(line.startswith("refused") for line in record["output"]), record["output"]
    assert kinds(record) == ["refused_fence", "refused_ceiling", "refused_ceiling"]
    assert not record["sim_pass"]


def test_low_battery_from_board():
    record = run_program("""
from drone import Drone, DroneError
d = Drone()
d.takeoff()
d.go_to(150, 100, 100)
try:
    while True:
        d.hover(5)
except DroneError as e:
    print("stopped", d.battery)
""", interpreter="micropython", battery_pct=22, watchdog=False)
    assert "battery_return" in kinds(record)
    assert not record["final"]["flying"] and not record["final"]["crashed"]
    assert abs(record["final"]["x"]) < 30 and abs(record["final"]["y"]) < 30


def test_watchdog_when_board_program_hangs():
    record = run_program("""
import time
from drone import Drone, DroneError
d = Drone()
d.takeoff()
time.sleep(1.5)
try:
    d.forward(100)
except DroneError:
    print("refused after watchdog")
""", interpreter="micropython", limits=Limits(watchdog_s=0.5))
    assert kinds(record)[:1] == ["watchdog"]
    assert record["output"] == ["refused after watchdog"]
    assert not record["final"]["flying"]


def test_emergency_from_the_board():
    record = run_program("""
from drone import Drone, DroneError
d = Drone()
d.takeoff()
d.up(100)
d.emergency()
try:
    d.takeoff()
except DroneError:
    print("grounded")
""", interpreter="micropython", watchdog=False)
    assert "emergency" in kinds(record) and record["output"] == ["grounded"]
    assert record["final"]["crashed"] or not record["final"]["flying"]


def test_host_emergency_mid_flight_while_board_flies():
    """The teacher's stop button, while the board's move is in progress."""
    drone = Drone(time_scale=4.0, watchdog=False)
    lines = [json.dumps({"drone": "takeoff"}), json.dumps({"drone": "forward", "args": [250]}),
             json.dumps({"drone": "land"})]
    reader = io.StringIO("".join(f"@ylab {line}\n" for line in lines))
    out = io.StringIO()
    button = stop_when(drone, lambda: drone.position[0] > 60)
    BoardBackend(drone, reader, out).serve()
    button.join()
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert replies[0]["ok"] and not replies[1]["ok"] and not replies[2]["ok"]
    assert replies[1]["error"] == "EmergencyStopped"
    assert 0 < drone.position[0] < 240 and not drone.flying


def test_board_cannot_call_private_things():
    drone = Drone(watchdog=False)
    link = BoardBackend(drone, io.StringIO(), io.StringIO())
    for name in ("_Drone__safety", "close", "__class__", "record"):
        assert link.handle({"drone": name})["ok"] is False


def test_same_mission_flies_the_tello_emulator_from_micropython(emulator):
    with pytest.raises(SimulateFirst):
        fly_real(SQUARE, TelloBackend(host="127.0.0.1", port=9))  # not simulated yet
    assert run_program(SQUARE, interpreter="micropython", watchdog=False)["sim_pass"]
    emu = emulator(time_scale=8.0)
    backend = TelloBackend(host="127.0.0.1", port=emu.address[1], state_port=emu.state_port)
    record = fly_real(SQUARE, backend, interpreter="micropython")
    assert record["returncode"] == 0, record["stderr"]
    assert record["events"] == []
    assert emu.received.count("forward 100") == 4 and emu.received.count("cw 90") == 4
    assert abs(emu.sim.x) < 0.15 and abs(emu.sim.y) < 0.15 and not emu.sim.flying


@pytest.mark.skipif(__import__("shutil").which("socat") is None, reason="needs socat")
def test_board_on_a_serial_line_drives_the_simulator(tmp_path):
    """MicroPython behind a pty (what a USB board looks like) + `youthlab drone serve`."""
    import os
    import shutil
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tests.conftest import kill_tree
    from youthlab.drone.program import library_path

    shutil.copy(library_path(), tmp_path / "drone.py")
    (tmp_path / "main.py").write_text(SQUARE)
    mpy = shutil.which("micropython") or str(Path(sys.executable).with_name("micropython"))
    link = tmp_path / "board0"
    board = subprocess.Popen(
        ["socat", f"PTY,link={link},raw,echo=0",
         f"SYSTEM:sleep 1; exec {mpy} main.py,pty,stderr,raw,echo=0"], cwd=tmp_path)
    try:
        deadline = time.time() + 5
        while not link.exists() and time.time() < deadline:
            time.sleep(0.05)
        out = subprocess.run([str(Path(sys.executable).with_name("youthlab")), "--lang", "en",
                              "drone", "serve", "--port", str(link)], capture_output=True,
                             text=True, timeout=60, env=os.environ.copy())
        assert out.returncode == 0, out.stderr
        assert "home (" in out.stdout and "0 safety event" in out.stdout
    finally:
        kill_tree(board.pid)
