"""The robot car behind a board's pins: a :class:`~youthlab.boards.simulator.BoardSimulator`.

:class:`RobotBoardSim` turns what board code does with ``machine`` into physics, using
a kit's pin map (``robot_kits:`` in ``hardware/boards.yaml``):

* ``PWM`` on the motor pins → wheel power; on the servo pin → the letter flap (a
  delivery when it opens while the robot stands at a house door);
* ``ADC.read_u16()`` on the line-sensor pins → reflectance under each sensor;
* ``I2C`` address 0x57 → an ultrasonic ranger (write 0x01, read 3 bytes = µm);
  or HC-SR04 trig/echo pins (echo is high for the sound's flight time);
* encoder pins read as a square wave of the wheel's slots; LED pins are remembered.

The clock is the :class:`BoardSimulator`'s: ``"real"`` on a virtual board (the robot
moves in real time, advanced lazily at every pin operation and by
:meth:`RobotBoardSim.run_clock`), ``"virtual"`` in the fast grader and ``"external"``
in the MicroPython grader (see :mod:`youthlab.boards.simulator`).
"""

from __future__ import annotations

import math
import threading
from typing import Any

from youthlab.boards.simulator import BoardSimulator
from youthlab.robot.kinematics import RobotBody, RobotParams
from youthlab.robot.kits import get_kit
from youthlab.robot.worlds import World, load_world

RANGER_ADDR = 0x57
DOOR_RADIUS = 10.0  # cm from a house's door mark that counts as "at the door"
SOUND_CM_PER_S = 34300.0


class _Ranger:
    """An I2C ultrasonic ranger (RCWL-9620 protocol) looking at the body's world."""

    def __init__(self, sim: "RobotBoardSim") -> None:
        self.sim = sim
        self.um = 0

    def write(self, data: bytes) -> None:
        if data[:1] == b"\x01":
            self.um = int(self.sim.body.distance() * 10000)

    def read(self, n: int) -> bytes:
        um = min(self.um, 0xFFFFFF)
        return bytes([(um >> 16) & 255, (um >> 8) & 255, um & 255])[:n]


class RobotBoardSim(BoardSimulator):
    """A robot car wired to a board as in ``kit``, driving in ``world``."""

    def __init__(self, world: World | str = "line", *, kit: str | None = None,
                 params: RobotParams | None = None, clock: str = "real", speed: float = 1.0,
                 seed: int = 0, dt: float = 0.005) -> None:
        self.kit_name = kit or "pico-car"
        self.kit = get_kit(self.kit_name)
        super().__init__(clock=clock, profile="esp32" if "esp32" in self.kit_name else "rp2040")
        self.world = load_world(world) if isinstance(world, str) else world
        self.body = RobotBody(self.world, params, dt=dt, seed=seed)
        self.speed = speed
        self.lock = threading.RLock()
        self.log: list[tuple[float, str, dict[str, Any]]] = []  # robot events: deliver, bump …
        self.leds: dict[int, int] = {}
        self.flap_open = False
        self._duty: dict[int, int] = {}
        self._ping_at: float | None = None
        self._ping_cm = 0.0
        self._stop_clock = threading.Event()
        k = self.kit
        self._motor_pins = {pin: (side, i) for side, pins in
                            (("left", k["motors"]["left"]), ("right", k["motors"]["right"]))
                            for i, pin in enumerate(pins)}
        self._line_pins = {pin: i for i, pin in enumerate(k["line"])}
        self._enc_pins = {pin: i for i, pin in enumerate(k.get("encoders") or [])}
        self._led_pins = set(k.get("leds") or [])
        d = k["distance"]
        self._trig = d.get("trig") if d["type"] == "hcsr04" else None
        self._echo = d.get("echo") if d["type"] == "hcsr04" else None
        if d["type"] == "i2c":
            self.i2c_devices[int(d.get("addr", RANGER_ADDR))] = _Ranger(self)
        self._last_collisions = 0

    # -- clock ----------------------------------------------------------------------
    def now(self) -> float:
        if self.clock_mode == "real":
            return super().now() * self.speed
        return self.clock

    def sync(self) -> None:
        """Bring the physics up to the current clock."""
        body = self.body
        if self.now() < body.t + body.dt - 1e-9:
            return  # no physics step is due (most pin operations within one 5 ms step)
        with self.lock:
            self.body.advance_to(self.now())
            if self.body.collisions != self._last_collisions:
                self._last_collisions = self.body.collisions
                self.log.append((self.body.t, "bump", {"x": round(self.body.x, 1), "y": round(self.body.y, 1)}))

    def run_clock(self, period: float = 0.02) -> threading.Thread:
        """Real clock: keep the robot moving between pin operations (for live views)."""
        def loop() -> None:
            while not self._stop_clock.wait(period):
                self.sync()

        th = threading.Thread(target=loop, daemon=True, name="ylab-robot-clock")
        th.start()
        return th

    def stop_clock(self) -> None:
        self._stop_clock.set()

    # -- pins -----------------------------------------------------------------------
    def pin_write(self, pin: Any, value: int) -> None:
        with self.lock:
            self.sync()
            old = self.pins.get(pin, 0)
            self.pins[pin] = value
            if pin in self._led_pins:
                self.leds[pin] = value
                if old != value:
                    self._event("led", pin=pin, value=value)
            elif pin == self._trig and old and not value:  # falling edge: a ping leaves
                self._ping_at = self.now()
                self._ping_cm = self.body.distance()

    def pin_read(self, pin: Any) -> int:
        with self.lock:
            self.sync()
            if pin in self._enc_pins:
                return self.body.ticks()[self._enc_pins[pin]] & 1
            if pin == self._echo:
                return 1 if self._echo_window()[0] <= self.now() < self._echo_window()[1] else 0
            return int(self.pins.get(pin, 0))

    def pin_edges(self, pins: list) -> list[int]:
        """Encoder pins: one edge per slot the wheel has turned past (``Pin.irq``)."""
        with self.lock:
            self.sync()
            ticks = self.body.ticks()
            return [ticks[self._enc_pins[p]] if p in self._enc_pins else 0 for p in pins]

    def _echo_window(self) -> tuple[float, float]:
        if self._ping_at is None or self._ping_cm >= self.body.p.sonar_range:
            return (math.inf, math.inf)
        t0 = self._ping_at + 0.0002
        return (t0, t0 + 2 * self._ping_cm / SOUND_CM_PER_S)

    def time_pulse_us(self, pin: Any, level: int = 1, timeout_us: int = 1000000) -> int:
        """``machine.time_pulse_us`` on the echo pin (the board side then waits the pulse's
        length itself, in every run mode)."""
        with self.lock:
            if pin != self._echo or level != 1:
                return -2
            self.sync()
            start, end = self._echo_window()
            if start == math.inf or (end - start) * 1e6 > timeout_us:
                return -2
            return int((end - start) * 1e6)

    def pwm(self, pin: Any, freq: int, duty_u16: int) -> None:
        with self.lock:
            self.sync()
            self.pwms[pin] = (freq, duty_u16)
            if pin in self._motor_pins:
                self._duty[pin] = duty_u16
                for side, idx in (("left", 0), ("right", 1)):
                    fwd, back = self.kit["motors"][side]
                    power = (self._duty.get(fwd, 0) - self._duty.get(back, 0)) / 65535
                    self.body.cmd[idx] = max(-1.0, min(1.0, power))
            elif pin == self.kit.get("servo"):
                self._servo(freq, duty_u16)

    def _servo(self, freq: int, duty_u16: int) -> None:
        pulse_ms = duty_u16 / 65535 * 1000 / max(freq, 1)
        angle = (pulse_ms - 0.5) * 90
        is_open = angle > 45
        if is_open and not self.flap_open:
            self.log.append((self.body.t, "deliver", self.at_door()))
        self.flap_open = is_open

    def at_door(self) -> dict[str, Any]:
        """Where a letter dropped now would land: the house whose door we are at, if any."""
        b = self.body
        info: dict[str, Any] = {"x": round(b.x, 1), "y": round(b.y, 1), "speed": round(b.speed, 1), "house": None}
        best = DOOR_RADIUS
        for h in self.world.houses:
            d = math.hypot(h.door[0] - b.x, h.door[1] - b.y)
            if d <= best:
                best, info["house"] = d, h.address
        return info

    def adc_read(self, pin: Any) -> int:
        with self.lock:
            self.sync()
            if pin in self._line_pins:
                return self.body.line_adc(self._line_pins[pin])
            return int(self.adc_values.get(pin, 0))

    def i2c_write(self, bus: int, addr: int, data: bytes) -> None:
        with self.lock:
            self.sync()
            super().i2c_write(bus, addr, data)

    def i2c_read(self, bus: int, addr: int, n: int) -> bytes:
        with self.lock:
            self.sync()
            return super().i2c_read(bus, addr, n)

    # -- for checkers and views -------------------------------------------------------
    def deliveries(self) -> list[tuple[float, dict[str, Any]]]:
        return [(t, d) for t, kind, d in self.log if kind == "deliver"]
