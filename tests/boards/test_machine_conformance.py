"""One `machine`, three run modes: the same programs, the same simulator, the same story.

Each program runs (1) in this Python over the in-process transport (the fast grader's
way), (2) on the real MicroPython unix port over the pipe (the MicroPython grader's way)
and (3) on a virtual board through a Session, as a ``%%board`` cell runs (the socket
transport). What the simulator saw — every operation with its arguments, in order — and
what the program printed must be the same in all three.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from youthlab.boards.inprocess import InProcessTransport, Sandbox
from youthlab.boards.piped import run_piped
from youthlab.boards.errors import BoardUnplugged
from youthlab.boards.session import Session
from youthlab.boards.simulator import BoardSimulator
from youthlab.boards.virtual import VirtualBoard, micropython_binary

pytestmark = pytest.mark.skipif(not shutil.which("setsid"), reason="needs setsid")

PERIPHERALS = """\
from machine import Pin, PWM, ADC, I2C, SoftI2C, SPI, UART, Signal
import neopixel, dht
led = Pin(2, Pin.OUT)
led.on(); led.off(); led.value(1)
print("in", Pin(4, Pin.IN, Pin.PULL_UP).value())
Signal(Pin(3, Pin.OUT), invert=True).on()
p = PWM(Pin(5), freq=50, duty_ns=1500000)
p.duty_u16(30000)
print("pwm", p.duty_u16(), p.duty_ns(), p.freq())
a = ADC(Pin(26))
print("adc", a.read_u16(), a.read(), a.read_uv())
i2c = I2C(0, scl=Pin(1), sda=Pin(0))
print("scan", i2c.scan())
i2c.writeto_mem(0x3C, 7, b"\\x05")
print("mem", i2c.readfrom_mem(0x3C, 7, 2))
soft = SoftI2C(Pin(5), Pin(4))
try:
    soft.writeto(0x50, b"\\x00")
    print("absent device answered")
except OSError as e:
    print("absent", e.errno)
spi = SPI(1)
print("spi", spi.read(2))
u = UART(1, 9600)
u.write(b"hi")
print("uart", u.any(), u.read())
np = neopixel.NeoPixel(Pin(16), 3)
np[1] = (10, 20, 30)
np.write()
d = dht.DHT22(Pin(15))
d.measure()
print("dht", d.temperature(), d.humidity())
"""

TIMER = """\
from machine import Timer, Pin
import utime
n = [0]
led = Pin(2, Pin.OUT)
def tick(t):
    n[0] += 1
    led.value(n[0] & 1)
t = Timer(-1, freq=10, callback=tick)
utime.sleep(2)
t.deinit()
print("ticks", n[0])
"""

RESET = """\
import machine
print("before")
machine.reset()
print("after")
"""


class Register:
    """An I2C device: reads give the last byte written (the register number) + 1."""

    def __init__(self) -> None:
        self.reg = 0

    def write(self, data: bytes) -> None:
        self.reg = data[-1]

    def read(self, n: int) -> bytes:
        return bytes([self.reg + 1] * n)


def wired(sim: BoardSimulator) -> BoardSimulator:
    sim.adc_values[26] = 12345
    sim.i2c_devices[0x3C] = Register()
    sim.uart_rx[1] = bytearray(b"ok")
    return sim


def in_process(source: str) -> tuple[str, BoardSimulator]:
    sim = wired(BoardSimulator(clock="virtual"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        Sandbox(InProcessTransport(sim)).run(source, "main.py")
    return out.getvalue(), sim


def piped(source: str, tmp: Path) -> tuple[str, BoardSimulator]:
    sim = wired(BoardSimulator(clock="external"))
    main = tmp / "main.py"
    main.write_text(source, encoding="utf-8")
    run = run_piped(main, sim, micropython=micropython_binary(), wall_timeout=30)
    assert "Traceback" not in run.output, run.output
    return run.output, sim


def on_virtual_board(source: str, tmp: Path) -> tuple[str, BoardSimulator]:
    sim = wired(BoardSimulator(clock="real"))
    board = VirtualBoard(f"conf{os.getpid()}-{time.monotonic_ns() % 10**6}", fs_dir=tmp / "fs",
                         simulator=sim, publish=False).start()
    out: list[str] = []
    try:
        with Session(board.port, serial_number=board.serial_number, notify=lambda s: None) as session:
            try:
                session.exec(source, timeout=30, on_output=out.append)
            except BoardUnplugged:
                # a hard reset: the board's USB port goes and comes back, as a native-USB
                # board's does (what its supervisor makes of it is the board's business)
                assert sim.resets, "".join(out)
    finally:
        board.stop()
    return "".join(out).replace("\r\n", "\n"), sim


def seen(sim: BoardSimulator) -> list:
    """What the simulator saw, as plain JSON values (the socket and the pipe carry JSON)."""
    return [(op, json.loads(json.dumps(list(args)))) for op, args in sim.calls]


@pytest.fixture
def three_modes(tmp_path):
    def run(source: str) -> dict[str, tuple[str, BoardSimulator]]:
        return {"in-process": in_process(source), "pipe": piped(source, tmp_path),
                "virtual board": on_virtual_board(source, tmp_path)}
    return run


def test_peripherals_are_the_same_in_every_run_mode(three_modes):
    runs = three_modes(PERIPHERALS)
    out, sim = runs["in-process"]
    assert "absent 19" in out  # MicroPython's answer to an absent I2C device: ENODEV
    assert "adc 12345 771 621629\n" in out and "uart 2 b'ok'" in out and "pwm 30000 9155413 50" in out
    assert sim.pixels(16) == [(0, 0, 0), (10, 20, 30), (0, 0, 0)]
    assert bytes(sim.uart_tx[1]) == b"hi"
    for mode, (other_out, other_sim) in runs.items():
        assert other_out == out, mode
        assert seen(other_sim) == seen(sim), mode
        assert other_sim.pins == sim.pins and other_sim.pwms == sim.pwms, mode
        assert other_sim.pixels(16) == sim.pixels(16), mode


def test_timer_callbacks_run_while_utime_sleeps_in_every_run_mode(three_modes):
    runs = three_modes(TIMER)
    simulated = [runs["in-process"], runs["pipe"]]
    for out, sim in simulated:  # a simulated clock is exact
        assert out == "ticks 20\n"
        assert seen(sim)[1:] == seen(simulated[0][1])[1:]
    out, sim = runs["virtual board"]  # real time: as a board, give or take a tick
    assert out.startswith("ticks ") and 18 <= int(out.split()[1]) <= 21, out
    assert len([c for c in sim.calls if c[0] == "pin_write"]) == int(out.split()[1])


def test_reset_ends_the_program_at_once_in_every_run_mode(three_modes):
    for mode, (out, sim) in three_modes(RESET).items():
        assert out == "before\n", mode  # nothing after reset() runs
        assert sim.resets == ["reset"], mode
