"""The simulator behind a virtual board's ``machine`` shim — the plug for drone/robot labs.

Board code on a virtual board uses ``machine.Pin``, ``PWM``, ``ADC``, ``I2C`` as on a real
board. The shim (``virtual/mpy/machine.py``) turns each call into one request to a
:class:`BoardSimulator` living in the host process that runs the virtual board (the
notebook kernel, or ``youthlab board virtual``). To simulate a drone, a robot or a
sensor, subclass it and override what you need::

    class LightSensorSim(BoardSimulator):
        def adc_read(self, pin):            # 0..65535, like ADC.read_u16()
            return int(32768 + 30000 * math.sin(self.now()))

    board = VirtualBoard("demo", simulator=LightSensorSim())

Interface (all called from a server thread; keep them quick, return plain values):

=====================================  ======================================================
``pin_mode(pin, mode, pull)``          ``Pin(pin, mode)``; ``mode`` 0 = IN, 1 = OUT
``pin_write(pin, value)``              ``Pin.value(v)`` / ``on()`` / ``off()`` (value 0/1)
``pin_read(pin) -> int``               ``Pin.value()``
``pwm(pin, freq, duty_u16)``           ``PWM(...)``, ``freq()``, ``duty_u16()`` (0..65535)
``adc_read(pin) -> int``               ``ADC.read_u16()`` (0..65535)
``i2c_scan(bus) -> list[int]``         ``I2C.scan()``
``i2c_write(bus, addr, data: bytes)``  ``I2C.writeto()`` (and the register byte of
                                       ``writeto_mem`` / ``readfrom_mem``)
``i2c_read(bus, addr, n) -> bytes``    ``I2C.readfrom()``
``now() -> float``                     the simulator clock in seconds (default: monotonic
                                       time since the simulator started)
=====================================  ======================================================

The default :class:`BoardSimulator` remembers pin levels and PWM settings (``pins``,
``pwms``), logs every event in ``events`` (time, op, args) so widgets and checkers can
replay what the board did, returns ``adc_values[pin]`` for ADC reads and routes I2C to
``i2c_devices[addr]`` objects with ``write(data)`` / ``read(n)`` methods.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from typing import Any, Callable, Protocol


class I2CDevice(Protocol):
    def write(self, data: bytes) -> None: ...
    def read(self, n: int) -> bytes: ...


class BoardSimulator:
    """Host-side model of what is wired to a virtual board's pins."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()
        self.pins: dict[Any, int] = {}
        self.modes: dict[Any, int] = {}
        self.pwms: dict[Any, tuple[int, int]] = {}
        self.adc_values: dict[Any, int] = {}
        self.i2c_devices: dict[int, I2CDevice] = {}
        self.events: deque[tuple[float, str, dict]] = deque(maxlen=10000)
        self.listeners: list[Callable[[str, dict], None]] = []

    # -- clock -----------------------------------------------------------------------
    def now(self) -> float:
        """Simulator time in seconds."""
        return time.monotonic() - self._t0

    def _event(self, op: str, **args: Any) -> None:
        self.events.append((self.now(), op, args))
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

    def pwm(self, pin: Any, freq: int, duty_u16: int) -> None:
        self.pwms[pin] = (freq, duty_u16)
        self._event("pwm", pin=pin, freq=freq, duty_u16=duty_u16)

    def adc_read(self, pin: Any) -> int:
        return int(self.adc_values.get(pin, 0))

    def pin_edges(self, pin: Any) -> int:
        """How many interrupt edges ``pin`` has had so far (``Pin.irq`` on the board
        counts the new ones); a model with pulse outputs, e.g. wheel encoders, overrides it."""
        return 0

    def time_pulse_us(self, pin: Any, level: int = 1, timeout_us: int = 1000000) -> int:
        """``machine.time_pulse_us``: length of the next pulse in µs, or -2 (timed out)."""
        return -2

    # -- I2C -------------------------------------------------------------------------
    def i2c_scan(self, bus: int) -> list[int]:
        return sorted(self.i2c_devices)

    def i2c_write(self, bus: int, addr: int, data: bytes) -> None:
        dev = self._device(addr)
        dev.write(bytes(data))

    def i2c_read(self, bus: int, addr: int, n: int) -> bytes:
        return bytes(self._device(addr).read(n))[:n].ljust(n, b"\0")

    def _device(self, addr: int) -> I2CDevice:
        try:
            return self.i2c_devices[addr]
        except KeyError:
            raise OSError(19, "ENODEV") from None  # what a real bus says: no ACK


_OPS = {"pin_mode", "pin_write", "pin_read", "pwm", "adc_read", "i2c_scan", "i2c_write", "i2c_read",
        "pin_edges", "time_pulse_us"}


class SimServer:
    """Serves one simulator to the shim on 127.0.0.1 (JSON line per request and reply)."""

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
            self._serve_lines(conn)
        except OSError:
            pass  # the board went away mid-line (killed, reset): nothing left to answer

    def _serve_lines(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as rf:
            for line in rf:
                try:
                    req = json.loads(line)
                    op = req.pop("op")
                    if op not in _OPS:
                        raise ValueError(op)
                    if op == "i2c_write":
                        req["data"] = bytes(req["data"])
                    r = getattr(self.simulator, op)(**req)
                    if isinstance(r, (bytes, bytearray)):
                        r = list(r)
                    reply = {"r": r}
                except OSError as exc:
                    reply = {"error": exc.errno or 5}
                except Exception:
                    reply = {"error": 22}  # EINVAL
                try:
                    conn.sendall(json.dumps(reply).encode() + b"\n")
                except OSError:
                    return

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass
