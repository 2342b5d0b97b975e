"""Unmodified mpremote (default soft-reset path, no `resume`) against the virtual board."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

MPREMOTE = str(Path(sys.executable).with_name("mpremote"))


def mp(port: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([MPREMOTE, "connect", port, *args], capture_output=True, text=True,
                          timeout=timeout)


def test_exec_eval_run(vboard, tmp_path):
    r = mp(vboard.port, "exec", "print(6 * 7)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "42"
    assert mp(vboard.port, "eval", "1 + 2").stdout.strip() == "3"
    script = tmp_path / "hello.py"
    script.write_text("import sys\nprint('hello from', sys.implementation.name)\n")
    assert mp(vboard.port, "run", str(script)).stdout.strip() == "hello from micropython"


def test_soft_reset_clears_state_like_a_board(vboard):
    # mpremote soft-resets on connect: a variable set by one call is gone in the next.
    assert mp(vboard.port, "exec", "x = 5").returncode == 0
    r = mp(vboard.port, "exec", "print('x' in globals())")
    assert r.stdout.strip() == "False"
    boots = vboard.boots
    r = mp(vboard.port, "soft-reset", "exec", "print('again')")
    assert r.returncode == 0 and r.stdout.strip() == "again"
    assert vboard.boots > boots  # the interpreter really restarted


def test_fs_cp_ls_cat_rm(vboard, tmp_path):
    src = tmp_path / "blink.py"
    src.write_text("# blink\nprint('blink')\n" * 50)
    assert mp(vboard.port, "fs", "cp", str(src), ":blink.py").returncode == 0
    assert (vboard.fs_dir / "blink.py").read_text() == src.read_text()
    ls = mp(vboard.port, "fs", "ls")
    assert "blink.py" in ls.stdout
    assert mp(vboard.port, "fs", "cat", "blink.py").stdout.count("blink") >= 50
    back = tmp_path / "back.py"
    assert mp(vboard.port, "fs", "cp", ":blink.py", str(back)).returncode == 0
    assert back.read_text() == src.read_text()
    assert mp(vboard.port, "exec", "import blink").stdout.count("blink") == 50
    assert mp(vboard.port, "fs", "mkdir", "lib").returncode == 0
    assert (vboard.fs_dir / "lib").is_dir()
    assert mp(vboard.port, "fs", "rm", "blink.py").returncode == 0
    assert not (vboard.fs_dir / "blink.py").exists()


def test_filesystem_is_the_board_folder_not_the_host(vboard):
    r = mp(vboard.port, "exec", "import os; print(sorted(os.listdir('/')))")
    assert r.stdout.strip() == "[]"  # a fresh board: empty root, not the host's /


def test_main_py_runs_after_soft_reset_to_friendly_repl(vboard):
    (vboard.fs_dir / "main.py").write_text("print('main ran')\n")
    # Ctrl-D in the friendly REPL (what a student types) boots and runs main.py.
    with serial.Serial(vboard.port, timeout=0.2) as s:
        s.write(b"\r\x03\x02")  # friendly REPL
        seen = b""
        deadline = time.monotonic() + 5
        while b"for more information" not in seen or not seen.endswith(b">>> "):
            seen += s.read(s.in_waiting or 1)  # wait for its banner and prompt
            assert time.monotonic() < deadline, seen
        s.write(b"\x04")
        out = b""
        deadline = time.monotonic() + 5
        while b">>> " not in out.split(b"main ran")[-1] or b"main ran" not in out:
            out += s.read(4096)
            assert time.monotonic() < deadline, out
    assert b"MPY: soft reboot" in out and b"main ran" in out


def test_machine_shim_reaches_the_simulator(vboard):
    r = mp(vboard.port, "exec",
           "from machine import Pin, PWM, ADC\nPin(2, Pin.OUT).on()\nPWM(Pin(5), freq=50, duty_u16=4915)\n"
           "print(ADC(Pin(26)).read_u16())")
    assert r.returncode == 0, r.stderr
    assert vboard.simulator.pins[2] == 1
    assert vboard.simulator.pwms[5] == (50, 4915)
    assert 0 <= int(r.stdout.strip()) <= 65535  # a 16-bit reading (the simulator's value)


def test_timer_i2c_adc_through_the_simulator(vboard):
    class Register:
        def __init__(self):
            self.reg = 0

        def write(self, data):
            self.reg = data[0]

        def read(self, n):
            return bytes([self.reg + 1] * n)

    vboard.simulator.i2c_devices[0x3C] = Register()
    vboard.simulator.adc_values[26] = 12345
    r = mp(vboard.port, "exec",
           "from machine import Timer, I2C, ADC, Pin\nimport time\nc = [0]\n"
           "def tick(t):\n    c[0] += 1\n"
           "t = Timer(-1, mode=Timer.PERIODIC, period=50, callback=tick)\n"
           "time.sleep(0.6)\nt.deinit()\ni2c = I2C(0)\n"
           "print(c[0] >= 6, i2c.scan(), i2c.readfrom_mem(0x3C, 7, 2), ADC(Pin(26)).read_u16())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True [60] b'\\x08\\x08' 12345"


@pytest.mark.parametrize("hangup", ["default", "ignored"])
def test_virtual_board_dies_with_the_kernel_that_owns_it(tmp_path, hangup):
    """A kernel killed hard (no cleanup) must not leave a board interpreter running — also
    when SIGHUP was ignored where the kernel started (a hub run under `nohup`)."""
    import os
    import signal

    import psutil

    code = ("import sys, time\nfrom youthlab.boards.virtual import VirtualBoard\n"
            f"vb = VirtualBoard('owner', fs_dir={str(tmp_path / 'fs')!r}).start()\n"
            "import serial\ns = serial.Serial(vb.port, timeout=1)\n"
            "from youthlab.boards.repl import RAW_PROMPT\n"
            "s.write(b'\\r\\x01')\nseen = b''\ndeadline = time.monotonic() + 30\n"  # into the raw REPL: its prompt
            "while not seen.endswith(RAW_PROMPT):\n"
            "    assert time.monotonic() < deadline, seen\n    seen += s.read(1)\n"
            "s.write(b'while True: pass\\x04')\n"
            "print(vb.pid, flush=True)\ntime.sleep(60)\n")
    ignore = (lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if hangup == "ignored" else None
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             preexec_fn=ignore)
    board_pid = None
    try:
        board_pid = int(owner.stdout.readline())
        assert psutil.pid_exists(board_pid)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=5)
        deadline = time.monotonic() + 15  # the pty's hang-up reaches it at once; a loaded CI machine is slow
        while psutil.pid_exists(board_pid) and psutil.Process(board_pid).status() != "zombie":
            assert time.monotonic() < deadline, "board interpreter outlived its kernel"
            time.sleep(0.1)
    finally:
        from tests.conftest import kill_tree

        kill_tree(owner.pid, timeout=2)
        if board_pid:
            kill_tree(board_pid, timeout=2)


def test_mip_install_from_a_loopback_server(vboard, tmp_path):
    """`mpremote mip install URL` (host downloads, board stores in lib/) — loopback only."""
    import functools
    import http.server
    import threading

    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "greet.py").write_text("def hi():\n    return 'annyeong'\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/greet.py"
        r = mp(vboard.port, "mip", "install", url)
        assert r.returncode == 0, r.stdout + r.stderr
        assert (vboard.fs_dir / "lib" / "greet.py").exists()
        assert mp(vboard.port, "exec", "import greet; print(greet.hi())").stdout.strip() == "annyeong"
    finally:
        server.shutdown()
        server.server_close()
        worker.join(timeout=5)
