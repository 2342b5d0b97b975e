"""Fast-grader stand-ins for MicroPython's ``machine``, ``time`` and ``micropython``.

They talk straight to a :class:`~youthlab.robot.sim.RobotBoardSim` with a *virtual*
clock: ``time.sleep`` lets simulated time pass (the physics runs), every pin operation
costs a few simulated microseconds, so a 3-minute robot program finishes in about a
second. :class:`BoardModules` builds one fresh set per run; :mod:`youthlab.robot.runner`
hands them to the student's program through its own ``__import__``, so the host's real
``time`` module is never touched.
"""

from __future__ import annotations

import types
from typing import Any, Callable

from youthlab.robot.sim import RobotBoardSim


class SimTimeUp(BaseException):
    """The run's simulated time limit was reached (BaseException: `except Exception` in
    student code must not swallow it)."""


class TaskDone(BaseException):
    """The task is complete; stop the program early."""


class BoardModules:
    """``machine``, ``time``/``utime``, ``micropython`` modules bound to one simulator."""

    def __init__(self, sim: RobotBoardSim, time_limit: float,
                 done: Callable[[RobotBoardSim], bool] | None = None, check_every: float = 0.25) -> None:
        self.sim = sim
        self.time_limit = time_limit
        self.done = done
        self.check_every = check_every
        self._next_check = check_every
        self._irqs: dict[Any, list] = {}  # pin -> [handler, last ticks]
        self._irq_t = -1.0
        self.modules: dict[str, types.ModuleType] = {}
        self._build()

    # -- the clock ------------------------------------------------------------------------
    def _after(self) -> None:
        sim = self.sim
        if self._irqs and sim.body.t != self._irq_t:
            self._irq_t = sim.body.t
            ticks = sim.body.ticks()
            for pin, slot in self._irqs.items():
                n = ticks[sim._enc_pins[pin]]
                handler, last = slot
                slot[1] = n
                for _ in range(n - last):
                    handler(pin)
        if sim.clock >= self.time_limit:
            raise SimTimeUp()
        if self.done is not None and sim.clock >= self._next_check:
            self._next_check = sim.clock + self.check_every
            if self.done(sim):
                raise TaskDone()

    def sleep(self, seconds: float) -> None:
        self.sim.sleep(max(0.0, float(seconds)))
        self._after()

    def op(self, name: str, *args: Any, **kw: Any) -> Any:
        r = getattr(self.sim, name)(*args, **kw)
        self._after()
        return r

    # -- modules --------------------------------------------------------------------------
    def _build(self) -> None:
        self.modules["time"] = self.modules["utime"] = self._time_module()
        self.modules["machine"] = self._machine_module()
        self.modules["micropython"] = self._micropython_module()

    def _time_module(self) -> types.ModuleType:
        m = types.ModuleType("time")
        sim, board = self.sim, self

        def ticks_ms() -> int:
            return int(sim.clock * 1000) & 0x3FFFFFFF

        def ticks_us() -> int:
            return int(sim.clock * 1_000_000) & 0x3FFFFFFF

        def ticks_diff(a: int, b: int) -> int:
            d = (a - b) & 0x3FFFFFFF
            return d - 0x40000000 if d & 0x20000000 else d

        def ticks_add(a: int, b: int) -> int:
            return (a + b) & 0x3FFFFFFF

        m.sleep = board.sleep
        m.sleep_ms = lambda ms: board.sleep(ms / 1000)
        m.sleep_us = lambda us: board.sleep(us / 1_000_000)
        m.ticks_ms, m.ticks_us, m.ticks_cpu = ticks_ms, ticks_us, ticks_us
        m.ticks_diff, m.ticks_add = ticks_diff, ticks_add
        m.time = lambda: sim.clock
        m.time_ns = lambda: int(sim.clock * 1e9)
        m.monotonic = lambda: sim.clock
        m.localtime = __import__("time").localtime
        return m

    def _machine_module(self) -> types.ModuleType:
        m = types.ModuleType("machine")
        board = self

        def pid(p: Any) -> Any:
            return p.id if isinstance(p, Pin) else p

        class Pin:
            IN, OUT, OPEN_DRAIN = 0, 1, 2
            PULL_UP, PULL_DOWN = 1, 2
            IRQ_FALLING, IRQ_RISING = 1, 2

            def __init__(self, id: Any, mode: int = -1, pull: int = -1, value: Any = None) -> None:
                self.id = id
                self.init(mode, pull, value)

            def init(self, mode: int = -1, pull: int = -1, value: Any = None) -> None:
                if mode != -1:
                    board.op("pin_mode", self.id, mode, pull)
                if value is not None:
                    self.value(value)

            def value(self, v: Any = None) -> Any:
                if v is None:
                    return board.op("pin_read", self.id)
                board.op("pin_write", self.id, 1 if v else 0)
                return None

            __call__ = value

            def on(self) -> None:
                self.value(1)

            def off(self) -> None:
                self.value(0)

            def toggle(self) -> None:
                self.value(0 if self.value() else 1)

            def irq(self, handler: Any = None, trigger: int = 3, **kw: Any) -> None:
                if handler is not None and self.id in board.sim._enc_pins:
                    board._irqs[self.id] = [handler, board.sim.body.ticks()[board.sim._enc_pins[self.id]]]

            def __repr__(self) -> str:
                return f"Pin({self.id!r})"

        class PWM:
            def __init__(self, pin: Any, freq: int = 1000, duty_u16: int = 0, **kw: Any) -> None:
                self.pin, self._freq, self._duty = pid(pin), int(freq), int(duty_u16)
                if "duty" in kw:
                    self._duty = int(kw["duty"]) * 64
                self._send()

            def _send(self) -> None:
                board.op("pwm", self.pin, self._freq, self._duty)

            def freq(self, f: int | None = None) -> int | None:
                if f is None:
                    return self._freq
                self._freq = int(f)
                self._send()
                return None

            def duty_u16(self, d: int | None = None) -> int | None:
                if d is None:
                    return self._duty
                self._duty = max(0, min(65535, int(d)))
                self._send()
                return None

            def duty(self, d: int | None = None) -> int | None:
                if d is None:
                    return self._duty >> 6
                self.duty_u16(int(d) * 64)
                return None

            def deinit(self) -> None:
                self._duty = 0
                self._send()

        class ADC:
            ATTN_0DB, ATTN_11DB, WIDTH_12BIT = 0, 3, 12

            def __init__(self, pin: Any, **kw: Any) -> None:
                self.pin = pid(pin)

            def read_u16(self) -> int:
                return int(board.op("adc_read", self.pin))

            def read(self) -> int:
                return self.read_u16() >> 4

            def atten(self, a: int) -> None:
                pass

            def width(self, w: int) -> None:
                pass

        class I2C:
            def __init__(self, id: int = 0, scl: Any = None, sda: Any = None, freq: int = 400000) -> None:
                self.bus = id

            def scan(self) -> list[int]:
                return board.op("i2c_scan", self.bus)

            def writeto(self, addr: int, buf: bytes, stop: bool = True) -> int:
                board.op("i2c_write", self.bus, addr, bytes(buf))
                return len(buf)

            def readfrom(self, addr: int, n: int, stop: bool = True) -> bytes:
                return bytes(board.op("i2c_read", self.bus, addr, n))

            def writeto_mem(self, addr: int, reg: int, buf: bytes, addrsize: int = 8) -> None:
                self.writeto(addr, bytes([reg]) + bytes(buf))

            def readfrom_mem(self, addr: int, reg: int, n: int, addrsize: int = 8) -> bytes:
                self.writeto(addr, bytes([reg]), False)
                return self.readfrom(addr, n)

        class Signal:
            def __init__(self, pin: Any, invert: bool = False) -> None:
                self.pin = pin if isinstance(pin, Pin) else Pin(pin, Pin.OUT)
                self.invert = invert

            def value(self, v: Any = None) -> Any:
                if v is None:
                    return self.pin.value() ^ self.invert
                self.pin.value((1 if v else 0) ^ self.invert)
                return None

            def on(self) -> None:
                self.value(1)

            def off(self) -> None:
                self.value(0)

        class Timer:  # periodic callbacks are not simulated in the fast grader
            ONE_SHOT, PERIODIC = 0, 1

            def __init__(self, id: int = -1, **kw: Any) -> None:
                pass

            def init(self, **kw: Any) -> None:
                pass

            def deinit(self) -> None:
                pass

        def time_pulse_us(pin: Any, level: int, timeout_us: int = 1000000) -> int:
            return board.op("time_pulse_us", pid(pin), level, timeout_us)

        def reset() -> None:
            raise SystemExit(0)

        for name, obj in dict(Pin=Pin, PWM=PWM, ADC=ADC, I2C=I2C, SoftI2C=I2C, Signal=Signal, Timer=Timer,
                              time_pulse_us=time_pulse_us, reset=reset, soft_reset=reset).items():
            setattr(m, name, obj)
        m.freq = lambda f=None: 125_000_000
        m.unique_id = lambda: b"simulated"
        m.idle = lambda: board.sleep(0.001)
        m.lightsleep = m.deepsleep = lambda ms=0: board.sleep(ms / 1000)
        m.disable_irq = lambda: 0
        m.enable_irq = lambda state=0: None
        return m

    def _micropython_module(self) -> types.ModuleType:
        m = types.ModuleType("micropython")
        m.const = lambda x: x
        m.schedule = lambda f, arg: f(arg)
        m.alloc_emergency_exception_buf = lambda n: None
        m.mem_info = lambda *a: None
        m.native = m.viper = lambda f: f
        return m
