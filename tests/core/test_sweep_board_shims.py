"""The board shims after the sweep that folded them (444b6c3 ``machine``: Pin and Signal share
one switch, PWM sets every duty through ``init``, shared no-op bus methods; 37abfd6 ``time``:
one ticks_ms/ticks_us over the run mode's clock): the MicroPython call forms the tutorials
and the club's board files use still work, alike in this Python (the fast grader), on the
MicroPython unix port over the grader's pipe (simulated clock) and on the bare unix port
(real time, the clock a virtual board uses). The other tests use few of these forms.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import subprocess
from pathlib import Path

import pytest

from youthlab.boards.inprocess import InProcessTransport, Sandbox
from youthlab.boards.piped import run_piped
from youthlab.boards.simulator import MPY_DIR, BoardSimulator
from youthlab.boards.virtual import micropython_binary

FORMS = """\
from machine import Pin, Signal, PWM, ADC, I2C, SoftI2C, SPI, UART
import time
out = []
p = Pin(2, Pin.OUT)
p.high(); out.append(p.value()); p.low(); out.append(p.value())
p(1); out.append(p()); p.toggle(); out.append(p())
s = Signal(Pin(3, Pin.OUT), invert=True)
s.on(); out.append((s.value(), s.pin.value()))
s.off(); out.append((s(), s.pin.value()))
s(1); out.append(s())
w = PWM(Pin(5), freq=1000)
w.duty(512); out.append((w.duty(), abs(w.duty_u16() - 32768) < 64))
kept = w.duty_u16(); w.freq(50); out.append((w.freq(), w.duty_u16() == kept))
w.duty_ns(1500000); out.append(abs(w.duty_u16() - 4915) <= 1)
w.init(freq=100, duty_u16=1000); out.append((w.freq(), w.duty_u16()))
w.deinit()
a = ADC(Pin(26)); a.init(atten=ADC.ATTN_11DB); a.atten(ADC.ATTN_11DB); a.width(ADC.WIDTH_10BIT)
out.append(0 <= a.read() <= 1023)
i2c = I2C(0, scl=Pin(1), sda=Pin(0)); i2c.init(scl=Pin(1), sda=Pin(0), freq=100000); i2c.deinit()
soft = SoftI2C(Pin(5), Pin(4)); soft.init(scl=Pin(5), sda=Pin(4)); soft.deinit()
spi = SPI(1); spi.init(baudrate=2000000); spi.deinit()
u = UART(1, 9600); u.init(baudrate=115200); u.write(b"x"); u.flush(); u.sendbreak(); out.append(u.txdone()); u.deinit()
t0 = time.ticks_ms()
out.append((time.ticks_diff(time.ticks_add(t0, 500), t0), time.ticks_diff(t0, time.ticks_add(t0, 250))))
out.append(isinstance(time.ticks_cpu(), int))
# ticks_us counts microseconds of the clock sleep uses (not ms, not ns); a sleep lasts at
# least its time, as on a board, each of 20 times
spans = []
for _ in range(20):
    us0 = time.ticks_us(); time.sleep_ms(5); spans.append(time.ticks_diff(time.ticks_us(), us0))
out.append(4990 <= min(spans) and max(spans) < 1000000 or spans)
print(repr(out))
"""

EXPECTED = [1, 0, 1, 0, (1, 0), (0, 1), 1, (512, True), (50, True), True, (100, 1000), True, True,
            (500, -250), True, True]


def in_process() -> tuple[str, BoardSimulator]:
    sim = BoardSimulator(clock="virtual")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        Sandbox(InProcessTransport(sim)).run(FORMS, "main.py")
    return out.getvalue(), sim


def piped(tmp: Path) -> tuple[str, BoardSimulator]:
    sim = BoardSimulator(clock="external")
    main = tmp / "main.py"
    main.write_text(FORMS, encoding="utf-8")
    run = run_piped(main, sim, micropython=micropython_binary(), wall_timeout=60)
    return run.output, sim


def bare_unix_port(tmp: Path) -> str:
    """The unix port with the board modules first on its path and no host: the transport
    that keeps pin levels itself (``_ylab_local``), real time."""
    main = tmp / "bare.py"
    main.write_text(FORMS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YLAB_")}
    env["MICROPYPATH"] = str(MPY_DIR)
    done = subprocess.run([micropython_binary(), str(main)], capture_output=True, text=True, env=env,
                          cwd=tmp, timeout=60)
    return done.stdout + done.stderr


def _values(output: str) -> list:
    lines = [line for line in output.splitlines() if line.startswith("[")]
    assert lines, output
    return ast.literal_eval(lines[-1])


@pytest.mark.timeout(180)
def test_micropython_call_forms_work_alike_in_the_three_run_modes(tmp_path):
    out, sim = in_process()
    assert _values(out) == EXPECTED, out
    assert sim.pins[2] == 0 and sim.pins[3] == 0  # toggled off; an inverted Signal on(1): pin low
    assert sim.pwms[5] == (100, 0)  # deinit: the pin's PWM off at the frequency it had
    assert bytes(sim.uart_tx[1]) == b"x"

    out, piped_sim = piped(tmp_path)
    assert "Traceback" not in out and _values(out) == EXPECTED, out
    assert piped_sim.pins == sim.pins and piped_sim.pwms == sim.pwms

    out = bare_unix_port(tmp_path)
    assert "Traceback" not in out and _values(out) == EXPECTED, out

