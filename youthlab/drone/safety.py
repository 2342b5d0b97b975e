"""Safety rules that hold on every backend, whatever the student's code does.

The :class:`Supervisor` sits between the flight API and a backend. Every command goes
through it; it

* refuses moves whose end point leaves the geofence box or goes above the ceiling,
* refuses takeoff on a low battery, returns home on a low battery, lands on a very low one,
* watches the flight *during* long commands (wind can push a drone out of the fence),
* runs a link watchdog: no command for ``watchdog_s`` seconds → hover, then land
  (the Tello does the same after 15 s; we keep the link alive below that ourselves),
* rate-limits commands, and
* offers an emergency stop that never waits for anything.

Every intervention is a :class:`SafetyEvent` in :attr:`Supervisor.events`.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from youthlab.drone import sdk
from youthlab.drone.backends.base import FlightBackend, Telemetry
from youthlab.drone.errors import DroneError, EmergencyStopped, SafetyError
from youthlab.drone.geometry import body_moves
from youthlab.i18n import t


@dataclass(frozen=True)
class Limits:
    """Where and how the drone may fly (cm, percent, seconds), in the takeoff frame."""

    x_min: float = -300.0
    x_max: float = 300.0
    y_min: float = -300.0
    y_max: float = 300.0
    ceiling: float = 250.0
    fence_grace: float = 40.0  # drift allowed past the fence before we intervene
    takeoff_min_battery: float = 20.0
    return_battery: float = 15.0
    land_battery: float = 8.0
    watchdog_s: float = 10.0
    keepalive_s: float = 5.0
    min_interval_s: float = 0.1  # rate limit between commands

    def inside(self, x: float, y: float, z: float, grace: float = 0.0) -> bool:
        return (self.x_min - grace <= x <= self.x_max + grace
                and self.y_min - grace <= y <= self.y_max + grace
                and z <= self.ceiling + grace)

    def clamp(self, x: float, y: float) -> tuple[float, float]:
        return (min(max(x, self.x_min), self.x_max), min(max(y, self.y_min), self.y_max))


@dataclass
class SafetyEvent:
    """One thing the safety layer did or refused."""

    kind: str
    t: float
    wall: float = field(default_factory=time.time)
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return t(f"drone.event.{self.kind}", lang, **self.params)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ko": self.message("ko"), "en": self.message("en")}


class Supervisor:
    """Safety around one backend. Use :meth:`command` for every SDK command."""

    def __init__(self, backend: FlightBackend, limits: Limits | None = None,
                 on_event: Callable[[SafetyEvent], None] | None = None,
                 watchdog: bool = True) -> None:
        self.backend = backend
        self.limits = limits or Limits()
        self.events: list[SafetyEvent] = []
        self.on_event = on_event
        self.flight_over = False
        self.stopped = False  # emergency
        self._busy = threading.RLock()
        self._last_command_wall = time.monotonic()
        self._last_link = time.monotonic()
        self._last_command_clock = -1e9
        self._closing = threading.Event()
        self.rate_limited = 0
        self._recovering = False
        backend.set_guard(self._guard)
        self._watchdog = None
        if watchdog:
            self._watchdog = threading.Thread(target=_watch_loop, args=(weakref.ref(self), self._closing),
                                              name="drone-watchdog", daemon=True)
            self._watchdog.start()

    # ---- events --------------------------------------------------------------------
    def log(self, kind: str, **params: Any) -> SafetyEvent:
        event = SafetyEvent(kind, round(self.backend.telemetry().t, 2), params=params)
        self.events.append(event)
        if self.on_event:
            try:
                self.on_event(event)
            except Exception:  # a broken display must never break safety
                pass
        return event

    def refuse(self, kind: str, **params: Any) -> SafetyError:
        """Log a refusal and return the error to raise."""
        self.log(kind, **params)
        return SafetyError(key=f"drone.event.{kind}", hint_key=f"drone.hint.{kind}", **params)

    # ---- checks ---------------------------------------------------------------------
    def check_target(self, x: float, y: float, z: float) -> None:
        """Raise :class:`SafetyError` if the point (cm) is outside the limits."""
        lim = self.limits
        if z > lim.ceiling:
            raise self.refuse("refused_ceiling", ceiling_m=round(lim.ceiling / 100, 2),
                              z_m=round(z / 100, 2))
        if not lim.inside(x, y, z):
            raise self.refuse("refused_fence", x=round(x), y=round(y),
                              box=f"x {lim.x_min:.0f}…{lim.x_max:.0f}, y {lim.y_min:.0f}…{lim.y_max:.0f} cm")

    def _guard(self, tel: Telemetry) -> str | None:
        """Runs during long commands (in the backend's thread)."""
        if not tel.flying or self._recovering:
            return None
        if not self.limits.inside(tel.x, tel.y, tel.z, self.limits.fence_grace):
            return "fence"
        if tel.battery < self.limits.land_battery:
            return "battery"
        return None

    # ---- commands ---------------------------------------------------------------------
    def command(self, text: str, target: tuple[float, float, float] | None = None) -> str:
        """Send one SDK command after the safety checks; returns the drone's reply."""
        if self.stopped:
            raise EmergencyStopped()
        name = text.split()[0] if text.strip() else ""
        is_read = name.endswith("?")
        with self._busy:
            if self.stopped:
                raise EmergencyStopped()
            if not is_read:
                if self.flight_over and name not in ("land", "stop"):
                    raise self.refuse("refused_flight_over", seconds=round(self.limits.watchdog_s))
                if name == "takeoff":
                    battery = self.backend.telemetry().battery
                    if battery < self.limits.takeoff_min_battery:
                        raise self.refuse("refused_battery", battery=int(battery),
                                          minimum=int(self.limits.takeoff_min_battery))
                if target is not None:
                    self.check_target(*target)
                self._rate_limit()
            reply = self.backend.send(text)
            self._touch()
            if self.stopped:
                raise EmergencyStopped()
            if not is_read:
                self._after(name, reply)
            return reply

    def wait(self, seconds: float) -> None:
        """Hover for ``seconds`` (a command too: it resets the watchdog)."""
        if self.stopped:
            raise EmergencyStopped()
        intervened = False
        with self._busy:
            if self.flight_over:
                raise self.refuse("refused_flight_over", seconds=round(self.limits.watchdog_s))
            remaining = seconds
            while remaining > 1e-9 and not self.stopped:
                chunk = min(remaining, 1.0)
                self.backend.wait(chunk)
                remaining -= chunk
                if self._check_flight():
                    intervened = True
                    break
            self._touch()
        if self.stopped:
            raise EmergencyStopped()
        if intervened:
            raise DroneError(key="drone.flight_stopped", reason=self.events[-1].message())

    def _touch(self) -> None:
        self._last_command_wall = self._last_link = time.monotonic()
        self._last_command_clock = self.backend.elapsed()

    def _rate_limit(self) -> None:
        gap = self.backend.elapsed() - self._last_command_clock
        if gap < self.limits.min_interval_s:
            self.rate_limited += 1
            self.backend.wait(self.limits.min_interval_s - gap)

    def _after(self, name: str, reply: str) -> None:
        """After a command: react to what happened during it."""
        tel = self.backend.telemetry()
        if tel.crashed:
            if not any(e.kind == "crash" for e in self.events):
                self.log("crash", x=round(tel.x), y=round(tel.y))
            self.flight_over = True
            return
        self._check_flight()

    def _check_flight(self) -> bool:
        """Fence and battery rules on the current state; True if we intervened."""
        tel = self.backend.telemetry()
        if not tel.flying:
            return False
        lim = self.limits
        if not lim.inside(tel.x, tel.y, tel.z, lim.fence_grace):
            self.log("fence_breach", x=round(tel.x), y=round(tel.y), z=round(tel.z))
            self._return_inside(tel)
            return True
        if tel.battery < lim.land_battery:
            self.log("battery_land", battery=int(tel.battery))
            self._safe_land()
            return True
        if tel.battery < lim.return_battery:
            self.log("battery_return", battery=int(tel.battery))
            self._go_home_and_land(tel)
            return True
        return False

    # ---- interventions (safety's own commands skip the student checks) ----------------
    def _raw(self, text: str) -> str:
        self._recovering = True
        try:
            return self.backend.send(text)
        finally:
            self._recovering = False
            self._last_link = time.monotonic()

    def _safe_land(self) -> None:
        self.flight_over = True
        self._raw("stop")
        self._raw("land")

    def _return_inside(self, tel: Telemetry) -> None:
        self.flight_over = True
        self._raw("stop")
        x, y = self.limits.clamp(tel.x, tel.y)
        z = min(tel.z, self.limits.ceiling)
        for step in body_moves(tel, x, y, z, speed=50):
            self._raw(step)
        self._raw("land")

    def _go_home_and_land(self, tel: Telemetry) -> None:
        self.flight_over = True
        for step in body_moves(tel, 0.0, 0.0, tel.z, speed=60):
            self._raw(step)
            if self.backend.telemetry().battery < self.limits.land_battery:
                self.log("battery_land", battery=int(self.backend.telemetry().battery))
                break
        self._raw("land")

    def emergency(self) -> None:
        """Motors off now. Works from any thread, also while a command is running."""
        self.stopped = True
        try:
            self.backend.emergency()
        finally:
            self.log("emergency")

    # ---- watchdog -----------------------------------------------------------------------
    def _watch_once(self) -> None:
        """One look by the watchdog thread (20 times a second)."""
        if self.stopped:
            return
        now = time.monotonic()
        if (now - self._last_command_wall < self.limits.watchdog_s
                and now - self._last_link < self.limits.keepalive_s):
            return
        if not self._busy.acquire(blocking=False):
            return
        try:
            idle = time.monotonic() - self._last_command_wall
            tel = self.backend.telemetry()
            if not tel.flying or self.stopped:
                return
            if idle >= self.limits.watchdog_s:
                self.log("watchdog", seconds=round(idle, 1))
                self._safe_land()
            elif self.backend.real:
                self.backend.send("battery?")  # keepalive: the Tello's 15 s timer restarts
            self._last_link = time.monotonic()
        except Exception:
            pass
        finally:
            self._busy.release()

    def close(self) -> None:
        """Land if still flying, stop the watchdog."""
        self._closing.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout=2)
        if not self.stopped:
            with self._busy:
                if self.backend.telemetry().flying:
                    self.log("auto_land_on_close")
                    self._raw("land")


def _watch_loop(ref: "weakref.ref[Supervisor]", closing: threading.Event) -> None:
    """The watchdog thread; it ends when its supervisor is closed or forgotten."""
    while not closing.wait(0.05):
        supervisor = ref()
        if supervisor is None:
            return
        supervisor._watch_once()
        del supervisor


def is_sdk_error(reply: str) -> bool:
    return reply != sdk.OK and (reply.startswith("error") or reply == sdk.OUT_OF_RANGE
                                or reply.startswith("unknown command"))
