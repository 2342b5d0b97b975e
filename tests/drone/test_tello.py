"""The Tello backend against the SDK emulator over real UDP on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from youthlab.drone import Drone, EmergencyStopped, Limits, SafetyError, SimulateFirst
from youthlab.drone import sdk
from youthlab.drone.backends.tello import TelloBackend
from youthlab.drone.errors import DroneError
from youthlab.drone.gate import Gate

if TYPE_CHECKING:
    from youthlab.drone.emulator import TelloEmulator


def client(emu, **kw) -> TelloBackend:
    return TelloBackend(host="127.0.0.1", port=emu.address[1], state_port=emu.state_port, **kw)


def cleared() -> object:
    return Gate().clearance("test program", teacher_pin="43218765")


def kinds(d):
    return [e.kind for e in d.events]


class SdkLink:
    """A client's UDP socket to an emulator's command port (3 s timeout) and, with
    ``state=True``, a socket bound to its state port (3 s timeout)."""

    def __init__(self, emu: "TelloEmulator", state: bool = False) -> None:
        self.address = emu.address
        self.cmd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.state = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if state else None
        if self.state is not None:
            self.state.bind(("127.0.0.1", emu.state_port))
            self.state.settimeout(3)
        self.cmd.settimeout(3)

    def send(self, text: str) -> None:
        self.cmd.sendto(text.encode(), self.address)

    def ask(self, text: str) -> str:
        self.send(text)
        return self.cmd.recvfrom(1024)[0].decode()

    def __enter__(self) -> "SdkLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cmd.close()
        if self.state is not None:
            self.state.close()


def wait_until(check, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_emulator_speaks_the_sdk_over_udp(emulator):
    emu = emulator()
    with SdkLink(emu, state=True) as link:
        ask = link.ask
        assert ask("command") == "ok"
        assert ask("forward 100") == sdk.MOTOR_STOP
        assert ask("takeoff") == "ok"
        assert ask("forward 10") == "out of range"
        assert ask("go 10 10 10 50") == "out of range"
        assert ask("jump 3").startswith("unknown command")
        assert ask("battery?").isdigit()
        assert ask("up 40") == "ok"
        packet = {}
        while not 100 <= packet.get("h", 0) <= 130:  # the stream catches up with the move
            data, sender = link.state.recvfrom(1024)
            packet = sdk.parse_state(data)
        assert sender == emu.address  # state comes from the drone's command port
        assert {"pitch", "roll", "yaw", "h", "bat", "baro", "time", "agz"} <= set(packet)
        assert ask("land") == "ok"
        assert not emu.sim.flying


def test_real_backend_needs_the_simulator_first(emulator):
    emu = emulator()
    with pytest.raises(SimulateFirst):
        Drone(client(emu))
    with pytest.raises(SimulateFirst):
        Drone(client(emu), clearance=object())  # a forged clearance
    assert Gate().clearance("x", teacher_pin="43218765").override
    with pytest.raises(SimulateFirst):
        Gate().clearance("x", teacher_pin="wrong")


def test_same_api_flies_the_emulated_tello(emulator):
    emu = emulator()
    d = Drone(client(emu), clearance=cleared())
    d.takeoff()
    d.move(forward=100)
    d.rotate(90)
    d.forward(60)
    assert d.position[:2] == (100, -60)
    assert abs(emu.sim.x - 1.0) < 0.1 and abs(emu.sim.y + 0.6) < 0.1
    d.go_to(0, 0, 100)
    assert abs(emu.sim.x) < 0.1 and abs(emu.sim.y) < 0.1 and abs(emu.sim.z - 1.0) < 0.1
    d.land()
    assert not emu.sim.flying and d.events == []
    assert emu.received[0] == "command"
    d.close()


def test_geofence_refusal_sends_nothing(emulator):
    emu = emulator()
    d = Drone(client(emu), clearance=cleared(), limits=Limits(x_max=150, ceiling=150))
    d.takeoff()
    n = len(emu.received)
    with pytest.raises(SafetyError):
        d.forward(200)
    with pytest.raises(SafetyError):
        d.up(100)
    assert emu.received[n:] == []
    assert kinds(d) == ["refused_fence", "refused_ceiling"]
    d.close()
    assert not emu.sim.flying


def test_low_battery_returns_home_and_lands(emulator):
    emu = emulator(battery_pct=15.5)
    d = Drone(client(emu), clearance=cleared(),
              limits=Limits(takeoff_min_battery=10, return_battery=15, land_battery=5))
    d.takeoff()
    with pytest.raises(DroneError):
        for _ in range(40):
            d.move(forward=50)
            d.move(back=50)
    assert "battery_return" in kinds(d)
    assert not emu.sim.flying and not emu.sim.crashed
    d.close()


def test_watchdog_lands_when_program_goes_quiet(emulator):
    emu = emulator()
    d = Drone(client(emu), clearance=cleared(), limits=Limits(watchdog_s=0.6, keepalive_s=0.2))
    d.takeoff()
    wait_until(lambda: kinds(d) == ["watchdog"], what="the watchdog")
    wait_until(lambda: not emu.sim.flying, what="the landing")
    assert not emu.sim.flying and not emu.sim.crashed
    assert "stop" in emu.received and emu.received[-1] == "land"
    d.close()


def test_keepalives_stop_the_tello_from_landing_itself(emulator):
    emu = emulator(link_timeout_s=1.5)
    d = Drone(client(emu, keepalive_s=0.3), clearance=cleared(),
              limits=Limits(watchdog_s=30, keepalive_s=0.3))
    d.takeoff()
    d.hover(2.5)  # longer than the drone's own link timeout
    n = emu.received.count("battery?")
    # idle for longer than the drone's link timeout, but the supervisor keeps the link alive
    wait_until(lambda: emu.received.count("battery?") >= n + 6, what="keepalives")
    assert emu.sim.flying and emu.auto_landings == 0
    assert emu.received.count("battery?") >= 3
    d.land()
    d.close()


def test_tello_lands_itself_without_keepalives(emulator):
    emu = emulator(link_timeout_s=0.5)
    be = client(emu)
    be.connect()
    assert be.send("takeoff") == "ok"
    wait_until(lambda: emu.auto_landings == 1, what="the Tello to land by itself")
    wait_until(lambda: not emu.sim.flying, what="touchdown")
    be.close()


def test_emergency_mid_flight(emulator):
    emu = emulator(time_scale=2.0)
    d = Drone(client(emu), clearance=cleared())
    d.takeoff()
    from tests.drone.test_board import stop_when

    stop_when(d, lambda: emu.sim.x > 0.3)
    with pytest.raises(EmergencyStopped):
        d.forward(300)
    wait_until(lambda: emu.sim.z <= 0, what="the fall")
    assert not emu.sim.motors and emu.sim.z == 0
    assert 0.1 < emu.sim.x < 2.5  # stopped part-way
    assert "emergency" in emu.received and kinds(d)[-1] == "emergency"
    d.close()


def test_rc_and_emergency_get_no_reply(emulator):
    """Issue 16: a Tello answers neither ``rc`` nor ``emergency``; the next reply a client
    reads must be the answer to its next question."""
    emu = emulator()
    with SdkLink(emu) as link:
        assert link.ask("command") == "ok"
        assert link.ask("takeoff") == "ok"
        for text in ("rc 0 50 0 0", "rc 0 0 0 0", "rc 500 0 0 0", "rc 1 2"):
            link.send(text)
        assert link.ask("sdk?") == "20"
        link.send("emergency")
        assert link.ask("battery?").isdigit()
        assert emu.emergencies == 1 and not emu.sim.motors


def test_state_string_is_sdk_2(emulator):
    """Issue 16: SDK 2.0 state starts with the mission-pad fields ``mid;x;y;z;mpry``."""
    emu = emulator()
    with SdkLink(emu, state=True) as link:
        assert link.ask("command") == "ok"
        text = link.state.recvfrom(1024)[0].decode()
    keys = [field.split(":")[0] for field in text.strip().split(";") if field]
    assert keys == ["mid", "x", "y", "z", "mpry", "pitch", "roll", "yaw", "vgx", "vgy", "vgz", "templ",
                    "temph", "tof", "h", "bat", "baro", "time", "agx", "agy", "agz"]
    assert text.startswith("mid:-1;x:-100;y:-100;z:-100;mpry:-1,-1,-1;") and text.endswith(";\r\n")


def test_curve_flies_an_arc_and_refuses_bad_ones(emulator):
    """Issue 16: ``curve`` was an unknown command."""
    emu = emulator(time_scale=10.0)
    be = client(emu)
    be.connect()
    assert be.send("takeoff") == "ok"
    assert be.send("curve 60 60 0 120 0 0 60") == "ok"  # half circle, radius 0.6 m, to the left
    assert abs(emu.sim.x - 1.2) < 0.15 and abs(emu.sim.y) < 0.15
    assert be.send("curve 60 60 0 120 0 0 61") == "out of range"
    assert be.send("curve 60 60 0 120 0") == "unknown command: curve 60 60 0 120 0"
    assert be.send("curve 30 0 0 60 0 0 30") == "error"  # a line: no arc
    assert be.send("curve 2000 0 0 60 0 0 30") == "out of range"
    assert be.send("land") == "ok"
    be.close()


def test_busy_port_is_a_clear_error_not_a_traceback(emulator, tmp_path):
    """Issue 16: a busy port 8889 gave a raw traceback."""
    from youthlab.drone.emulator import EmulatorPortBusy, TelloEmulator
    from youthlab.i18n import use_language

    first = emulator()
    port = first.address[1]
    with pytest.raises(EmulatorPortBusy) as caught:
        TelloEmulator(port=port).start()
    with use_language("ko"):
        assert f"127.0.0.1:{port}" in caught.value.message() and "포트" in caught.value.message()
    with use_language("en"):
        assert "already using that port" in caught.value.message()
    run = subprocess.run([sys.executable, "-m", "youthlab.cli", "drone", "emulator", "--port", str(port)],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "YOUTHLAB_LANG": "en"})
    assert run.returncode == 2
    assert f"127.0.0.1:{port}" in run.stderr and "--port" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_emulator_command_with_a_mission_pad(tmp_path):
    """`youthlab drone emulator --pad 3:0,0`: a pad under the takeoff point, seen after `mon`."""
    from tests.drone.conftest import udp_port

    port, state_port = udp_port(), udp_port()
    proc = subprocess.Popen([sys.executable, "-m", "youthlab.cli", "drone", "emulator", "--port", str(port),
                             "--state-port", str(state_port), "--time-scale", "5", "--pad", "3:0,0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as state:
            state.bind(("127.0.0.1", state_port))
            state.settimeout(5)
            s.settimeout(1)
            deadline = time.monotonic() + 30
            while True:  # until the emulator listens
                s.sendto(b"command", ("127.0.0.1", port))
                try:
                    if s.recvfrom(1024)[0] == b"ok":
                        break
                except (socket.timeout, ConnectionRefusedError):
                    assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
            s.settimeout(20)
            for text in ("mon", "takeoff"):
                s.sendto(text.encode(), ("127.0.0.1", port))
                assert s.recvfrom(1024)[0] == b"ok"
            while (packet := sdk.parse_state(state.recvfrom(1024)[0])).get("h", 0) < 70:  # climbed
                pass
            assert packet["mid"] == 3 and abs(packet["x"]) <= 5 and packet["z"] > 50
    finally:
        proc.terminate()
        proc.wait(timeout=10)
