"""A small, deterministic quadrotor simulator (point mass with attitude limits).

Physics, in SI units in the *takeoff frame* (x forward at takeoff, y left, z up):

* thrust vector from a cascaded position → velocity controller, limited by the
  airframe's maximum thrust and tilt angle; mass includes the payload;
* gravity, quadratic air drag on the velocity *relative to the air* (so wind pushes);
* wind = steady part + gusts (an Ornstein–Uhlenbeck process per axis, seeded);
* battery energy drained by electrical power, which grows with thrust as T^1.5
  (momentum theory) plus a constant for the electronics;
* ground contact (a hard hit is a crash) and water (touching water is a splash).

The integrator is semi-implicit Euler with a fixed step (default 50 ms), written with
plain floats: a 2-minute mission costs a few thousand steps, well under 0.1 s.
"""

from __future__ import annotations

import math
import random
import time as _time
from dataclasses import dataclass, field
from typing import Callable, Protocol

G = 9.81
RHO_AIR = 1.2


@dataclass(frozen=True)
class Airframe:
    """Mass, thrust and battery of a drone (defaults: a DJI/Ryze Tello)."""

    name: str = "tello"
    mass_kg: float = 0.080
    thrust_to_weight: float = 2.0
    max_tilt_deg: float = 25.0
    drag_area_m2: float = 0.012  # Cd * frontal area
    battery_j: float = 1.1 * 3.8 * 3600  # 1100 mAh at 3.8 V
    avionics_w: float = 3.0
    hover_w: float = 16.3  # about 13 minutes of hover on a full battery

    @property
    def max_thrust_n(self) -> float:
        return self.thrust_to_weight * self.mass_kg * G


TELLO = Airframe()


@dataclass(frozen=True)
class Wind:
    """Steady wind (m/s towards +x / +y of the takeoff frame) plus gusts."""

    x: float = 0.0
    y: float = 0.0
    gust_std: float = 0.0  # m/s, per horizontal axis
    gust_tau_s: float = 3.0

    @property
    def speed(self) -> float:
        return math.hypot(self.x, self.y)


class Terrain(Protocol):
    def is_water(self, x_m: float, y_m: float) -> bool: ...


class Floor:
    """An indoor hall: floor everywhere."""

    def is_water(self, x_m: float, y_m: float) -> bool:
        return False


@dataclass
class Sample:
    t: float
    x: float
    y: float
    z: float
    yaw: float
    battery: float
    wind_x: float
    wind_y: float
    thrust: float


@dataclass
class QuadSim:
    """The simulated drone. All methods advance simulated time; none sleep unless
    ``time_scale`` is set (then the sim is paced to ``time_scale`` × real time)."""

    airframe: Airframe = TELLO
    wind: Wind = field(default_factory=Wind)
    terrain: Terrain = field(default_factory=Floor)
    seed: int = 0
    dt: float = 0.05
    payload_kg: float = 0.0
    battery_pct: float = 100.0
    time_scale: float | None = None
    guard: Callable[["QuadSim"], str | None] | None = None
    guard_every: int = 4  # steps between guard checks and telemetry samples

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.x = self.y = self.z = 0.0
        self.vx = self.vy = self.vz = 0.0
        self.psi = 0.0  # heading, radians, counter-clockwise from +x
        self.t = 0.0
        self.energy_j = self.airframe.battery_j * self.battery_pct / 100.0
        self.gx = self.gy = 0.0  # gust state
        self.ix = self.iy = 0.0  # controller integrator
        self.thrust = 0.0
        self.motors = False
        self.crashed = False
        self.in_water = False
        self.abort = False  # set from any thread: stop the current manoeuvre
        self.samples: list[Sample] = []
        self.drops: list[dict] = []
        self._wall0: float | None = None

    # ---- read-outs -------------------------------------------------------------
    @property
    def mass(self) -> float:
        return self.airframe.mass_kg + self.payload_kg

    @property
    def battery(self) -> float:
        """Battery in percent (0–100), never rising."""
        return max(0.0, 100.0 * self.energy_j / self.airframe.battery_j)

    @property
    def flying(self) -> bool:
        return self.motors and self.z > 0.0

    @property
    def yaw_deg(self) -> float:
        """Heading as a Tello reports it: degrees, clockwise positive, -180..180."""
        d = -math.degrees(self.psi)
        return (d + 180.0) % 360.0 - 180.0

    def wind_now(self) -> tuple[float, float]:
        return self.wind.x + self.gx, self.wind.y + self.gy

    # ---- manoeuvres --------------------------------------------------------------
    def start_motors(self) -> None:
        if not self.crashed and self.energy_j > 0:
            self.motors = True

    def cut_motors(self) -> str:
        """Emergency: motors off at once; the drone falls to the ground (or water)."""
        self.motors = False
        if self.z > 0.0:
            return self.advance(self.x, self.y, self.z, 0.0, "fall", 30.0, 0.0)
        return "ok"

    def fly_to(self, x: float, y: float, z: float, speed: float, timeout: float | None = None) -> str:
        """Fly to a point (m) at up to ``speed`` m/s; 'ok' on arrival, else the reason."""
        dist = math.dist((x, y, z), (self.x, self.y, self.z))
        limit = timeout if timeout is not None else dist / max(speed, 0.05) * 2.0 + 8.0
        return self.advance(x, y, z, speed, "goto", limit, 0.03)

    def hold(self, seconds: float, at: tuple[float, float, float] | None = None) -> str:
        """Hover for ``seconds`` at ``at`` (default: here); wind pushes, the controller
        fights it."""
        x, y, z = at if at is not None else (self.x, self.y, self.z)
        return self.advance(x, y, z, 1.0, "hold", seconds, 0.0)

    def rotate(self, degrees_cw: float, rate_deg_s: float = 90.0) -> str:
        """Turn on the spot (clockwise positive) while holding position."""
        seconds = abs(degrees_cw) / rate_deg_s
        self._yaw_rate = -math.radians(degrees_cw) / max(seconds, 1e-9)
        try:
            return self.advance(self.x, self.y, self.z, 1.0, "hold", seconds, 0.0)
        finally:
            self._yaw_rate = 0.0

    def land(self) -> str:
        """Descend at 0.5 m/s until touching down, then stop the motors."""
        return self.advance(self.x, self.y, -0.5, 0.5, "land", self.z / 0.4 + 10.0, 0.0)

    def drop_payload(self) -> dict:
        """Release the payload; it falls (with the wind) and lands somewhere below."""
        fall_t = math.sqrt(2.0 * max(self.z, 0.0) / G)
        wx, wy = self.wind_now()
        drop = {"t": self.t, "x": self.x, "y": self.y, "z": self.z, "kg": self.payload_kg,
                "land_x": self.x + (self.vx + 0.5 * wx) * fall_t,
                "land_y": self.y + (self.vy + 0.5 * wy) * fall_t}
        drop["in_water"] = self.terrain.is_water(drop["land_x"], drop["land_y"])
        self.drops.append(drop)
        self.payload_kg = 0.0
        return drop

    _yaw_rate: float = 0.0

    # ---- the integrator -------------------------------------------------------------
    def advance(self, tx: float, ty: float, tz: float, vmax: float, mode: str,
                limit_t: float, tol: float) -> str:
        """Integrate until arrival / touchdown / time limit / abort / guard trip.

        Towards ``(tx, ty, tz)`` (m) at up to ``vmax`` m/s; ``mode`` is ``"goto"`` (arrive
        within ``tol`` m), ``"hold"``, ``"land"`` or ``"fall"``; at most ``limit_t`` s."""
        af = self.airframe
        dt = self.dt
        kp, kv = 1.6, 4.0
        tmax = af.max_thrust_n
        tan_tilt = math.tan(math.radians(af.max_tilt_deg))
        cdrag = 0.5 * RHO_AIR * af.drag_area_m2
        w0 = af.mass_kg * G
        p_hover, p_avion = af.hover_w, af.avionics_w
        wind_x, wind_y = self.wind.x, self.wind.y
        gstd, gtau = self.wind.gust_std, self.wind.gust_tau_s
        gdecay = math.exp(-dt / gtau)
        gnoise = gstd * math.sqrt(1.0 - gdecay * gdecay)
        gauss = self.rng.gauss
        terrain = self.terrain
        guard, guard_every = self.guard, self.guard_every
        x, y, z, vx, vy, vz = self.x, self.y, self.z, self.vx, self.vy, self.vz
        gx, gy, psi, t, energy = self.gx, self.gy, self.psi, self.t, self.energy_j
        yaw_rate = self._yaw_rate
        m = self.mass
        t_end = t + limit_t
        steps = 0
        result = "timeout"
        thrust = 0.0
        ex = ey = ez = 1e9
        ix, iy, ki, ilim = self.ix, self.iy, 0.6, 0.8
        while True:
            if self.abort:
                result = "abort"
                break
            motors = self.motors
            # --- controller -> thrust vector
            if motors:
                ex, ey, ez = tx - x, ty - y, tz - z
                if mode == "hold":
                    dvx, dvy, dvz = kp * ex, kp * ey, kp * ez
                elif mode == "land":  # straight down first; hold x/y as well as we can
                    dvx, dvy, dvz = kp * ex, kp * ey, -vmax
                else:
                    d = math.sqrt(ex * ex + ey * ey + ez * ez)
                    s = kp if d * kp <= vmax else vmax / d
                    dvx, dvy, dvz = s * ex, s * ey, s * ez
                # integral term: the real drone's position hold trims out steady wind
                # hovering, or nearly there and slow: no wind-up on the way
                if ex * ex + ey * ey < (0.09 if mode == "hold" else 0.01) \
                        and (mode == "hold" or vx * vx + vy * vy < 0.04):
                    ix = min(max(ix + ex * dt, -ilim), ilim)
                    iy = min(max(iy + ey * dt, -ilim), ilim)
                dvx += ki * ix
                dvy += ki * iy
                fx = m * kv * (dvx - vx)
                fy = m * kv * (dvy - vy)
                fz = m * (kv * (dvz - vz) + G)
                if fz < 0.0:
                    fz = 0.0
                elif fz > tmax:
                    fz = tmax
                fh = math.sqrt(fx * fx + fy * fy)
                hmax = min(fz * tan_tilt, math.sqrt(max(tmax * tmax - fz * fz, 0.0)))
                if fh > hmax > 0.0:
                    k = hmax / fh
                    fx *= k
                    fy *= k
                elif hmax <= 0.0:
                    fx = fy = 0.0
                thrust = math.sqrt(fx * fx + fy * fy + fz * fz)
                power = p_hover * (thrust / w0) ** 1.5 + p_avion
            else:
                fx = fy = fz = thrust = 0.0
                power = 0.5 * p_avion
            # --- wind, drag, integrate
            if gstd:
                gx = gx * gdecay + gnoise * gauss(0.0, 1.0)
                gy = gy * gdecay + gnoise * gauss(0.0, 1.0)
            rx, ry, rz = vx - wind_x - gx, vy - wind_y - gy, vz
            rs = math.sqrt(rx * rx + ry * ry + rz * rz) * cdrag
            vx += (fx - rs * rx) / m * dt
            vy += (fy - rs * ry) / m * dt
            vz += ((fz - rs * rz) / m - G) * dt
            x += vx * dt
            y += vy * dt
            z += vz * dt
            psi += yaw_rate * dt
            t += dt
            energy -= power * dt
            steps += 1
            if energy <= 0.0:
                energy = 0.0
                self.motors = False
            # --- ground and water
            if z <= 0.0:
                impact = vz
                z = 0.0
                if terrain.is_water(x, y):
                    self.in_water = True
                    self.crashed = True
                    self.motors = False
                    vx = vy = vz = 0.0
                    result = "splash"
                    break
                if impact < -2.0:
                    self.crashed = True
                    self.motors = False
                    vx = vy = vz = 0.0
                    result = "crash"
                    break
                if mode == "land" or not motors:
                    self.motors = False
                    vx = vy = vz = 0.0
                    result = "ok" if mode in ("land", "fall") else "landed"
                    break
                vz = max(vz, 0.0)
                vx *= 0.5
                vy *= 0.5
            if mode == "goto" and (ex * ex + ey * ey + ez * ez) < tol * tol \
                    and vx * vx + vy * vy + vz * vz < 0.01:
                result = "ok"
                break
            if t >= t_end - 1e-9:
                result = "ok" if mode == "hold" else "timeout"
                break
            if steps % guard_every == 0:
                self.x, self.y, self.z, self.vx, self.vy, self.vz = x, y, z, vx, vy, vz
                self.gx, self.gy, self.psi, self.t, self.energy_j = gx, gy, psi, t, energy
                self.thrust = thrust
                self._sample()
                if guard is not None:
                    reason = guard(self)
                    if reason:
                        result = "guard:" + reason
                        break
                if self.time_scale:
                    self._pace()
        self.x, self.y, self.z, self.vx, self.vy, self.vz = x, y, z, vx, vy, vz
        self.gx, self.gy, self.psi, self.t, self.energy_j = gx, gy, psi, t, energy
        self.thrust = thrust
        self.ix, self.iy = (ix, iy) if self.motors else (0.0, 0.0)
        self._sample()
        return result

    def _sample(self) -> None:
        wx, wy = self.wind_now()
        self.samples.append(Sample(self.t, self.x, self.y, self.z, self.yaw_deg,
                                   self.battery, wx, wy, self.thrust))

    def _pace(self) -> None:
        now = _time.monotonic()
        if self._wall0 is None:
            self._wall0 = now - self.t / self.time_scale
        ahead = self._wall0 + self.t / self.time_scale - now
        if ahead > 0:
            _time.sleep(ahead)

    def resync_clock(self) -> None:
        """Forget pacing history (call after the sim sat idle in real time)."""
        self._wall0 = None
