"""The robot car's body: 2-D differential-drive physics on a world's floor raster.

Units: cm, seconds, radians (heading 0 = east, counter-clockwise positive).

* **Motors**: each wheel gets a signed PWM fraction (-1..1). Below ``deadband`` the
  wheel does not turn (static friction); above it the target speed rises linearly to
  ``max_speed``; the wheel follows its target with a first-order lag ``tau`` (inertia
  and rolling friction), so starts and stops are not instant. ``mismatch`` makes one
  motor a little stronger, as on real cars.
* **Kinematics**: v = (vl + vr) / 2, ω = (vr − vl) / wheel_base, integrated with a fixed
  step ``dt``.
* **Encoders**: ``ticks_per_rev`` slots per wheel turn, counted from the distance each
  wheel rolled.
* **Collisions**: the body is a circle; a step that would put any of 12 rim points
  into a wall is refused (the robot stalls against the wall) and counted once per
  contact.
* **Line sensors**: three reflectance spots ``sensor_ahead`` in front of the axle, read
  from the raster (dark line = high ADC value) with a little noise.
* **Ultrasonic**: three rays (a narrow cone) marched through the raster to the first wall.

Pure Python on purpose: a 3-minute task is ~36 000 steps and costs well under a second.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from youthlab.robot.worlds import LINE, WALL, World


@dataclass(frozen=True)
class RobotParams:
    """Size and motors of the car (defaults: a small Pico robot car)."""

    wheel_base: float = 12.0
    wheel_radius: float = 3.3
    body_radius: float = 8.0
    max_speed: float = 30.0  # cm/s at full PWM
    deadband: float = 0.12  # PWM fraction that does not move the wheel
    tau: float = 0.08  # s, motor lag
    sensor_ahead: float = 6.0
    sensor_spacing: float = 1.6
    sonar_ahead: float = 7.0
    sonar_range: float = 400.0
    sonar_cone_deg: float = 8.0
    ticks_per_rev: int = 20
    mismatch: float = 0.0  # +0.03 = right motor 3 % stronger
    adc_line: int = 52000
    adc_floor: int = 9000
    adc_noise: int = 1500


@dataclass
class Pose:
    t: float
    x: float
    y: float
    heading: float


def near_wall_mask(world: World, radius: float, cell: float = 2.0) -> tuple[bytes, float]:
    """Coarse grid (``cell`` cm) marking where a body of ``radius`` might touch a wall.

    Outside the marked cells a collision test is one lookup instead of 12; inside them
    the exact rim test runs. Conservative: a square dilation, one cell of margin.
    """
    key = ("near", radius, cell)
    if key in world.cache:
        return world.cache[key]
    import numpy as np

    walls = np.frombuffer(bytes(world.raster), dtype=np.uint8).reshape(world.rows, world.cols) == WALL
    k = max(1, int(round(cell / world.resolution)))
    rows, cols = math.ceil(world.height / cell), math.ceil(world.width / cell)
    padded = np.zeros((rows * k, cols * k), dtype=bool)
    padded[: world.rows, : world.cols] = walls[: rows * k, : cols * k]
    coarse = padded.reshape(rows, k, cols, k).any(axis=(1, 3))
    n = int(math.ceil(radius / cell)) + 1
    grown = np.zeros_like(coarse)
    src = np.pad(coarse, n)
    for dy in range(-n, n + 1):
        for dx in range(-n, n + 1):
            grown |= src[n + dy: n + dy + rows, n + dx: n + dx + cols]
    world.cache[key] = (grown.astype(np.uint8).tobytes(), cell)
    return world.cache[key]


class RobotBody:
    """State and physics of one robot car in a world (no pins here, see :mod:`.sim`)."""

    def __init__(self, world: World, params: RobotParams | None = None, *, dt: float = 0.005,
                 seed: int = 0, trace_every: float = 0.05) -> None:
        self.world = world
        self.p = params or RobotParams()
        self.dt = dt
        self.rng = random.Random(seed)
        x, y, hdeg = world.start
        self.x, self.y, self.th = x, y, math.radians(hdeg)
        self.t = 0.0
        self.cmd = [0.0, 0.0]  # PWM fraction per wheel (left, right), -1..1
        self.v = [0.0, 0.0]  # wheel speeds cm/s
        self.rolled = [0.0, 0.0]  # cm each wheel rolled (absolute)
        self.collisions = 0
        self.touching = False
        self.distance_travelled = 0.0
        self.trace: list[Pose] = [Pose(0.0, x, y, self.th)]
        self.trace_every = trace_every
        self._next_trace = trace_every
        n = 12
        self._rim = [(math.cos(2 * math.pi * k / n), math.sin(2 * math.pi * k / n)) for k in range(n)]
        self._near = near_wall_mask(world, self.p.body_radius)
        self._near_cols = math.ceil(world.width / self._near[1])
        self._near_rows = math.ceil(world.height / self._near[1])
        gain = 1.0 + self.p.mismatch / 2
        self._gain = (1.0 / gain if self.p.mismatch else 1.0, gain)

    # -- motors -------------------------------------------------------------------------
    def set_wheels(self, left: float, right: float) -> None:
        """PWM fraction per wheel, -1..1 (sign = direction)."""
        self.cmd[0] = max(-1.0, min(1.0, float(left)))
        self.cmd[1] = max(-1.0, min(1.0, float(right)))

    def _target(self, i: int) -> float:
        c = self.cmd[i]
        a = abs(c)
        db = self.p.deadband
        if a <= db:
            return 0.0
        s = (a - db) / (1.0 - db) * self.p.max_speed * self._gain[i]
        return s if c > 0 else -s

    # -- time ---------------------------------------------------------------------------
    def advance_to(self, t: float) -> None:
        """Run physics steps until the body's clock reaches ``t`` (within one step)."""
        dt = self.dt
        while self.t + dt <= t + 1e-9:
            self.step()

    def step(self) -> None:
        p, dt = self.p, self.dt
        k = min(1.0, dt / p.tau)
        vl = self.v[0] + (self._target(0) - self.v[0]) * k
        vr = self.v[1] + (self._target(1) - self.v[1]) * k
        self.v[0], self.v[1] = vl, vr
        self.t += dt
        if vl or vr:
            v = (vl + vr) * 0.5
            w = (vr - vl) / p.wheel_base
            th = self.th + w * dt
            mid = self.th + w * dt * 0.5
            nx = self.x + v * math.cos(mid) * dt
            ny = self.y + v * math.sin(mid) * dt
            if self._free(nx, ny):
                self.distance_travelled += abs(v) * dt
                self.x, self.y, self.th = nx, ny, th
                self.rolled[0] += abs(vl) * dt
                self.rolled[1] += abs(vr) * dt
                self.touching = False
            else:
                if not self.touching:
                    self.collisions += 1
                    self.touching = True
                if self._free(self.x, self.y):  # turning on the spot may still work
                    self.th = th
                    self.rolled[0] += abs(vl - v) * dt
                    self.rolled[1] += abs(vr - v) * dt
        if self.t >= self._next_trace:
            self._next_trace += self.trace_every
            self.trace.append(Pose(self.t, self.x, self.y, self.th))

    def _free(self, x: float, y: float) -> bool:
        near, cell = self._near
        c, row = int(x / cell), int((self.world.height - y) / cell)
        if 0 <= c < self._near_cols and 0 <= row < self._near_rows and not near[row * self._near_cols + c]:
            return True  # far from every wall: no need to look at the rim
        at, r = self.world.at, self.p.body_radius
        for cx, cy in self._rim:
            if at(x + r * cx, y + r * cy) == WALL:
                return False
        return True

    # -- sensors ------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        return (self.v[0] + self.v[1]) * 0.5

    def sensor_points(self) -> list[tuple[float, float]]:
        """Where the left, centre and right line sensors look (cm)."""
        a, s = self.p.sensor_ahead, self.p.sensor_spacing
        c, sn = math.cos(self.th), math.sin(self.th)
        bx, by = self.x + a * c, self.y + a * sn
        return [(bx - lat * sn, by + lat * c) for lat in (s, 0.0, -s)]

    def line_adc(self, i: int) -> int:
        """ADC value (0..65535) of line sensor ``i`` (0 left, 1 centre, 2 right)."""
        x, y = self.sensor_points()[i]
        base = self.p.adc_line if self.world.at(x, y) == LINE else self.p.adc_floor
        n = self.p.adc_noise
        return max(0, min(65535, base + (int((self.rng.random() * 2 - 1) * n) if n else 0)))

    def on_line(self) -> tuple[int, int, int]:
        at = self.world.at
        return tuple(1 if at(x, y) == LINE else 0 for x, y in self.sensor_points())  # type: ignore[return-value]

    def distance(self) -> float:
        """Ultrasonic range in cm to the nearest wall in front (``sonar_range`` if none)."""
        p = self.p
        ox = self.x + p.sonar_ahead * math.cos(self.th)
        oy = self.y + p.sonar_ahead * math.sin(self.th)
        best = p.sonar_range
        at = self.world.at
        step = 0.5
        for da in (-p.sonar_cone_deg, 0.0, p.sonar_cone_deg):
            a = self.th + math.radians(da)
            dx, dy = math.cos(a) * step, math.sin(a) * step
            x, y, d = ox, oy, 0.0
            while d < best:
                if at(x, y) == WALL:
                    best = d
                    break
                x += dx
                y += dy
                d += step
        return best

    def ticks(self) -> tuple[int, int]:
        """Encoder slots counted per wheel since the start."""
        per_cm = self.p.ticks_per_rev / (2 * math.pi * self.p.wheel_radius)
        return int(self.rolled[0] * per_cm), int(self.rolled[1] * per_cm)

    def pose(self) -> Pose:
        return Pose(self.t, self.x, self.y, self.th)
