"""Judge 2 (issue 16): djitellopy, the Tello library of the tutorials, flies the emulator.

djitellopy is used unmodified, with one thing a real Tello never needs: on one machine
the client and the "drone" share UDP port 8889 (djitellopy binds 8889 and 8890 on every
address and sends to <drone>:8889), so the client's sockets are made with SO_REUSEADDR
and the emulator runs on a loopback address of its own (``share_port=True``). Two runs
of this module (two pytest processes) would fight over 8889/8890: a lock file keeps them
one at a time, and the client's sockets are closed when the module is done.

Where djitellopy's parsing disagrees with the Tello's documented replies the emulator
follows the documentation (see ``test_read_commands_answer_as_documented``).
"""

from __future__ import annotations

import fcntl
import random
import socket as _socket
import threading
import time
import types

import pytest

djitellopy = pytest.importorskip("djitellopy")
from djitellopy import Tello, TelloException  # noqa: E402
from djitellopy import tello as tello_module  # noqa: E402

from youthlab.drone.emulator import TelloEmulator  # noqa: E402

LOCK_PATH = "/tmp/youthlab-djitellopy.lock"
pytestmark = pytest.mark.machine_resource("tello-udp-8889")  # djitellopy binds 8889/8890 on every address


def wait_until(check, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def shared_ports():
    """djitellopy's module-wide sockets, shareable with the emulator; closed at the end."""
    with open(LOCK_PATH, "w") as lock:
        deadline = time.monotonic() + 240
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail("another djitellopy test run holds ports 8889/8890 for too long")
                time.sleep(0.2)
        made: list[_socket.socket] = []

        def shareable(*args, **kwargs) -> _socket.socket:
            s = _socket.socket(*args, **kwargs)
            s.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
            made.append(s)
            return s

        shim = types.SimpleNamespace(**{k: getattr(_socket, k) for k in dir(_socket) if not k.startswith("__")})
        shim.socket = shareable
        real_socket_module = tello_module.socket
        tello_module.socket = shim
        tello_module.threads_initialized = False
        Tello.LOGGER.setLevel("WARNING")
        try:
            yield
        finally:
            Tello.LOGGER.setLevel("CRITICAL")  # the receiver threads end on their closed sockets
            for s in made:  # shutdown wakes the thread blocked in recvfrom; close alone would not
                try:
                    s.shutdown(_socket.SHUT_RDWR)
                except OSError:
                    pass  # ENOTCONN for UDP, after waking the reader
                s.close()
            for th in threading.enumerate():  # djitellopy's receivers let go of 8889/8890
                if "udp_response_receiver" in th.name or "udp_state_receiver" in th.name:
                    th.join(timeout=5)
            tello_module.socket = real_socket_module
            tello_module.threads_initialized = False
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def drone(shared_ports):
    """(djitellopy Tello, emulator) — a fresh emulator on a loopback address of its own."""
    host = f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(2, 254)}"
    emu = TelloEmulator(host=host, port=Tello.CONTROL_UDP_PORT, state_port=Tello.STATE_UDP_PORT,
                        share_port=True, time_scale=8.0, pads={1: (0.0, 0.0), 2: (300.0, 0.0)}).start()
    tello = Tello(host)
    try:
        yield tello, emu
    finally:
        emu.stop()


def test_connect_battery_takeoff_moves_rotate_land(drone):
    tello, emu = drone
    tello.connect()  # 'command' → ok, then waits for a state packet
    assert tello.get_battery() == 100
    assert tello.query_battery() == 100
    tello.takeoff()
    assert emu.sim.flying and 0.7 < emu.sim.z < 0.9
    tello.move_up(40)
    tello.move_forward(100)
    tello.rotate_counter_clockwise(90)  # now facing +y (left of the start)
    tello.move_forward(50)
    tello.rotate_clockwise(90)
    tello.move_back(20)
    assert abs(emu.sim.x - 0.8) < 0.1 and abs(emu.sim.y - 0.5) < 0.1 and abs(emu.sim.z - 1.2) < 0.1
    tello.set_speed(50)
    tello.go_xyz_speed(-80, -50, 0, 50)
    assert abs(emu.sim.x) < 0.1 and abs(emu.sim.y) < 0.1
    tello.land()
    assert not emu.sim.flying
    assert emu.received[:1] == ["command"]


def test_rc_gets_no_reply_so_land_after_rc_works(drone):
    """Issue 16: the emulator answered ``rc``; djitellopy then read that 'ok' as the answer
    to the next command and ``land()`` failed one reply behind."""
    tello, emu = drone
    tello.connect()
    tello.takeoff()
    x0 = emu.sim.x
    n = len(emu.received)
    for _ in range(5):
        tello.send_rc_control(0, 60, 0, 0)  # forward stick
        time.sleep(0.01)
    wait_until(lambda: emu.sim.x > x0 + 0.2, what="the rc stick to move the drone forward")
    tello.send_rc_control(0, 0, 0, 0)
    wait_until(lambda: emu.received[-1] == "rc 0 0 0 0", what="the centred sticks to arrive")
    assert sum(1 for c in emu.received[n:] if c.startswith("rc ")) >= 2
    tello.land()  # would raise TelloException("… Latest response: 'ok'") one reply behind
    assert not emu.sim.flying
    assert tello.query_battery() >= 90  # the answer to this question, not a stale reply


def test_emergency_gets_no_reply_and_stops_the_motors(drone):
    tello, emu = drone
    tello.connect()
    tello.takeoff()
    tello.emergency()
    wait_until(lambda: not emu.sim.motors and emu.sim.z == 0, what="the motors to stop and the drone to fall")
    assert emu.emergencies == 1
    assert str(tello.query_battery()).isdigit()  # not the 'ok' of a reply to 'emergency'
    tello.takeoff()  # back on its feet, it flies again
    tello.land()


def test_state_is_sdk_2_with_mission_pads(drone):
    """Issue 16: the state string was SDK 1.3's; djitellopy's mission-pad getters failed."""
    tello, emu = drone
    tello.connect()
    assert tello.get_mission_pad_id() == -1  # detection off: no pad
    assert tello.get_mission_pad_distance_x() == -100
    tello.enable_mission_pads()
    tello.set_mission_pad_detection_direction(0)
    tello.takeoff()  # pad 1 lies under the takeoff point
    # the state comes at 10 Hz, as a real Tello's: the packet before takeoff's "ok" may be from the climb
    wait_until(lambda: tello.get_mission_pad_id() == 1 and 70 <= tello.get_mission_pad_distance_z() <= 90,
               what="pad 1, 70-90 cm below, in the state string")
    assert abs(tello.get_mission_pad_distance_x()) <= 5 and abs(tello.get_mission_pad_distance_y()) <= 5
    tello.go_xyz_speed_mid(40, 20, 80, 40, 1)  # 40 cm forward of pad 1, 20 cm left, 80 cm up
    assert abs(emu.sim.x - 0.4) < 0.1 and abs(emu.sim.y - 0.2) < 0.1
    wait_until(lambda: tello.get_mission_pad_distance_x() > 30, what="the state to follow the drone")
    with pytest.raises(TelloException):
        tello.go_xyz_speed_mid(0, 0, 80, 40, 2)  # pad 2 is 3 m away: not in sight
    tello.move_forward(260)
    wait_until(lambda: tello.get_mission_pad_id() == 2, what="pad 2 under the drone")
    tello.disable_mission_pads()
    wait_until(lambda: tello.get_mission_pad_id() == -1, what="detection off")
    tello.land()


def test_state_getters(drone):
    tello, emu = drone
    tello.connect()
    tello.takeoff()
    tello.rotate_clockwise(45)
    wait_until(lambda: tello.get_yaw() != 0, what="the yaw in the state")
    assert abs(abs(tello.get_yaw()) - 45) <= 2
    assert 70 <= tello.get_height() <= 90
    assert 70 <= tello.get_distance_tof() <= 110
    assert isinstance(tello.get_pitch(), int) and isinstance(tello.get_roll(), int)
    assert all(isinstance(v, int) for v in (tello.get_speed_x(), tello.get_speed_y(), tello.get_speed_z()))
    assert tello.get_acceleration_z() < -900  # gravity, in mg
    assert tello.get_lowest_temperature() <= tello.get_highest_temperature()
    assert 0 < tello.get_temperature() < 90
    assert 50 <= tello.get_barometer() <= 110  # djitellopy turns metres into cm
    assert tello.get_flight_time() >= 0
    assert 0 < tello.get_battery() <= 100
    tello.land()


def test_curve(drone):
    """Issue 16: ``curve x1 y1 z1 x2 y2 z2 speed`` was unknown."""
    tello, emu = drone
    tello.connect()
    tello.takeoff()
    n = len(emu.sim.samples)
    tello.curve_xyz_speed(100, 100, 0, 200, 0, 0, 50)  # a half circle of radius 1 m to the left
    assert abs(emu.sim.x - 2.0) < 0.15 and abs(emu.sim.y) < 0.15
    assert max(s.y for s in emu.sim.samples[n:]) > 0.85  # it went round, not straight
    with pytest.raises(TelloException, match="out of range"):
        tello.curve_xyz_speed(100, 100, 0, 200, 0, 0, 70)  # curve speed is 10–60
    with pytest.raises(TelloException, match="out of range"):
        tello.curve_xyz_speed(10, 10, 10, 200, 0, 0, 30)  # a point within ±20 cm on all axes
    with pytest.raises(TelloException, match="error"):
        tello.curve_xyz_speed(50, 0, 0, 100, 0, 0, 30)  # on a line: no arc
    with pytest.raises(TelloException, match="error"):
        tello.curve_xyz_speed(25, 25, 0, 50, 0, 0, 30)  # radius 25 cm < 0.5 m
    tello.land()


def test_read_commands_answer_as_documented(drone):
    """The SDK's replies, as a Tello gives them. djitellopy 2.5.0's ``query_height`` /
    ``query_flight_time`` / ``query_temperature`` / ``query_speed`` / ``query_barometer``
    call ``int()`` on them and fail on a real Tello too ('11dm', '0s', '60~63C', '100.0',
    '0.80'); the emulator keeps the documented replies."""
    tello, emu = drone
    tello.connect()
    tello.takeoff()
    assert tello.query_sdk_version() == "20"
    assert tello.query_serial_number().startswith("0TQ")
    assert tello.query_wifi_signal_noise_ratio().isdigit()
    assert 70 <= tello.query_distance_tof() <= 110  # '900mm' → cm
    attitude = tello.query_attitude()
    assert {"pitch", "roll", "yaw"} <= set(attitude)
    assert tello.send_read_command("height?").endswith("dm")
    assert tello.send_read_command("time?").endswith("s")
    assert tello.send_read_command("temp?").endswith("C")
    assert float(tello.send_read_command("speed?")) == 100.0
    assert 0.5 < float(tello.send_read_command("baro?")) < 1.1
    tello.land()


def test_streamon_streamoff(drone):
    tello, emu = drone
    tello.connect()
    tello.streamon()
    assert tello.stream_on
    tello.streamoff()
    assert not tello.stream_on
    assert emu.received[-2:] == ["streamon", "streamoff"]


def test_port_command_moves_the_state_stream(drone):
    """SDK 2.0's ``port <state> <video>`` sends the state elsewhere (djitellopy's
    ``set_network_ports``)."""
    tello, emu = drone
    tello.connect()
    with _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM) as other:
        other.bind(("127.0.0.1", 0))
        other.settimeout(5)
        tello.set_network_ports(other.getsockname()[1], 11111)
        data, sender = other.recvfrom(1024)
    assert data.startswith(b"mid:") and sender == emu.address
    tello.set_network_ports(Tello.STATE_UDP_PORT, 11111)
