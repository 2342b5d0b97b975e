"""The simulator backend: Tello SDK commands executed on :class:`QuadSim`."""

from __future__ import annotations

import math
import threading
from typing import Any

from youthlab.drone import sdk
from youthlab.drone.backends.base import FlightBackend, Telemetry
from youthlab.drone.pads import MissionPads, PadFix
from youthlab.drone.quadsim import QuadSim

ARC_STEP_DEG = 10.0  # a ``curve`` is flown as straight steps of this much arc
RC_FULL_CM_S = 100.0  # ``rc`` stick at 100: this speed (cm/s)
RC_FULL_DEG_S = 100.0  # ``rc`` yaw stick at 100: this turn rate (°/s)


class SimBackend(FlightBackend):
    """Default backend. Deterministic for a given seed; as fast as the CPU allows,
    or paced to ``time_scale`` × real time (the emulator uses 1.0)."""

    name = "sim"
    real = False
    simulated_world = True

    def __init__(self, sim: QuadSim | None = None, pads: MissionPads | None = None,
                 **sim_options: Any) -> None:
        self.sim = sim or QuadSim(**sim_options)
        self.pads = pads or MissionPads()
        self.pad_detection = False  # ``mon`` / ``moff``
        self.rc = (0, 0, 0, 0)  # the last ``rc`` sticks: right, forward, up, yaw (-100…100)
        self.speed_cm_s = sdk.DEFAULT_SPEED_CM_S
        self.sdk_mode = False
        self.lock = threading.RLock()
        self.sim.guard = self._sim_guard
        self._hold_point: tuple[float, float, float] | None = None
        self._target = (0.0, 0.0, 0.0)

    # ---- FlightBackend ------------------------------------------------------------
    def connect(self) -> None:
        self.send("command")

    def telemetry(self) -> Telemetry:
        s = self.sim
        return Telemetry(x=s.x * 100, y=s.y * 100, z=s.z * 100, yaw=s.yaw_deg,
                         battery=s.battery, flying=s.flying, t=s.t, crashed=s.crashed)

    def wait(self, seconds: float) -> None:
        with self.lock:
            if self.sim.flying:
                self.sim.hold(seconds, at=self._hold_point)
            else:
                self.sim.advance(self.sim.x, self.sim.y, self.sim.z, 0.0, "hold", seconds, 0.0)

    def emergency(self) -> None:
        self.sim.abort = True  # interrupts a running manoeuvre at its next step
        with self.lock:
            self.sim.abort = False
            self.sim.cut_motors()

    def drop(self) -> dict:
        with self.lock:
            d = self.sim.drop_payload()
        return {k: (v * 100 if k in ("x", "y", "z", "land_x", "land_y") else v) for k, v in d.items()}

    def _sim_guard(self, sim: QuadSim) -> str | None:
        return self._guard(self.telemetry()) if self._guard else None

    # ---- the SDK on the simulator ----------------------------------------------------
    def send(self, command: str) -> str:
        parsed = sdk.parse(command)
        if isinstance(parsed, str):
            return parsed
        with self.lock:
            reply = self._execute(parsed)
            s = self.sim
            if parsed.name in ("takeoff", "go", "curve", *sdk.MOVES) and reply == sdk.OK:
                self._hold_point = self._target
            elif parsed.is_motion or parsed.name in ("stop", "emergency"):
                self._hold_point = (s.x, s.y, s.z) if s.flying else None
            return reply

    def _execute(self, cmd: sdk.Command) -> str:
        s, name, a = self.sim, cmd.name, cmd.args
        if name == "command":
            self.sdk_mode = True
            return sdk.OK
        if name in sdk.READS:
            return self.read(name)
        if name == "emergency":
            s.cut_motors()
            return sdk.OK
        if name in ("streamon", "streamoff", "mdirection", "port"):
            return sdk.OK
        if name in ("mon", "moff"):
            self.pad_detection = name == "mon"
            return sdk.OK
        if name == "speed":
            self.speed_cm_s = a[0]
            return sdk.OK
        if name == "takeoff":
            if s.flying or s.crashed:
                return sdk.ERROR
            if s.battery < 10:
                return sdk.AUTO_LAND
            s.start_motors()
            self._target = (s.x, s.y, sdk.TAKEOFF_HEIGHT_CM / 100)
            return self._result(s.fly_to(*self._target, 0.8))
        if not s.flying:
            return sdk.MOTOR_STOP
        if name == "land":
            return self._result(s.land())
        if name == "stop":
            return self._result(s.hold(0.5, at=(s.x, s.y, s.z)))
        if name in ("cw", "ccw"):
            return self._result(s.rotate(a[0] if name == "cw" else -a[0]))
        if name == "rc":
            self.rc = a  # no reply on a real Tello; the sticks act between commands
            return sdk.OK
        if name == "flip":
            return self._result(s.hold(1.0))
        if cmd.pad is not None and self.pad_fix()[0] != cmd.pad:
            return sdk.ERROR  # that pad is not in sight (or detection is off)
        if name == "curve":
            return self._curve(cmd)
        if cmd.pad is not None:  # go x y z speed m<id>: x, y over the pad, z its height
            px, py = self.pads.where(cmd.pad, a[0], a[1])
            self._target = (px / 100, py / 100, a[2] / 100)
            return self._result(s.fly_to(*self._target, a[3] / 100))
        fwd, left, up, speed = self._relative(cmd)
        self._target = self._world(fwd, left, up)
        return self._result(s.fly_to(*self._target, speed / 100))

    def _world(self, fwd: float, left: float, up: float) -> tuple[float, float, float]:
        """A point ``fwd``/``left``/``up`` cm from the drone (its heading) in metres."""
        s = self.sim
        c, si = math.cos(s.psi), math.sin(s.psi)
        return (s.x + (fwd * c - left * si) / 100, s.y + (fwd * si + left * c) / 100, s.z + up / 100)

    def _curve(self, cmd: sdk.Command) -> str:
        """``curve x1 y1 z1 x2 y2 z2 speed [m<id>]``: the arc from here through point 1
        to point 2; ``error`` when its radius is outside 0.5–10 m (as on a Tello)."""
        a = cmd.args
        if cmd.pad is not None:
            p1 = (*(v / 100 for v in self.pads.where(cmd.pad, a[0], a[1])), a[2] / 100)
            p2 = (*(v / 100 for v in self.pads.where(cmd.pad, a[3], a[4])), a[5] / 100)
        else:
            p1, p2 = self._world(*a[0:3]), self._world(*a[3:6])
        path = arc((self.sim.x, self.sim.y, self.sim.z), p1, p2)
        if path is None:
            return sdk.ERROR
        for point in path:
            self._target = point
            outcome = self.sim.fly_to(*point, a[6] / 100, timeout=None)
            if outcome != "ok":
                return self._result(outcome)
        return sdk.OK

    def pad_fix(self) -> PadFix:
        """The mission pad part of the state string (``mid``, ``x``, ``y``, ``z``, ``mpry``)."""
        s = self.sim
        if not self.pad_detection:
            return sdk.NO_PAD
        return self.pads.fix(s.x * 100, s.y * 100, s.z * 100, s.yaw_deg)

    @property
    def rc_active(self) -> bool:
        return any(self.rc) and self.sim.flying

    def fly_rc(self, seconds: float) -> None:
        """Fly ``seconds`` on the last ``rc`` sticks (what a Tello does between commands)."""
        right, fwd, up, yaw = self.rc
        with self.lock:
            s = self.sim
            if not s.flying:
                self.rc = (0, 0, 0, 0)
                return
            if yaw:
                s.rotate(yaw / 100 * RC_FULL_DEG_S * seconds)
            step = RC_FULL_CM_S / 100 * seconds
            if right or fwd or up:
                tx, ty, tz = self._world(fwd * step, -right * step, up * step)
                speed = math.hypot(right, fwd, up) / 100 * RC_FULL_CM_S / 100
                s.fly_to(tx, ty, max(tz, 0.2), speed, timeout=seconds * 1.5)
            self._hold_point = (s.x, s.y, s.z)

    def _relative(self, cmd: sdk.Command) -> tuple[float, float, float, float]:
        a, speed = cmd.args, self.speed_cm_s
        if cmd.name == "go":
            return a[0], a[1], a[2], a[3]
        d = a[0]
        return {"forward": (d, 0, 0), "back": (-d, 0, 0), "left": (0, d, 0),
                "right": (0, -d, 0), "up": (0, 0, d), "down": (0, 0, -d)}[cmd.name] + (speed,)

    def _result(self, outcome: str) -> str:
        if outcome == "ok":
            return sdk.OK
        if outcome in ("crash", "splash"):
            return sdk.MOTOR_STOP
        if not self.sim.motors and self.sim.battery <= 0:
            return sdk.AUTO_LAND
        return sdk.ERROR  # timeout, abort, guard trip: the safety layer knows why

    def read(self, name: str) -> str:
        """The reply to a read command (``battery?`` …), in the SDK 2.0 guide's units."""
        s = self.sim
        values = {
            "battery?": f"{int(s.battery)}",
            "speed?": f"{float(self.speed_cm_s):.1f}",
            "time?": f"{int(s.t)}s",
            "height?": f"{int(round(s.z * 10))}dm",
            "tof?": f"{int(s.z * 1000) + 100}mm",
            "temp?": "60~63C",
            "attitude?": f"pitch:0;roll:0;yaw:{int(s.yaw_deg)};",
            "baro?": f"{s.z:.2f}",
            "acceleration?": "agx:0.00;agy:0.00;agz:-1000.00;",
            "wifi?": "90",
            "sdk?": "20",
            "sn?": "0TQSIMYOUTHLAB1",
        }
        return values[name]


def arc(p0: tuple[float, float, float], p1: tuple[float, float, float],
        p2: tuple[float, float, float]) -> list[tuple[float, float, float]] | None:
    """Points (every :data:`ARC_STEP_DEG`) along the circle from ``p0`` through ``p1`` to
    ``p2`` (metres); None when the three are on a line or the radius is outside the SDK's
    0.5–10 m."""
    def sub(u, v):
        return (u[0] - v[0], u[1] - v[1], u[2] - v[2])

    def cross(u, v):
        return (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])

    def dot(u, v):
        return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]

    a, b = sub(p1, p0), sub(p2, p0)
    n = cross(a, b)
    nn = dot(n, n)
    if nn < 1e-12:
        return None
    aa, bb = dot(a, a), dot(b, b)
    w = cross(tuple(aa * bv - bb * av for av, bv in zip(a, b)), n)
    centre = tuple(p0[i] + w[i] / (2 * nn) for i in range(3))
    u0 = sub(p0, centre)
    radius = math.sqrt(dot(u0, u0))
    lo, hi = sdk.CURVE_RADIUS_CM
    if not lo / 100 <= radius <= hi / 100:
        return None
    unit_n = tuple(v / math.sqrt(nn) for v in n)
    v0 = cross(unit_n, u0)  # u0 turned 90° towards p1

    def angle(p):
        u = sub(p, centre)
        return math.atan2(dot(u, v0), dot(u, u0)) % (2 * math.pi)

    end = angle(p2)
    steps = max(1, math.ceil(math.degrees(end) / ARC_STEP_DEG))
    return [tuple(centre[i] + math.cos(end * k / steps) * u0[i] + math.sin(end * k / steps) * v0[i]
                  for i in range(3)) for k in range(1, steps + 1)]
