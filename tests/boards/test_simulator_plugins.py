"""Issue 15: what is behind a virtual board's pins is a plug-in (``youthlab.simulators``).

A centre's simulator is one file plus one entry-point line, installed the way pip
installs any package; then ``youthlab board virtual --sim NAME`` and ``%board connect
virtual --sim NAME`` start a board with it, and unmodified mpremote reads its pins.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.conftest import kill_tree
from tests.core.plugins import installed_plugin
from youthlab.boards import registry
from youthlab.boards.errors import UnknownSimulator
from youthlab.boards.simulator import BoardSimulator, make_simulator, simulator_names
from youthlab.i18n import use_language
from youthlab.robot.car import RobotBoardSim

MPREMOTE = str(Path(sys.executable).with_name("mpremote"))

LIGHT_SENSOR = '''
"""A light sensor on ADC pin 26 and a lamp on pin 2 that makes it bright."""
from youthlab.boards.simulator import BoardSimulator


class LightSensorSim(BoardSimulator):
    def adc_read(self, pin):
        if pin != 26:
            return super().adc_read(pin)
        return 60000 if self.pins.get(2) else 1200
'''


@pytest.fixture
def light_sensor_installed(tmp_path, monkeypatch):
    yield from installed_plugin(tmp_path, monkeypatch, "ylt_light_sim", LIGHT_SENSOR, "youthlab.simulators",
                                {"light": "ylt_light_sim:LightSensorSim", "broken": "ylt_no_such_module:Nothing"})


def test_built_in_simulators_are_entry_points():
    assert {"pins", "robot-car"} <= set(simulator_names())
    assert type(make_simulator("pins")) is BoardSimulator
    car = make_simulator("robot-car")
    assert isinstance(car, RobotBoardSim) and car.profile_name == "rp2040"  # the pico-car kit


def test_a_new_simulator_is_one_file_and_one_entry_point_line(light_sensor_installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(light_sensor_installed), str(Path.cwd())]),
           "YOUTHLAB_LANG": "en"}
    board = subprocess.Popen([sys.executable, "-m", "youthlab.cli", "board", "virtual", "--name", "light",
                              "--sim", "light", "--fs", str(tmp_path / "fs")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True)
    try:
        port = board.stdout.readline().strip()
        assert port.startswith("/dev/"), board.stderr.read() if board.poll() is not None else port
        run = subprocess.run([MPREMOTE, "connect", port, "exec",
                              "from machine import ADC, Pin\nadc = ADC(Pin(26))\ndark = adc.read_u16()\n"
                              "Pin(2, Pin.OUT).on()\nprint(dark, adc.read_u16())"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == ["1200", "60000"]
        board.send_signal(signal.SIGINT)  # Ctrl-C: the board stops
        assert board.wait(timeout=30) == 0
    finally:
        kill_tree(board.pid, timeout=5)


def test_the_magic_starts_a_robot_car_behind_the_pins(capsys):
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "youthlab.boards")
    try:
        shell.run_line_magic("board", "connect virtual:ylt-car --sim=robot-car")
        car = registry.virtual_board("ylt-car").simulator
        assert isinstance(car, RobotBoardSim)
        x0, y0 = car.body.x, car.body.y
        # the pico-car kit: left motor pins 8/9, right 10/11; the ranger at I2C 0x57
        shell.run_cell_magic("board", "", "from machine import PWM, Pin, I2C\nimport time\n"
                             "print('scan', I2C(0).scan())\n"
                             "motors = [PWM(Pin(p), freq=1000) for p in (8, 9, 10, 11)]\n"
                             "motors[0].duty_u16(40000); motors[2].duty_u16(40000)\n"
                             "time.sleep(1)\n"
                             "for m in motors:\n    m.duty_u16(0)\n")
        assert "scan [87]" in capsys.readouterr().out
        car.sync()
        assert abs(car.body.x - x0) + abs(car.body.y - y0) > 5  # cm: the car drove
        # a board already running keeps what is behind its pins, and the student is told so
        shell.run_line_magic("board", "connect virtual:ylt-plain")
        with use_language("en"):
            shell.run_line_magic("board", "connect virtual:ylt-plain --sim robot-car")
        told = capsys.readouterr()
        assert "already running with another simulator" in told.err
        assert "%board connect virtual:robot-car --sim robot-car" in told.err
        assert type(registry.virtual_board("ylt-plain").simulator) is BoardSimulator
        assert registry.current().name == "virtual:ylt-plain"
        shell.run_line_magic("board", "connect virtual:ylt-car --sim robot-car")  # the same kind: reconnects
        assert registry.current().name == "virtual:ylt-car" and registry.virtual_board("ylt-car").simulator is car
    finally:
        registry.disconnect_all()


def test_an_unknown_or_broken_simulator_fails_loudly_in_ko_and_en(light_sensor_installed, capsys):
    with pytest.raises(UnknownSimulator) as unknown:
        make_simulator("helicopter")
    with use_language("ko"):
        assert "'helicopter'" in unknown.value.message() and "시뮬레이터" in unknown.value.message()
    with use_language("en"):
        message = unknown.value.message()
        assert "light" in message and "robot-car" in message and "pins" in message
    with pytest.raises(UnknownSimulator) as broken:
        make_simulator("broken")
    # registered but not loading: said so (not "there is no simulator called …"), with the reason
    assert broken.value.message("en").startswith("'broken' is registered under youthlab.simulators but does not load")
    assert "ylt_no_such_module" in broken.value.message("en") and "등록돼 있지만" in broken.value.message("ko")
    # in a notebook: the message, no Python traceback, no board started
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "youthlab.boards")
    try:
        with use_language("en"):
            shell.run_line_magic("board", "connect virtual:ylt-nosim --sim helicopter")
            shell.run_line_magic("board", "connect station:9 --sim light")
        shown = capsys.readouterr()
        text = shown.out + shown.err
        assert "There is no simulator called 'helicopter'" in text and "Traceback" not in text
        assert "--sim is for virtual boards only" in text
        assert registry.virtual_board("ylt-nosim") is None
    finally:
        registry.disconnect_all()


def test_the_cli_names_an_unknown_simulator_without_a_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "youthlab.cli", "board", "virtual", "--sim", "helicopter",
                          "--fs", str(tmp_path / "fs")], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "YOUTHLAB_LANG": "ko"})
    assert run.returncode != 0
    assert "'helicopter'라는 시뮬레이터가 없어요" in run.stderr and "pins" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert not run.stdout.strip()  # nothing was started: no port printed
