"""The hardware behind a board that is not real: :class:`BoardSimulator`.

Board code off real hardware uses MicroPython's ``machine`` as on a board. That module
is written once (``youthlab/boards/virtual/mpy/machine.py``) over a tiny I/O seam
(``_ylab_io``: ``call`` / ``sleep`` / ``now``) with one transport per run mode:

============  =====================================  ==============================
run mode      transport (board side → host side)     host end
============  =====================================  ==============================
virtual board loopback socket, one JSON line each     :class:`SimServer` (here)
MicroPython   ``\\x1e``-marked lines on the pipe       :mod:`youthlab.boards.piped`
grader
fast grader   function calls in this Python           :mod:`youthlab.boards.inprocess`
============  =====================================  ==============================

Every ``call(op, *args)`` lands in :meth:`BoardSimulator.handle`: ``op`` is the name of
one of the simulator's methods below (:attr:`BoardSimulator.OPS`); the simulated cost
of each (:attr:`BoardSimulator.OP_COST`) lives here alone. To simulate a drone, a robot
or a sensor, subclass and override what you need::

    class LightSensorSim(BoardSimulator):
        def adc_read(self, pin):            # 0..65535, like ADC.read_u16()
            return int(32768 + 30000 * math.sin(self.now()))

    board = VirtualBoard("demo", simulator=LightSensorSim())

A centre's simulator is one file plus one line under the ``youthlab.simulators`` entry
point (``light = "my_sims:LightSensorSim"``): then ``youthlab board virtual --sim light``
and ``%board connect virtual --sim light`` start a board with it behind the pins
(:func:`make_simulator`). Built in: ``pins`` (this class) and ``robot-car``
(:class:`youthlab.robot.car.RobotBoardSim`). A board started so plays the simulator's
board profile unless told another.

The default simulator remembers pin levels, PWM settings, NeoPixel strips, UART bytes
(``pins``, ``pwms``, ``strips``, ``uart_tx``); reads come from values a notebook can set
(``adc_values``, ``dht_values``, ``uart_rx``, ``i2c_devices[addr]`` objects with
``write(data)`` / ``read(n)``); ``calls`` keeps every operation the board made, in order,
and ``events`` what a widget may show (time, op, args).
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Protocol

import yaml

from youthlab.boards.errors import UnknownSimulator
from youthlab.i18n import t
from youthlab.paths import hardware_dir
from youthlab.plugins import BROKEN_HINT_KEY, BROKEN_KEY, PluginBroken, PluginNotFound, plugin_class, plugin_names

#: The board side of the seam: MicroPython's modules for boards off real hardware.
MPY_DIR = Path(__file__).with_name("virtual") / "mpy"
#: Board profiles the virtual board can play (MicroPython's ports of the same names).
PROFILES: dict[str, dict[str, Any]] = {
    "rp2040": {"platform": "rp2", "chip": "RP2040", "freq": 125_000_000, "modules": ["rp2"]},
    "esp32": {"platform": "esp32", "chip": "ESP32", "freq": 160_000_000, "modules": ["esp32", "esp"]},
}
# Reset causes, as machine.reset_cause() numbers them.
PWRON_RESET, HARD_RESET, WDT_RESET, DEEPSLEEP_RESET, SOFT_RESET = 1, 2, 3, 4, 5
_RESET_KINDS = {"reset": HARD_RESET, "soft_reset": SOFT_RESET, "deepsleep": DEEPSLEEP_RESET,
                "wdt": WDT_RESET}


class I2CDevice(Protocol):
    def write(self, data: bytes) -> None: ...
    def read(self, n: int) -> bytes: ...


@lru_cache(maxsize=None)
def board_profile(name: str) -> dict[str, Any]:
    """A board profile, with the on-board LED pin of that chip from ``hardware/boards.yaml``."""
    if name not in PROFILES:
        raise ValueError(f"unknown board profile {name!r} (known: {', '.join(PROFILES)})")
    prof = dict(PROFILES[name], name=name, led=None)
    data = yaml.safe_load((hardware_dir() / "boards.yaml").read_text(encoding="utf-8"))
    for entry in data.get("boards", []):
        if entry.get("chip") == prof["chip"] and entry.get("led") is not None:
            prof.update(led=entry["led"], board=entry["name"])
            break
    return prof


class BoardSimulator:
    """Host-side model of what is wired to a board's pins.

    ``clock``: ``"real"`` (the board runs in real time: a virtual board), ``"virtual"``
    (time moves only when the program sleeps; each operation costs :attr:`OP_COST`: the
    fast grader) or ``"external"`` (the board side keeps the clock and sends it with each
    operation: the MicroPython grader).
    """

    #: Operations a board may call (the board side's ``_ylab_io.call(op, *args)``).
    OPS = frozenset({
        "pin_mode", "pin_write", "pin_read", "pin_edges", "pwm", "adc_read", "time_pulse_us",
        "i2c_scan", "i2c_write", "i2c_read", "spi_transfer", "uart_write", "uart_read", "uart_any",
        "bitstream", "neopixel", "dht_read", "mcu_temperature", "reset", "reset_cause",
        "profile", "text", "costs"})
    #: Operations that ask about the board rather than use its hardware: not in ``calls``, free.
    META_OPS = frozenset({"profile", "text", "costs"})
    #: Simulated seconds one operation takes on a board (virtual and external clocks).
    #: ``pin_edges`` is free: on a board, interrupts are the hardware's work, not the program's.
    OP_COST: dict[str, float] = {
        "pin_mode": 5e-6, "pin_write": 5e-6, "pin_read": 5e-6, "pin_edges": 0.0, "pwm": 1e-5,
        "adc_read": 5e-5, "i2c_write": 2e-4, "i2c_read": 2e-4, "i2c_scan": 1e-3, "time_pulse_us": 0.0}
    DEFAULT_COST = 5e-6

    def __init__(self, *, clock: str = "real", profile: str = "rp2040") -> None:
        if clock not in ("real", "virtual", "external"):
            raise ValueError(clock)
        self.clock_mode = clock
        self.clock = 0.0  # seconds, for the virtual and external clocks
        self.profile_name = profile
        board_profile(profile)  # fail early on an unknown profile
        self._started = time.monotonic()
        self.pins: dict[Any, int] = {}
        self.modes: dict[Any, int] = {}
        self.pwms: dict[Any, tuple[int, int]] = {}
        self.adc_values: dict[Any, int] = {}
        self.dht_values: dict[Any, tuple[float, float]] = {}
        self.i2c_devices: dict[int, I2CDevice] = {}
        self.spi_devices: dict[Any, Callable[[bytes], bytes]] = {}
        self.uart_rx: dict[Any, bytearray] = {}
        self.uart_tx: dict[Any, bytearray] = {}
        self.strips: dict[Any, tuple[int, int]] = {}  # NeoPixel pin -> (n, bytes per pixel)
        self.bitstreams: dict[Any, bytes] = {}
        self.resets: list[str] = []
        self.calls: deque[tuple[str, list | tuple]] = deque(maxlen=100000)
        self.events: deque[tuple[float, str, dict]] = deque(maxlen=10000)
        self.events_total = 0  # every event ever recorded (``events`` keeps the newest)
        self._run_start = 0
        self.listeners: list[Callable[[str, dict], None]] = []
        self._hardware_ops = {op: getattr(self, op) for op in self.OPS - self.META_OPS}

    def start_run(self) -> None:
        """A ``%%board`` cell starts: :meth:`run_events` will be what it does."""
        self._run_start = self.events_total

    def run_events(self) -> list[tuple[float, str, dict]]:
        """The events since the last :meth:`start_run` (the last ``%%board`` cell), so a
        lab check judges that cell alone, not a ``main.py`` at boot or an earlier run."""
        count = min(self.events_total - self._run_start, len(self.events))
        return list(self.events)[len(self.events) - count:] if count else []

    # -- the seam --------------------------------------------------------------------
    def handle(self, op: str, args: list | tuple) -> Any:
        """Run one board operation (what every transport calls)."""
        method = self._hardware_ops.get(op)
        if method is None:
            if op not in self.META_OPS:
                raise ValueError(op)
            return getattr(self, op)(*args)
        self.calls.append((op, args))
        if self.clock_mode == "virtual":
            self.clock += self.OP_COST.get(op, self.DEFAULT_COST)
        return method(*args)

    def answer(self, op: str, args: list | tuple) -> dict[str, Any]:
        """:meth:`handle` as a JSON-ready reply: ``{"r": result}`` or ``{"error": errno}``."""
        try:
            r = self.handle(op, args)
        except OSError as exc:
            return {"error": exc.errno or 5}
        except Exception:
            return {"error": 22}  # EINVAL: what a port says to arguments it cannot take
        if isinstance(r, (bytes, bytearray)):
            r = list(r)
        return {"r": r}

    def costs(self) -> dict[str, float]:
        """The cost table, for a board side that keeps its own clock (external)."""
        return dict(self.OP_COST, _default=self.DEFAULT_COST)

    def profile(self, name: str | None = None) -> dict[str, Any]:
        """Which board this is (``machine.freq()``, which of ``esp32``/``rp2`` exist …):
        ``name`` when the board knows its profile (a virtual board's), else this simulator's."""
        return board_profile(name if name in PROFILES else self.profile_name)

    def text(self, key: str, params: dict | None = None) -> str:
        """A user message for the board side, in the kernel's language (ko/en catalogue)."""
        if not key.startswith("machine."):
            raise ValueError(key)
        return t(key, **(params or {}))

    # -- clock -----------------------------------------------------------------------
    def now(self) -> float:
        """Simulator time in seconds."""
        if self.clock_mode == "real":
            return time.monotonic() - self._started
        return self.clock

    def restart_clock(self) -> None:
        """Real clock: count from now (the moment a program starts on the board)."""
        self._started = time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Virtual clock: let ``seconds`` pass."""
        if seconds > 0 and self.clock_mode == "virtual":
            self.clock += seconds
        self.sync()

    def set_clock(self, seconds: float) -> None:
        """External clock: the board side says what time it is."""
        if seconds > self.clock:
            self.clock = seconds
        self.sync()

    def sync(self) -> None:
        """Bring the model up to :meth:`now` (a model with physics overrides it)."""

    def _event(self, op: str, **args: Any) -> None:
        self.events.append((self.now(), op, args))
        self.events_total += 1
        for listener in list(self.listeners):
            try:
                listener(op, args)
            except Exception:  # a broken widget must not break the board
                pass

    # -- pins ------------------------------------------------------------------------
    def pin_mode(self, pin: Any, mode: int, pull: int = -1) -> None:
        self.modes[pin] = mode
        self._event("pin_mode", pin=pin, mode=mode)

    def pin_write(self, pin: Any, value: int) -> None:
        self.pins[pin] = value
        self._event("pin_write", pin=pin, value=value)

    def pin_read(self, pin: Any) -> int:
        return int(self.pins.get(pin, 0))

    def pin_edges(self, pins: list) -> list[int]:
        """How many interrupt edges each of ``pins`` has had so far (``Pin.irq`` on the
        board counts the new ones); a model with pulse outputs (wheel encoders) overrides it."""
        return [0] * len(pins)

    def time_pulse_us(self, pin: Any, level: int = 1, timeout_us: int = 1000000) -> int:
        """``machine.time_pulse_us``: length of the next pulse in µs, or -2 (timed out).
        The board side then waits that long itself."""
        return -2

    def pwm(self, pin: Any, freq: int, duty_u16: int) -> None:
        self.pwms[pin] = (freq, duty_u16)
        self._event("pwm", pin=pin, freq=freq, duty_u16=duty_u16)

    def adc_read(self, pin: Any) -> int:
        """``ADC.read_u16()``: ``adc_values[pin]`` if set, else a sensor in room light
        (a slow wave around mid-scale, as a floating input on a real board is never 0)."""
        if pin in self.adc_values:
            return int(self.adc_values[pin])
        return int(30000 + 2000 * math.sin(self.now() / 3))

    def bitstream(self, pin: Any, encoding: int, timing: list, data: list | bytes) -> None:
        """``machine.bitstream``: the bytes sent on ``pin`` (a NeoPixel strip's colours)."""
        self.bitstreams[pin] = bytes(data)
        if pin in self.strips:
            self._event("neopixel", pin=pin, pixels=self.pixels(pin))

    def neopixel(self, pin: Any, n: int, bpp: int) -> None:
        """A ``neopixel.NeoPixel(pin, n, bpp)`` strip was set up on ``pin``."""
        self.strips[pin] = (int(n), int(bpp))

    def pixels(self, pin: Any) -> list[tuple[int, ...]]:
        """The strip on ``pin`` as (r, g, b[, w]) per LED, decoded from what was last sent."""
        n, bpp = self.strips.get(pin, (0, 3))
        data = self.bitstreams.get(pin, b"").ljust(n * bpp, b"\0")
        out = []
        for i in range(n):
            g, r, b, *w = data[i * bpp:(i + 1) * bpp]
            out.append((r, g, b, *w))
        return out

    def dht_read(self, pin: Any, kind: int) -> list[float]:
        """``dht.DHT11/DHT22(pin).measure()``: [°C, %RH] (``dht_values[pin]`` if set)."""
        temp, hum = self.dht_values.get(pin, (23.5, 45.0))
        return [int(temp), int(hum)] if kind == 11 else [round(temp, 1), round(hum, 1)]

    def mcu_temperature(self) -> float:
        return 41.0

    # -- buses -----------------------------------------------------------------------
    def i2c_scan(self, bus: Any) -> list[int]:
        return sorted(self.i2c_devices)

    def i2c_write(self, bus: Any, addr: int, data: list | bytes) -> None:
        self._device(addr).write(bytes(data))

    def i2c_read(self, bus: Any, addr: int, n: int) -> bytes:
        return bytes(self._device(addr).read(n))[:n].ljust(n, b"\0")

    def _device(self, addr: int) -> I2CDevice:
        try:
            return self.i2c_devices[addr]
        except KeyError:
            raise OSError(19, "ENODEV") from None  # what a real bus says: no ACK

    def spi_transfer(self, bus: Any, data: list | bytes) -> bytes:
        """Clock ``data`` out and as many bytes in (MISO floats high with nothing on it)."""
        device = self.spi_devices.get(bus)
        if device is None:
            return b"\xff" * len(data)
        return bytes(device(bytes(data)))[:len(data)].ljust(len(data), b"\xff")

    def uart_write(self, uart: Any, data: list | bytes) -> int:
        self.uart_tx.setdefault(uart, bytearray()).extend(bytes(data))
        return len(data)

    def uart_read(self, uart: Any, n: int) -> bytes:
        buf = self.uart_rx.setdefault(uart, bytearray())
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def uart_any(self, uart: Any) -> int:
        return len(self.uart_rx.get(uart, b""))

    # -- power -----------------------------------------------------------------------
    def reset(self, kind: str) -> None:
        """The board is about to reset (``machine.reset()``, ``deepsleep()``, a watchdog)."""
        self.resets.append(kind)
        self._event("reset", kind=kind)

    def reset_cause(self) -> int:
        return _RESET_KINDS.get(self.resets[-1], SOFT_RESET) if self.resets else PWRON_RESET


SIMULATORS = "youthlab.simulators"


def simulator_names() -> list[str]:
    """The names of every registered simulator, sorted."""
    return plugin_names(SIMULATORS)


def make_simulator(name: str) -> BoardSimulator:
    """A new simulator of the kind registered as ``name`` (its defaults);
    :class:`~youthlab.boards.errors.UnknownSimulator` (ko/en) if none loads."""
    try:
        cls = plugin_class(SIMULATORS, name, BoardSimulator)
    except PluginBroken as exc:
        raise UnknownSimulator(BROKEN_KEY, BROKEN_HINT_KEY, name=name, group=SIMULATORS, detail=exc.detail) from exc
    except PluginNotFound as exc:
        raise UnknownSimulator(name=name, names=exc.detail) from exc
    return cls()


class SimServer:
    """The socket transport's host end: serves one simulator on 127.0.0.1.

    One JSON line per request (``[op, [args…]]``) and per reply (``{"r": …}`` or
    ``{"error": errno}``).
    """

    def __init__(self, simulator: BoardSimulator, host: str = "127.0.0.1") -> None:
        self.simulator = simulator
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(8)
        self.port: int = self._sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="ylab-sim").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn, conn.makefile("rb") as rf:
                for line in rf:
                    try:
                        op, args = json.loads(line)
                        reply = self.simulator.answer(op, args)
                    except (ValueError, TypeError):
                        reply = {"error": 22}
                    conn.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:
            pass  # the board went away mid-line (killed, reset): nothing left to answer

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass
