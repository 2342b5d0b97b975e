"""A Tello SDK 2.0 emulator on UDP, backed by our simulator — for tests and for classes
without drones.

It listens for text commands on the command port (8889), answers ``ok`` / ``error …`` /
values like a Tello (motion commands answer when the move is done; ``rc`` and
``emergency`` get no answer, as on a Tello), and once it is in SDK mode (after
``command``) streams SDK 2.0 state packets from its command port to the client's state
port (8890, or what ``port`` set) ten times a second. ``rc`` sticks fly the drone
between commands; mission pads (``mon``, ``go``/``curve … m<id>``) are those of
``pads``. Like a real Tello it lands by itself when it hears nothing for 15 s.
Loopback by default; every port is configurable. A port already taken raises
:class:`EmulatorPortBusy` (ko/en), not a socket traceback.

Real clients such as djitellopy bind 8889 and 8890 on every address of the machine; to
serve one on the same machine, give the emulator another loopback address
(``127.0.0.2``) and ``share_port=True`` (SO_REUSEADDR), and the client's sockets must
allow sharing too — on a real Tello the drone is another host and nothing is shared.
"""

from __future__ import annotations

import errno
import queue
import socket
import threading
import time
from typing import Any, Mapping

from youthlab.drone import sdk
from youthlab.drone.backends.sim import SimBackend
from youthlab.drone.errors import DroneError
from youthlab.drone.pads import MissionPads
from youthlab.drone.quadsim import QuadSim


DEFAULT_PADS = {1: (0.0, 0.0)}  # the classroom layout: pad m1 under the takeoff point


class EmulatorPortBusy(DroneError):
    """The emulator's command port is taken (another emulator, a Tello client …)."""

    key = "drone.emulator.port_busy"
    hint_key = "drone.emulator.port_busy.hint"


class TelloEmulator:
    """``TelloEmulator(port=0).start()``; ``.address`` is where to send commands."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8889, state_port: int = 8890,
                 time_scale: float = 1.0, link_timeout_s: float = sdk.LINK_TIMEOUT_S,
                 state_hz: float = 10.0, pads: Mapping[int, tuple[float, float]] | None = None,
                 share_port: bool = False, **sim_options: Any) -> None:
        self.host, self.port, self.state_port = host, port, state_port
        self.share_port = share_port
        self.time_scale = time_scale
        self.link_timeout_s = link_timeout_s
        self.state_period = 1.0 / state_hz
        self.backend = SimBackend(QuadSim(time_scale=time_scale, **sim_options),
                                  pads=MissionPads(dict(DEFAULT_PADS if pads is None else pads)))
        self.sdk_mode = False
        self.client: tuple[str, int] | None = None
        self.received: list[str] = []  # every command heard, for tests and teachers
        self.auto_landings = 0
        self._sock: socket.socket | None = None
        self._queue: queue.Queue[tuple[str, tuple[str, int]]] = queue.Queue()
        self.stop_event = threading.Event()  # set by stop(); whoever serves the emulator waits on it
        self._threads: list[threading.Thread] = []
        self._last_heard = time.monotonic()
        self._busy = False
        self.emergencies = 0
        self._stopped_by_emergency = False

    @property
    def sim(self) -> QuadSim:
        return self.backend.sim

    @property
    def address(self) -> tuple[str, int]:
        assert self._sock is not None, "start() first"
        return self._sock.getsockname()

    def start(self) -> "TelloEmulator":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if self.share_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise EmulatorPortBusy(host=self.host, port=self.port) from None
            raise EmulatorPortBusy(host=self.host, port=f"{self.port} ({exc.strerror})") from None
        sock.settimeout(0.1)
        self._sock = sock
        for target in (self._receive, self._work, self._stream):
            th = threading.Thread(target=target, name=f"tello-emu-{target.__name__}", daemon=True)
            th.start()
            self._threads.append(th)
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self.sim.abort = True
        for th in self._threads:
            th.join(timeout=5)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> "TelloEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        self.start()
        try:
            while not self.stop_event.wait(0.5):
                pass
        finally:
            self.stop()

    # ---- threads ---------------------------------------------------------------------
    def _reply(self, text: str, addr: tuple[str, int]) -> None:
        try:
            assert self._sock is not None
            self._sock.sendto(text.encode("utf-8"), addr)
        except OSError:
            pass

    def _receive(self) -> None:
        assert self._sock is not None
        while not self.stop_event.is_set():
            try:
                data, addr = self._sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            text = data.decode("utf-8", "replace").strip()
            self.received.append(text)
            self._last_heard = time.monotonic()
            self.client = addr
            if not text:
                continue
            if text == "command":
                self.sdk_mode = True
                self._reply(sdk.OK, addr)
                continue
            if not self.sdk_mode:
                continue  # a Tello ignores everything before "command"
            parsed = sdk.parse(text)
            if text.split()[0] in sdk.NO_REPLY and not isinstance(parsed, sdk.Command):
                continue  # a bad rc: a Tello ignores it, silently
            if isinstance(parsed, str):
                self._reply(parsed, addr)
            elif parsed.name == "rc":
                self.backend.rc = parsed.args  # flown between commands, by _work
            elif parsed.name == "port":
                self.state_port = parsed.args[0]
                self._reply(sdk.OK, addr)
            elif parsed.name == "emergency":
                self.backend.rc = (0, 0, 0, 0)
                self.backend.emergency()
                self.emergencies += 1
                self._stopped_by_emergency = True
            elif parsed.name in sdk.READS:
                self._reply(self.backend.read(parsed.name), addr)
            else:
                if parsed.name == "stop":
                    self.backend.rc = (0, 0, 0, 0)
                    self.sim.abort = True  # "stop" interrupts the current move: hover
                self._queue.put((text, addr))

    def _work(self) -> None:
        period = 0.1
        while not self.stop_event.is_set():
            try:
                text, addr = self._queue.get(timeout=period)
            except queue.Empty:
                self._idle(period)
                continue
            self._busy = True
            try:
                if text.split()[0] == "stop":
                    self.sim.abort = False
                if not self.sim.flying:
                    self.sim.resync_clock()
                    if text.split()[0] == "takeoff":
                        self._rearm()
                reply = self.backend.send(text)
            finally:
                self._busy = False
            self._reply(reply, addr)

    def _rearm(self) -> None:
        """A Tello that fell after an emergency stop (on the floor, not in water) takes
        off again when told to, as the real one does once it is back on its feet."""
        s = self.sim
        if self._stopped_by_emergency and not s.in_water and s.z <= 0.0:
            s.crashed = False
            s.vx = s.vy = s.vz = 0.0
            self._stopped_by_emergency = False

    def _idle(self, period: float) -> None:
        """Between commands time still passes: hover (draining the battery), and land
        after ``link_timeout_s`` without a word, as a Tello does."""
        if not self.sim.flying:
            return
        if time.monotonic() - self._last_heard > self.link_timeout_s:
            self.auto_landings += 1
            self.backend.rc = (0, 0, 0, 0)
            self.backend.send("land")
            return
        if self.backend.rc_active:
            self.backend.fly_rc(period * self.time_scale)
        else:
            self.backend.wait(period * self.time_scale)

    def _stream(self) -> None:
        """State from the command port (a client may check the sender is its drone)."""
        assert self._sock is not None
        while not self.stop_event.wait(self.state_period):
            if not self.sdk_mode or self.client is None:
                continue
            s = self.sim
            packet = sdk.state_packet(
                yaw=int(round(s.yaw_deg)), vgx=int(round(s.vx * 10)), vgy=int(round(s.vy * 10)),
                vgz=int(round(s.vz * 10)), tof=int(s.z * 100) + 10, h=int(round(s.z * 100)),
                bat=int(s.battery), baro=s.z, time=int(s.t), pad=self.backend.pad_fix())
            try:
                self._sock.sendto(packet, (self.client[0], self.state_port))
            except OSError:
                pass
