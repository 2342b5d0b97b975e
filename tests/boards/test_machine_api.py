"""The board's MicroPython API on the virtual board, as tutorials for the ESP32 and the
Pico use it (MicroPython's quick references): one test per thing a learner would try,
run on the board through a Session (as ``%%board`` does) or unmodified mpremote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.boards.conftest import start_board, stop_board
from youthlab.boards.errors import BoardCodeError, BoardUnplugged
from youthlab.boards.session import Session
from youthlab.i18n import t

MPREMOTE = str(Path(sys.executable).with_name("mpremote"))


def board_name() -> str:
    return f"api{os.getpid()}-{time.monotonic_ns() % 10**6}"


@pytest.fixture
def board(tmp_path):
    boards = []

    def make(files: dict[str, str] | None = None, **kw):
        name = board_name()
        fs = tmp_path / f"{name}-fs"  # where start_board puts the board's filesystem
        fs.mkdir()
        for path, text in (files or {}).items():
            (fs / path).write_text(text)
        vb = start_board(tmp_path, name, **kw)
        boards.append(vb)
        return vb

    yield make
    for vb in boards:
        stop_board(vb)


def run(vb, code: str, timeout: float = 30) -> str:
    out: list[str] = []
    with Session(vb.port, serial_number=vb.serial_number, notify=lambda s: None) as session:
        session.exec(code, on_output=out.append, timeout=timeout)
    return "".join(out).replace("\r\n", "\n")


def run_through_reset(vb, code: str) -> str:
    """Run code that resets the board: its output up to the reset (the Session may see
    the board's USB port go away, as with a native-USB board, or ride through it)."""
    out: list[str] = []
    with Session(vb.port, serial_number=vb.serial_number, notify=lambda s: None) as session:
        try:
            session.exec(code, on_output=out.append, timeout=30)
        except BoardUnplugged:
            pass
    return "".join(out).replace("\r\n", "\n")


def error_of(vb, code: str) -> str:
    with Session(vb.port, serial_number=vb.serial_number, notify=lambda s: None) as session:
        with pytest.raises(BoardCodeError) as info:
            session.exec(code, timeout=30)
    return info.value.traceback


def test_pico_timer_tutorial_with_utime_fires_on_time(board, tmp_path):
    script = tmp_path / "blink.py"
    script.write_text("from machine import Pin, Timer\nimport utime\nled = Pin('LED', Pin.OUT)\n"
                      "n = [0]\ndef tick(timer):\n    n[0] += 1\n    led.toggle()\n"
                      "Timer(freq=10, mode=Timer.PERIODIC, callback=tick)\nutime.sleep(2)\nprint(n[0])\n")
    vb = board(profile="rp2040")
    r = subprocess.run([MPREMOTE, "connect", vb.port, "run", str(script)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert 18 <= int(r.stdout.strip()) <= 21  # ten a second for two seconds, as on a Pico
    assert len([c for c in vb.simulator.calls if c[0] == "pin_write" and c[1][0] == "LED"]) >= 18


def test_rtc_keeps_the_time_it_was_set_to(board):
    out = run(board(), "from machine import RTC\nimport time\nrtc = RTC()\n"
                       "rtc.datetime((2026, 11, 30, 0, 9, 59, 58, 0))\ntime.sleep(2.2)\n"
                       "print(rtc.datetime()[:7])")
    # set to 09:59:58, then 2.2 s later (give or take a busy machine) it is past 10:00
    assert re.fullmatch(r"\(2026, 11, 30, 0, 10, 0, [0-3]\)", out.strip()), out


def test_spi_talks_to_what_the_simulator_wires_to_it(board):
    vb = board()
    out = run(vb, "from machine import SPI, Pin\nspi = SPI(1, baudrate=1000000, sck=Pin(14), mosi=Pin(13), miso=Pin(12))\n"
                  "print(spi.read(2))")
    assert out.strip() == "b'\\xff\\xff'"  # nothing on the bus: MISO floats high
    vb.simulator.spi_devices[1] = lambda data: bytes(b ^ 0xFF for b in data)
    out = run(vb, "from machine import SPI\nspi = SPI(1)\nbuf = bytearray(3)\n"
                  "spi.write_readinto(b'\\x01\\x02\\x03', buf)\nprint(bytes(buf))")
    assert out.strip() == "b'\\xfe\\xfd\\xfc'"


def test_uart_bytes_reach_the_simulator_and_back(board):
    vb = board()
    vb.simulator.uart_rx[2] = bytearray(b"GPS,1\nGPS,2\n")
    out = run(vb, "from machine import UART\nu = UART(2, baudrate=9600, tx=17, rx=16)\n"
                  "print(u.write('hello'), u.readline(), u.any())")
    assert out.strip() == "5 b'GPS,1\\n' 6"
    assert bytes(vb.simulator.uart_tx[2]) == b"hello"


def test_a_hungry_watchdog_resets_the_board(board):
    vb = board()
    out = run_through_reset(vb, "from machine import WDT\nimport time\nw = WDT(timeout=300)\n"
                                "for i in range(3):\n    w.feed()\n    time.sleep(0.1)\nprint('fed')\n"
                                "time.sleep(2)\nprint('never')\n")
    assert out.split() == ["fed"]
    assert vb.simulator.resets == ["wdt"]


def test_bitstream_and_neopixel_strip_show_in_the_simulator(board):
    vb = board()
    run(vb, "import neopixel, machine\nnp = neopixel.NeoPixel(machine.Pin(5), 4)\n"
            "np.fill((0, 0, 40))\nnp[0] = (255, 128, 0)\nnp.write()\n"
            "machine.bitstream(machine.Pin(6), 0, (400, 850, 800, 450), b'\\x01\\x02')")
    assert vb.simulator.pixels(5) == [(255, 128, 0), (0, 0, 40), (0, 0, 40), (0, 0, 40)]
    assert vb.simulator.bitstreams[6] == b"\x01\x02"


def test_deepsleep_ends_the_program_and_the_board_wakes_from_it(board):
    # the ESP32 deep-sleep tutorial: main.py looks at why the board woke up
    vb = board(profile="esp32", files={"main.py": (
        "import machine\n"
        "if machine.reset_cause() == machine.DEEPSLEEP_RESET:\n"
        "    with open('wake.txt', 'w') as f:\n"
        "        f.write('%d %d' % (machine.reset_cause(), machine.wake_reason()))\n"
        "else:\n"
        "    machine.deepsleep(200)\n"
        "    open('after.txt', 'w').write('ran on')\n")})
    woke = vb.fs_dir / "wake.txt"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (woke.exists() and woke.read_text()):
        time.sleep(0.05)
    assert woke.read_text() == "4 4"  # DEEPSLEEP_RESET, TIMER_WAKE
    assert not (vb.fs_dir / "after.txt").exists()  # nothing after deepsleep() ran
    assert vb.simulator.resets == ["deepsleep"]


def test_reset_under_mpremote_run_ends_at_once(board, tmp_path):
    script = tmp_path / "restart.py"
    script.write_text("import machine\nprint('bye')\nmachine.reset()\nprint('still here')\n")
    vb = board()
    t0 = time.monotonic()
    r = subprocess.run([MPREMOTE, "connect", vb.port, "run", str(script)], capture_output=True,
                       text=True, timeout=30)
    assert time.monotonic() - t0 < 15  # it does not hang
    assert r.stdout.replace("\r", "") == "bye\n", r.stderr  # nothing after reset() ran
    assert vb.simulator.resets == ["reset"]


@pytest.mark.alone  # the host's delay is measured against the relay's patience
def test_a_host_that_reads_late_still_gets_the_last_words_before_a_reset(board):
    # A busy station (a loaded kernel, a slow mpremote) reads the port a second late:
    # what the program printed before machine.reset() must not vanish with the port.
    import serial

    vb = board()
    port = serial.Serial(vb.port, 115200, timeout=5)
    try:
        port.write(b"\r\x03\x03\x01")
        assert port.read_until(b"raw REPL; CTRL-B to exit\r\n>").endswith(b">")
        port.write(b"print('bye')\nimport machine\nmachine.reset()\n\x04")
        time.sleep(0.8)  # the host is busy elsewhere (the relay used to wait 0.5 s)
        got = b""
        deadline = time.monotonic() + 10
        while b"bye" not in got and time.monotonic() < deadline:
            try:
                got += port.read(port.in_waiting or 1)
            except serial.SerialException:
                break  # the port went away with the reset
    finally:
        try:
            port.close()
        except OSError:
            pass
    assert b"bye" in got, got


def test_pwm_duty_ns_and_adc_read_uv(board):
    vb = board()
    vb.simulator.adc_values[34] = 32768
    out = run(vb, "from machine import PWM, ADC, Pin\np = PWM(Pin(2), freq=50, duty_ns=1500000)\n"
                  "print(p.duty_u16(), p.duty_ns())\nprint(ADC(Pin(34)).read_uv())")
    duty, ns = map(int, out.split()[:2])
    assert vb.simulator.pwms[2] == (50, duty) and abs(duty - 4915) <= 1 and abs(ns - 1500000) < 1000
    assert abs(int(out.split()[2]) - 1650000) < 100  # half of 3.3 V, in µV


def test_adc_reads_the_simulator_or_a_value_set_for_it(board):
    vb = board()
    out = run(vb, "from machine import ADC, Pin\nimport time\na = ADC(Pin(26))\nr = []\n"
                  "for i in range(3):\n    r.append(a.read_u16())\n    time.sleep(0.5)\nprint(r)")
    readings = eval(out)
    assert all(10000 < v < 60000 for v in readings) and len(set(readings)) > 1  # a live sensor, not 0
    vb.simulator.adc_values[26] = 4242
    assert run(vb, "from machine import ADC\nprint(ADC(26).read_u16())").strip() == "4242"


def test_soft_i2c_with_positional_pins(board):
    vb = board()

    class Sensor:
        def write(self, data):
            pass

        def read(self, n):
            return b"\x2a" * n

    vb.simulator.i2c_devices[0x76] = Sensor()
    out = run(vb, "from machine import SoftI2C, Pin\ni2c = SoftI2C(Pin(5), Pin(4))\n"
                  "print(i2c.scan(), i2c.readfrom(0x76, 1))")
    assert out.strip() == "[118] b'*'"
    tb = error_of(vb, "from machine import SoftI2C, Pin\nSoftI2C(Pin(5), Pin(4)).writeto(0x3C, b'x')")
    assert "ENODEV" in tb and "machine.py" not in tb.split("\n")[-2]


def test_network_says_there_is_no_wifi(board):
    vb = board()
    tb = error_of(vb, "import network\nwlan = network.WLAN(network.STA_IF)\nwlan.active(True)\n"
                      "wlan.connect('hall', 'secret')\n")
    assert t("machine.no_wifi", "en") in tb


def test_dht_sensor_reads_the_simulator(board):
    vb = board()
    vb.simulator.dht_values[4] = (21.7, 55.2)
    out = run(vb, "import dht, machine\nd = dht.DHT22(machine.Pin(4))\nd.measure()\n"
                  "print(d.temperature(), d.humidity())\nd = dht.DHT11(machine.Pin(4))\nd.measure()\n"
                  "print(d.temperature(), d.humidity())")
    assert out.split("\n")[:2] == ["21.7 55.2", "21 55"]


@pytest.mark.parametrize("profile,has,lacks", [("esp32", "esp32", "rp2"), ("rp2040", "rp2", "esp32")])
def test_port_module_exists_only_on_its_profile(board, profile, has, lacks):
    vb = board(profile=profile)
    probe = {"esp32": "import esp32\nprint(esp32.mcu_temperature() > 0)",
             "rp2": "import rp2\nprint(rp2.bootsel_button() in (0, 1))"}[has]
    assert run(vb, probe).strip() == "True"
    tb = error_of(vb, f"import {lacks}")
    assert "ImportError" in tb
    assert t("machine.not_on_this_board", "en", module=lacks, board=profile) in tb


def test_bluetooth_import_says_the_virtual_board_has_no_radio(board):
    tb = error_of(board(), "import bluetooth\nble = bluetooth.BLE()")
    assert "ImportError" in tb and t("machine.needs_hardware", "en", module="bluetooth") in tb
    assert re.search(r"line 1\b", tb)  # it points at the import, not at our code
