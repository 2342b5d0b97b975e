"""A small Tello SDK 2.0 client (UDP): commands on port 8889, state stream on 8890.

Why not djitellopy: it binds the state port on every interface at import-time defaults,
pulls in OpenCV and PyAV for video we don't use, and has no way to pick ports per
instance, which tests against a loopback emulator need. The SDK is a dozen text
commands; this client is ~150 lines and does only what the lab needs.

Position: a Tello without mission pads does not report x/y, so the client keeps the
position the drone was *told* to reach (odometry by command), with the height and
heading from the state stream.
"""

from __future__ import annotations

import math
import socket
import threading
import time

from youthlab.drone import sdk
from youthlab.drone.backends.base import FlightBackend, Telemetry
from youthlab.drone.errors import LinkError
from youthlab.drone.geometry import to_world


def _local_ip_towards(host: str) -> str:
    """The address of our interface that reaches ``host`` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((host, 9))
        return s.getsockname()[0]


class TelloBackend(FlightBackend):
    name = "tello"
    real = True

    def __init__(self, host: str = "192.168.10.1", port: int = 8889, state_port: int = 8890,
                 local_host: str | None = None, reply_timeout_s: float = 7.0,
                 keepalive_s: float = 5.0, retries: int = 2) -> None:
        self.addr = (host, port)
        self.local_host = local_host or _local_ip_towards(host)
        self.state_port = state_port
        self.reply_timeout_s = reply_timeout_s
        self.keepalive_s = keepalive_s
        self.retries = retries
        self.speed_cm_s = sdk.DEFAULT_SPEED_CM_S
        self.state: dict[str, float] = {}
        self.state_count = 0
        self.sent: list[str] = []
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._state_sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()
        self._last_send = 0.0
        self._x = self._y = self._z = 0.0
        self._yaw = 0.0
        self._flying = False
        self._motion = False
        self._tripped = False

    # ---- link ---------------------------------------------------------------------
    def connect(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((self.local_host, 0))
        self._state_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._state_sock.bind((self.local_host, self.state_port))
        self._state_sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._listen, name="tello-state", daemon=True)
        self._thread.start()
        reply = self.send("command")
        if reply != sdk.OK:
            raise LinkError(detail=f"'command' → {reply!r}")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for s in (self._sock, self._state_sock):
            if s is not None:
                s.close()

    def _listen(self) -> None:
        assert self._state_sock is not None
        while not self._stop.is_set():
            try:
                data, _ = self._state_sock.recvfrom(1024)
            except (socket.timeout, OSError):
                continue
            self.state = sdk.parse_state(data)
            self.state_count += 1
            if self._motion and self._guard and not self._tripped:
                reason = self._guard(self.telemetry())
                if reason:  # stop the move now; the safety layer takes it from here
                    self._tripped = True
                    self._raw_send("stop")

    def _raw_send(self, text: str) -> None:
        assert self._sock is not None, "connect() first"
        self._sock.sendto(text.encode("utf-8"), self.addr)
        self._last_send = time.monotonic()
        self.sent.append(text)

    def _drain(self) -> None:
        assert self._sock is not None
        self._sock.setblocking(False)
        try:
            while True:
                self._sock.recvfrom(1024)
        except (BlockingIOError, OSError):
            pass
        finally:
            self._sock.setblocking(True)

    def _timeout_for(self, cmd: sdk.Command | None) -> float:
        if cmd is None or not cmd.is_motion:
            return self.reply_timeout_s
        if cmd.name in ("cw", "ccw"):
            return cmd.args[0] / 30 + 10
        if cmd.name in ("takeoff", "land"):
            return 20.0
        if cmd.name == "curve":  # an arc is at most ~1.6 times its chord's detour
            a = cmd.args
            length = math.dist((0, 0, 0), a[0:3]) + math.dist(a[0:3], a[3:6])
            return length * 1.6 / max(a[6], 10) * 3 + 10
        dist = max(abs(a) for a in (cmd.args[:3] if cmd.name == "go" else cmd.args[:1]))
        speed = cmd.args[3] if cmd.name == "go" else self.speed_cm_s
        return dist / max(speed, 10) * 3 + 10

    # ---- FlightBackend --------------------------------------------------------------
    def send(self, command: str) -> str:
        parsed = sdk.parse(command)
        cmd = parsed if isinstance(parsed, sdk.Command) else None
        tries = 1 if (cmd is not None and cmd.is_motion) else 1 + self.retries
        with self._lock:
            assert self._sock is not None, "connect() first"
            self._motion = cmd is not None and cmd.is_motion
            self._tripped = False
            try:
                for _ in range(tries):
                    self._drain()
                    self._raw_send(command)
                    self._sock.settimeout(self._timeout_for(cmd))
                    try:
                        data, _ = self._sock.recvfrom(1024)
                    except socket.timeout:
                        continue
                    reply = data.decode("utf-8", "replace").strip()
                    if reply == sdk.OK and cmd is not None and not self._tripped:
                        self._track(cmd)
                    return reply
            finally:
                self._motion = False
        raise LinkError(detail=f"no reply to '{command}'")

    def _track(self, cmd: sdk.Command) -> None:
        """Odometry: where a finished command has put the drone."""
        a = cmd.args
        if cmd.name == "takeoff":
            self._flying, self._z = True, float(sdk.TAKEOFF_HEIGHT_CM)
        elif cmd.name in ("land", "emergency"):
            self._flying, self._z = False, 0.0
        elif cmd.name == "speed":
            self.speed_cm_s = a[0]
        elif cmd.name in ("cw", "ccw"):
            self._yaw = (self._yaw + (a[0] if cmd.name == "cw" else -a[0]) + 180) % 360 - 180
        elif cmd.pad is not None:
            return  # relative to a mission pad: the state stream knows, odometry does not
        elif cmd.name in ("go", "curve") or cmd.name in sdk.MOVES:
            f, l, u = (a[0], a[1], a[2]) if cmd.name == "go" else (a[3], a[4], a[5]) if cmd.name == "curve" else {
                "forward": (a[0], 0, 0), "back": (-a[0], 0, 0), "left": (0, a[0], 0),
                "right": (0, -a[0], 0), "up": (0, 0, a[0]), "down": (0, 0, -a[0])}[cmd.name]
            dx, dy = to_world(self._yaw, f, l)
            self._x, self._y, self._z = self._x + dx, self._y + dy, self._z + u

    def telemetry(self) -> Telemetry:
        st = self.state
        z = st.get("h", self._z) if st else self._z
        flying = self._flying and (z > 0 if st else True)
        return Telemetry(x=self._x, y=self._y, z=float(z), yaw=self._yaw,
                         battery=st.get("bat", 100.0), flying=flying,
                         t=time.monotonic() - self._t0)

    def wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if time.monotonic() - self._last_send >= self.keepalive_s:
                self.send("battery?")  # keepalive below the Tello's 15 s limit
            time.sleep(min(left, 0.1))

    def emergency(self) -> None:
        # no lock: this must go out even while another command waits for its reply
        self._raw_send("emergency")
        self._flying = False

    def elapsed(self) -> float:
        return time.monotonic() - self._t0
