"""The Tello backend against the SDK emulator over real UDP on loopback."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from youthlab.drone import Drone, EmergencyStopped, Limits, SafetyError, SimulateFirst
from youthlab.drone import sdk
from youthlab.drone.backends.tello import TelloBackend
from youthlab.drone.errors import DroneError
from youthlab.drone.gate import Gate


def client(emu, **kw) -> TelloBackend:
    return TelloBackend(host="127.0.0.1", port=emu.address[1], state_port=emu.state_port, **kw)


def cleared() -> object:
    return Gate().clearance("test program", teacher_pin="43218765")


def kinds(d):
    return [e.kind for e in d.events]


def test_emulator_speaks_the_sdk_over_udp(emulator):
    emu = emulator()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as state:
        state.bind(("127.0.0.1", emu.state_port))
        state.settimeout(3)
        s.settimeout(3)

        def ask(text):
            s.sendto(text.encode(), emu.address)
            return s.recvfrom(1024)[0].decode()

        assert ask("command") == "ok"
        assert ask("forward 100") == sdk.MOTOR_STOP
        assert ask("takeoff") == "ok"
        assert ask("forward 10") == "out of range"
        assert ask("go 10 10 10 50") == "out of range"
        assert ask("jump 3").startswith("unknown command")
        assert ask("battery?").isdigit()
        assert ask("up 40") == "ok"
        time.sleep(0.3)
        state.setblocking(False)
        packets = []
        try:
            while True:
                packets.append(state.recvfrom(1024)[0])
        except BlockingIOError:
            pass
        packet = sdk.parse_state(packets[-1])
        assert {"pitch", "roll", "yaw", "h", "bat", "baro", "time", "agz"} <= set(packet)
        assert 100 <= packet["h"] <= 130
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
    time.sleep(1.5)
    assert kinds(d) == ["watchdog"]
    deadline = time.time() + 5
    while emu.sim.flying and time.time() < deadline:
        time.sleep(0.05)
    assert not emu.sim.flying and not emu.sim.crashed
    assert "stop" in emu.received and emu.received[-1] == "land"
    d.close()


def test_keepalives_stop_the_tello_from_landing_itself(emulator):
    emu = emulator(link_timeout_s=1.5)
    d = Drone(client(emu, keepalive_s=0.3), clearance=cleared(),
              limits=Limits(watchdog_s=30, keepalive_s=0.3))
    d.takeoff()
    d.hover(2.5)  # longer than the drone's own link timeout
    time.sleep(2.0)  # idle, but the supervisor keeps the link alive
    assert emu.sim.flying and emu.auto_landings == 0
    assert emu.received.count("battery?") >= 3
    d.land()
    d.close()


def test_tello_lands_itself_without_keepalives(emulator):
    emu = emulator(link_timeout_s=0.5)
    be = client(emu)
    be.connect()
    assert be.send("takeoff") == "ok"
    time.sleep(1.5)
    assert emu.auto_landings == 1 and not emu.sim.flying
    be.close()


def test_emergency_mid_flight(emulator):
    emu = emulator(time_scale=2.0)
    d = Drone(client(emu), clearance=cleared())
    d.takeoff()
    from tests.drone.test_board import stop_when

    stop_when(d, lambda: emu.sim.x > 0.3)
    with pytest.raises(EmergencyStopped):
        d.forward(300)
    deadline = time.time() + 3
    while emu.sim.z > 0 and time.time() < deadline:
        time.sleep(0.05)
    assert not emu.sim.motors and emu.sim.z == 0
    assert 0.1 < emu.sim.x < 2.5  # stopped part-way
    assert "emergency" in emu.received and kinds(d)[-1] == "emergency"
    d.close()
