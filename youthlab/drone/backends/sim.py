"""The simulator backend: Tello SDK commands executed on :class:`QuadSim`."""

from __future__ import annotations

import math
import threading
from typing import Any

from youthlab.drone import sdk
from youthlab.drone.backends.base import FlightBackend, Telemetry
from youthlab.drone.sim import QuadSim


class SimBackend(FlightBackend):
    """Default backend. Deterministic for a given seed; as fast as the CPU allows,
    or paced to ``time_scale`` × real time (the emulator uses 1.0)."""

    name = "sim"
    real = False

    def __init__(self, sim: QuadSim | None = None, **sim_options: Any) -> None:
        self.sim = sim or QuadSim(**sim_options)
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
                self.sim._advance(self.sim.x, self.sim.y, self.sim.z, 0.0, "hold", seconds, 0.0)

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
            if parsed.name in ("takeoff", "go", *sdk.MOVES) and reply == sdk.OK:
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
            return self._read(name)
        if name == "emergency":
            s.cut_motors()
            return sdk.OK
        if name in ("streamon", "streamoff"):
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
        if name == "rc" or name == "flip":
            return sdk.OK if name == "rc" else self._result(s.hold(1.0))
        fwd, left, up, speed = self._relative(cmd)
        c, si = math.cos(s.psi), math.sin(s.psi)
        tx = s.x + (fwd * c - left * si) / 100
        ty = s.y + (fwd * si + left * c) / 100
        tz = s.z + up / 100
        self._target = (tx, ty, tz)
        return self._result(s.fly_to(tx, ty, tz, speed / 100))

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

    def _read(self, name: str) -> str:
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
