"""The flight API a 12-year-old can use. Units like the Tello SDK: cm, degrees, seconds.

    from youthlab.drone import Drone
    drone = Drone()                 # the simulator; Drone("tello") for the real one
    drone.takeoff()
    drone.move(forward=100)
    drone.rotate(90)                # clockwise; rotate(-90) turns the other way
    drone.go_to(100, 50, 120)       # cm from the takeoff spot: forward, left, up
    drone.hover(2)
    print(drone.battery, drone.position)
    drone.land()

Every command goes through the safety layer (:mod:`youthlab.drone.safety`), which the
drone object keeps to itself.
"""

from __future__ import annotations

from typing import Any, Callable

from youthlab.drone import sdk
from youthlab.drone.backends import FlightBackend, backend_class, make_backend
from youthlab.drone.errors import CommandRefused, DroneError, RealFlightsViaService
from youthlab.drone.flight_url import configured_url
from youthlab.drone.gate import require_clearance
from youthlab.drone.geometry import body_moves, to_world
from youthlab.drone.missions import get_mission
from youthlab.drone.safety import Limits, SafetyEvent, Supervisor, is_sdk_error


class Drone:
    """One drone, on any backend. Safety cannot be switched off from here."""

    def __init__(self, backend: str | FlightBackend = "sim", *, limits: Limits | None = None,
                 mission: Any = None, seed: int = 0, clearance: Any = None, gate: Any = None,
                 on_event: Callable[[SafetyEvent], None] | None = None,
                 watchdog: bool = True, **backend_options: Any) -> None:
        self.mission = get_mission(mission) if mission is not None else None
        if isinstance(backend, str) and backend_class(backend).simulated_world:
            world = self.mission.sim_options(seed) if self.mission is not None else {"seed": seed}
            backend_options = {**world, **backend_options}
        limits = limits or (self.mission.limits if self.mission is not None else Limits())
        be = make_backend(backend, **backend_options) if isinstance(backend, str) else backend
        if be.real:
            if configured_url():  # a student server: the flight service flies
                raise RealFlightsViaService()

            require_clearance(clearance, gate)
        be.connect()
        self.__safety = Supervisor(be, limits, on_event=on_event, watchdog=watchdog)
        self._backend_name = be.name
        self.speed_cm_s = sdk.DEFAULT_SPEED_CM_S
        self.drops: list[dict] = []
        self.path: list[tuple[float, float, float, float]] = []  # (t, x, y, z) after each command
        self._record()

    # ---- basic commands -------------------------------------------------------------
    def takeoff(self) -> None:
        """Start the motors and climb to about 80 cm."""
        self._send("takeoff")

    def land(self) -> None:
        """Come down gently where you are and stop the motors."""
        self._send("land")

    def move(self, forward: float = 0, back: float = 0, left: float = 0, right: float = 0,
             up: float = 0, down: float = 0, speed: float | None = None) -> None:
        """Move relative to where the drone points, e.g. ``move(forward=100, up=20)``.

        One direction: 20–500 cm (longer moves are split). Several at once: one straight
        line (the SDK's ``go``)."""
        f, l, u = forward - back, left - right, up - down
        given = [(n, v) for n, v in (("forward", forward), ("back", back), ("left", left),
                                     ("right", right), ("up", up), ("down", down)) if v]
        if not given:
            return
        tel = self._tel()
        dx, dy = to_world(tel.yaw, f, l)
        target = (tel.x + dx, tel.y + dy, tel.z + u)
        if len(given) == 1 and speed is None:
            name, value = given[0]
            for part in _split(value):
                self._send(f"{name} {part}" if part > 0 else f"{_opposite(name)} {-part}",
                           target=target)
            return
        if all(abs(v) < sdk.GO_MIN_CM for v in (f, l, u)):
            self._send(f"go {round(f)} {round(l)} {round(u)} {int(speed or self.speed_cm_s)}")
            return
        for step in body_moves(tel, *target, speed=int(speed or min(self.speed_cm_s, 100))):
            self._send(step, target=target)

    def forward(self, cm: float) -> None:
        self.move(forward=cm)

    def back(self, cm: float) -> None:
        self.move(back=cm)

    def left(self, cm: float) -> None:
        self.move(left=cm)

    def right(self, cm: float) -> None:
        self.move(right=cm)

    def up(self, cm: float) -> None:
        self.move(up=cm)

    def down(self, cm: float) -> None:
        self.move(down=cm)

    def rotate(self, degrees: float) -> None:
        """Turn on the spot: positive = clockwise, negative = counter-clockwise (1–360)."""
        d = int(round(degrees))
        self._send(f"cw {d}" if d >= 0 else f"ccw {-d}")

    def go_to(self, x: float, y: float, z: float, speed: float = 50) -> None:
        """Fly in a straight line to (x, y, z) cm from the takeoff spot (x forward,
        y left, z up, as the drone pointed at takeoff). Long trips are split."""
        target = (float(x), float(y), float(z))
        self.__safety.check_target(*target)
        for step in body_moves(self._tel(), *target, speed=int(speed)):
            self._send(step, target=target)

    def hover(self, seconds: float = 1) -> None:
        """Stay in the air where you are for ``seconds``."""
        if seconds < 0:
            raise CommandRefused(key="drone.refused.negative", value=seconds)
        self.__safety.wait(float(seconds))
        self._record()

    def set_speed(self, cm_per_s: float) -> None:
        """Cruise speed for moves, 10–100 cm/s."""
        self._send(f"speed {int(cm_per_s)}")
        self.speed_cm_s = int(cm_per_s)

    def drop(self) -> dict:
        """Release the parcel (the payload) here."""
        if not self._tel().flying:
            raise CommandRefused(key="drone.refused.drop_on_ground")
        drop = self.__safety.backend.drop()
        self.drops.append(drop)
        return drop

    def emergency(self) -> None:
        """Stop the motors at once (the drone falls!). Always works."""
        self.__safety.emergency()

    # ---- read-outs ------------------------------------------------------------------
    @property
    def battery(self) -> int:
        """Battery in percent."""
        return int(self._tel().battery)

    @property
    def position(self) -> tuple[int, int, int]:
        """(x, y, z) in cm from the takeoff spot."""
        tel = self._tel()
        return (round(tel.x), round(tel.y), round(tel.z))

    @property
    def heading(self) -> int:
        """Where the nose points, degrees clockwise from the takeoff direction."""
        return round(self._tel().yaw)

    @property
    def flying(self) -> bool:
        return self._tel().flying

    @property
    def flight_time(self) -> float:
        return self._tel().t

    @property
    def events(self) -> list[SafetyEvent]:
        """Everything the safety layer did or refused, in order."""
        return list(self.__safety.events)

    @property
    def limits(self) -> Limits:
        return self.__safety.limits

    @property
    def crashed(self) -> bool:
        return self._tel().crashed

    @property
    def samples(self) -> list:
        """Telemetry samples (simulator only): t, x, y, z (m), battery, wind."""
        sim = getattr(self.__safety.backend, "sim", None)
        return list(sim.samples) if sim is not None else []

    def record(self) -> dict:
        """The whole flight as plain data, for the checker and the views."""
        sim = getattr(self.__safety.backend, "sim", None)
        tel = self._tel()
        return {
            "backend": self._backend_name,
            "mission": self.mission.name if self.mission else None,
            "events": [e.as_dict() for e in self.__safety.events],
            "drops": list(self.drops),
            "path": list(self.path),
            "samples": [(s.t, s.x * 100, s.y * 100, s.z * 100, s.battery, s.wind_x, s.wind_y)
                        for s in (sim.samples if sim is not None else [])],
            "final": {"x": tel.x, "y": tel.y, "z": tel.z, "battery": tel.battery,
                      "flying": tel.flying, "crashed": tel.crashed, "t": tel.t,
                      "in_water": bool(getattr(sim, "in_water", False))},
        }

    def close(self) -> None:
        """Land (if flying) and let go of the backend."""
        try:
            self.__safety.close()
        finally:
            self.__safety.backend.close()
            self._record()

    def __enter__(self) -> "Drone":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        x, y, z = self.position
        return f"<Drone {self._backend_name} at x={x} y={y} z={z} cm, battery {self.battery}%>"

    # ---- internals --------------------------------------------------------------------
    def _tel(self):
        return self.__safety.backend.telemetry()

    def _record(self) -> None:
        tel = self._tel()
        self.path.append((tel.t, tel.x, tel.y, tel.z))

    def _send(self, text: str, target: tuple[float, float, float] | None = None) -> str:
        reply = self.__safety.command(text, target=target)
        self._record()
        if is_sdk_error(reply):
            if self.__safety.flight_over and self.__safety.events:
                raise DroneError(key="drone.flight_stopped",
                                 reason=self.__safety.events[-1].message())
            raise CommandRefused(key=_reply_key(reply), command=text, reply=reply)
        return reply


def _split(value: float) -> list[int]:
    """A distance as SDK-sized pieces (each 20–500 cm)."""
    v = int(round(value))
    if abs(v) <= 500:
        return [v]
    n = -(-abs(v) // 500)
    base = abs(v) // n
    parts = [base] * n
    parts[-1] += abs(v) - base * n
    return [p if v > 0 else -p for p in parts]


def _opposite(name: str) -> str:
    return {"forward": "back", "back": "forward", "left": "right", "right": "left",
            "up": "down", "down": "up"}[name]


def _reply_key(reply: str) -> str:
    if reply == sdk.OUT_OF_RANGE:
        return "drone.sdk.out_of_range"
    if reply == sdk.MOTOR_STOP:
        return "drone.sdk.motor_stop"
    if reply.startswith("unknown command"):
        return "drone.sdk.unknown"
    if reply == sdk.AUTO_LAND:
        return "drone.sdk.auto_land"
    return "drone.sdk.error"
