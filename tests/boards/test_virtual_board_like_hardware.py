"""The virtual board as real tools see it (issue #16): the wire, resets, the filesystem.

Every check goes through unmodified mpremote or the raw port, as a student's tool would.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import serial

from youthlab.boards.virtual.supervisor import HARD, SOFT

MPREMOTE = str(Path(sys.executable).with_name("mpremote"))


def mp(port: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([MPREMOTE, "connect", port, *args], capture_output=True, text=True,
                          timeout=timeout)


def read_until(s: serial.Serial, marker: bytes, timeout: float = 10) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while marker not in out:
        assert time.monotonic() < deadline, out
        out += s.read(s.in_waiting or 1)
    return out


def test_output_lines_end_with_crlf_on_the_wire(vboard):
    with serial.Serial(vboard.port, timeout=0.1) as s:
        s.write(b"\r\x03\x02")  # friendly REPL, as `mpremote repl` shows it
        read_until(s, b">>> ")
        s.write(b"for i in range(3): print('line', i)\r\r")
        out = read_until(s, b"line 2\r\n>>> ")
    assert b"line 0\r\nline 1\r\nline 2\r\n" in out
    assert b"\n" not in out.replace(b"\r\n", b"")  # no bare LF anywhere


def test_mpremote_run_of_a_script_calling_machine_reset_ends(vboard, tmp_path):
    script = tmp_path / "reset.py"
    script.write_text("import machine\nprint('resetting')\nmachine.reset()\nprint('never')\n")
    old_port = vboard.port
    r = mp(old_port, "run", str(script), timeout=30)  # before: hung until killed
    assert "resetting" in r.stdout and "never" not in r.stdout
    assert vboard.resets[-1] == HARD
    # Like a Pico's native USB, the board comes back (same serial number) at its REPL.
    assert vboard.wait_ready(10) and vboard.port
    # mpremote soft-resets first; a soft reboot keeps the chip's reset cause (ESP_RST_SW).
    r = mp(vboard.port, "exec", "import machine; print(machine.reset_cause() == machine.SOFT_RESET)")
    assert r.stdout.strip() == "True"


def test_soft_reboot_and_hard_reset_print_the_banners_of_a_board(vboard):
    with serial.Serial(vboard.port, timeout=0.1) as s:
        s.write(b"\r\x03\x02")
        read_until(s, b">>> ")
        s.reset_input_buffer()
        s.write(b"\x04")  # Ctrl-D: soft reboot
        out = read_until(s, b"MPY: soft reboot\r\n")
        # One read may already hold the new banner and prompt (a busy machine's relay
        # sends them in one go): wait for a prompt only if none came after the reboot.
        if b">>> " not in out.split(b"MPY: soft reboot\r\n", 1)[1]:
            out += read_until(s, b">>> ")
    assert vboard.resets[-1] == SOFT
    assert b"MPY: soft reboot\r\n" in out
    assert b"; Generic ESP32 module with ESP32\r\n" in out and b"linux" not in out
    # A hard reset: the port re-enumerates and the board starts without "soft reboot".
    old = vboard.port
    with serial.Serial(old, timeout=0.1) as s:
        s.write(b"\r\x03\x02")
        read_until(s, b">>> ")
        s.write(b"import machine; machine.reset()\r")
        try:  # the port goes: reading fails as with a USB board that re-enumerates
            read_until(s, b"never", timeout=5)
        except (serial.SerialException, OSError):
            pass
    assert vboard.wait_ready(10)
    assert vboard.resets[-1] == HARD


def test_rp2040_profile_names_the_pico(tmp_path):
    from tests.boards.conftest import start_board, stop_board

    vb = start_board(tmp_path, "pico", profile="rp2040")
    try:
        with serial.Serial(vb.port, timeout=0.1) as s:
            s.write(b"\r\x03\x02")
            out = read_until(s, b"for more information")
        assert b"; Raspberry Pi Pico with RP2040\r\n" in out
        r = mp(vb.port, "exec", "import os; print(os.statvfs('/')[0] * os.statvfs('/')[2])")
        assert r.stdout.strip() == str(1408 * 1024)
    finally:
        stop_board(vb)


def test_fs_ls_shows_real_file_sizes(vboard, tmp_path):
    src = tmp_path / "data.txt"
    src.write_bytes(b"x" * 1234)
    assert mp(vboard.port, "fs", "cp", str(src), ":data.txt").returncode == 0
    ls = mp(vboard.port, "fs", "ls").stdout
    assert any(line.split() == ["1234", "data.txt"] for line in ls.splitlines()), ls


def test_df_shows_one_clean_line_for_the_boards_flash(vboard):
    out = mp(vboard.port, "df").stdout.splitlines()
    assert out[0].split() == ["filesystem", "size", "used", "avail", "use%", "mounted", "on"]
    assert len(out) == 2, out  # one mount, once
    fs, size, used, avail, pct, where = out[1].split()
    assert int(size) == 2 * 1024 * 1024  # the ESP32 profile's vfs partition, not the host disk
    assert int(used) + int(avail) == int(size) and where == "/"


def test_writing_past_the_flash_size_fails_with_enospc_and_loses_nothing(vboard):
    code = ("import os\nbs, _, total, free = os.statvfs('/')[:4]\n"
            "open('keep.txt', 'w').write('safe')\n"
            "try:\n    f = open('big.bin', 'wb')\n"
            "    for i in range(total + 1):\n        f.write(bytes(bs))\n"
            "except OSError as e:\n    print('full', e.errno)\n"
            "f.close()\nprint(os.statvfs('/')[3], open('keep.txt').read())")
    r = mp(vboard.port, "exec", code, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["full", "28", "0", "safe"]
    size = (vboard.fs_dir / "big.bin").stat().st_size
    assert size < 2 * 1024 * 1024  # the write that did not fit wrote nothing
    assert mp(vboard.port, "fs", "rm", "big.bin").returncode == 0
    r = mp(vboard.port, "exec", "import os; print(os.statvfs('/')[3] > 500)")
    assert r.stdout.strip() == "True"  # the space is back


def test_board_run_shows_the_boards_traceback_with_file_and_line(vboard, tmp_path):
    script = tmp_path / "oops.py"
    script.write_text("print('start')\nx = 1\nprint(undefined_name)\n")
    r = subprocess.run([sys.executable, "-m", "youthlab.cli", "board", "run", str(script),
                        "--port", vboard.port], capture_output=True, text=True, timeout=60,
                       env={**__import__("os").environ, "YOUTHLAB_LANG": "en"})
    assert "start" in r.stdout
    assert f'File "{script}", line 3' in r.stderr, r.stderr
    assert "NameError" in r.stderr and r.returncode != 0
    assert "youthlab/" not in r.stderr  # no traceback of the kit


def test_a_script_saved_with_crlf_line_ends_runs_as_on_a_board(vboard, tmp_path):
    # Saved on Windows: CRLF. A board's lexer reads CRLF as one line end; the unix port
    # alone would read two (its REPL turns LF into CR). Longer than raw paste's window.
    script = tmp_path / "windows.py"
    script.write_bytes(b'x = """abc\r\ndef"""\r\nprint(repr(x))\r\n' + b"# pad\r\n" * 100
                       + b"print(len(x))\r\n")
    r = mp(vboard.port, "run", str(script))
    assert r.stdout.split() == ["'abc\\ndef'", "7"], r.stdout + r.stderr


def test_asyncio_run_finishes_on_the_virtual_board(vboard, tmp_path):
    # MicroPython's asyncio runs on the native ticks clock; the board's `time` must be
    # the same clock, or asyncio.run() never wakes (it used to hang here).
    script = tmp_path / "blink.py"
    script.write_text(
        "import asyncio, time\n"
        "async def blink(n):\n"
        "    for i in range(n):\n"
        "        await asyncio.sleep_ms(10)\n"
        "    return n\n"
        "async def main():\n"
        "    t = time.ticks_ms()\n"
        "    r = await asyncio.gather(blink(3), blink(5))\n"
        "    print(r, time.ticks_diff(time.ticks_ms(), t) >= 50)\n"
        "asyncio.run(main())\n")
    r = mp(vboard.port, "run", str(script), timeout=30)
    assert r.stdout.split() == ["[3,", "5]", "True"], r.stdout + r.stderr


def test_a_program_sees_a_board_not_the_host(vboard):
    # sys.argv is empty, `time` is built in (no host path), and a VfsPosix a program
    # makes stays inside the board's filesystem even when asked for "/..".
    r = mp(vboard.port, "exec",
           "import sys, time, utime, vfs, os\n"
           "print(sys.argv, repr(time), utime is time)\n"
           "os.mkdir('box')\n"
           "fs = vfs.VfsPosix('/../../..')\n"
           "print(sorted(e[0] for e in fs.ilistdir('/')))\n")
    lines = r.stdout.splitlines()
    assert lines[0] == "[] <module 'time'> True", r.stdout + r.stderr
    assert "box" in lines[1] and "etc" not in lines[1] and "usr" not in lines[1], lines
    assert (vboard.fs_dir / "box").is_dir()


def test_soft_resets_in_a_row_keep_a_clean_board(vboard):
    # mpremote soft-resets before each command (and the warm spare interpreter takes
    # over each time): no state survives a soft reset, and each boot runs boot.py.
    (vboard.fs_dir / "boot.py").write_text("with open('boots.txt', 'a') as f:\n    f.write('.')\n")
    before = vboard.resets.count(SOFT)
    outs = [mp(vboard.port, "exec", "print(open('boots.txt').read().count('.'), 'x' in globals())"
               "\nx = 1").stdout.split() for _ in range(4)]
    assert [o[1] for o in outs] == ["False"] * 4, outs
    counts = [int(o[0]) for o in outs]
    assert counts == list(range(counts[0], counts[0] + 4)), counts  # one boot.py a reset
    assert vboard.resets.count(SOFT) - before >= 4


def test_a_banner_that_arrives_in_pieces_still_names_the_board():
    """The interpreter writes its banner in several writes, so a busy machine's pty can
    hand it over in pieces (seen in CI: the unix port's 'linux' banner reached the host
    after Ctrl-B). The relay holds an unfinished line that may be a banner until its end."""
    from youthlab.boards.virtual.profiles import profile as find_profile
    from youthlab.boards.virtual.relay import Relay

    relay = Relay("split", None, lambda how: None, find_profile("esp32").board_banner)
    relay.boot(None, raw=False)
    relay._in_boot = False  # booted: the friendly prompt was seen
    for piece in (b"\r\n>>> \r\nMicroPy", b"thon 9458e3a23f on 2026-07-05", b"; linux [GCC 14.2.1] version",
                  b"\r\nType \"help()\" for more information.\r\n>>> "):
        relay._from_child(piece)
    out = bytes(relay._to_host)
    assert b"MicroPython 9458e3a23f on 2026-07-05; Generic ESP32 module with ESP32\r\n" in out, out
    assert b"linux" not in out and out.endswith(b">>> ")
    # A program's own unfinished "Micro" is not kept from the host for long.
    relay._to_host.clear()
    relay._from_child(b"Micro")
    assert bytes(relay._to_host) == b""
    relay._flush_held()  # what the relay's loop does after _HOLD_SECONDS
    assert bytes(relay._to_host) == b"Micro"


def test_ctrl_b_in_the_friendly_repl_prints_the_boards_banner(vboard):
    with serial.Serial(vboard.port, timeout=0.1) as s:
        s.write(b"\r\x03\x02")
        read_until(s, b">>> ")
        time.sleep(0.2)
        s.reset_input_buffer()
        s.write(b"\x02")
        out = read_until(s, b">>> ")
        # A program's unfinished line that looks like a banner's start still arrives
        # while the program goes on (the relay holds it back 50 ms at most).
        s.write(b"import time; print('Mi' + 'cro', end=''); time.sleep(4)\r")
        out2 = read_until(s, b"Micro", timeout=3)
    assert b"; Generic ESP32 module with ESP32\r\n" in out and b"linux" not in out, out
    assert b"Micro" in out2


def test_the_last_words_before_a_reset_reach_a_host_that_is_reading():
    """What a board sent just before its port goes must reach the host reading it. The
    relay hands its last bytes to the pty as the interpreter ends; the kernel passes them
    on to the reader's queue a moment later (its tty work queue), so a queue that looks
    empty right after that write is not yet a host that read everything."""
    import os
    import threading

    from youthlab.boards.virtual.relay import Relay

    words = b"\x04bye\r\n\x04\x04"  # raw paste's ack, the program's output, its end
    lost = 0
    for _ in range(20):
        relay = Relay("t", None, on_end=lambda how: None, banner=lambda b: b)
        relay.open_port()
        host = os.open(relay.port, os.O_RDWR | os.O_NOCTTY)
        got = bytearray()

        def read_all(fd=host, got=got):  # the host (mpremote) reads, a moment late (a busy machine)
            time.sleep(0.05)
            try:
                while chunk := os.read(fd, 64):
                    got.extend(chunk)
            except OSError:
                pass  # the port went (EIO)

        reader = threading.Thread(target=read_all)
        reader.start()
        try:
            relay.queue_host(words)
            relay.drain()
            relay.close_port()  # the reset: the port goes
            reader.join(5)
            lost += bytes(got) != words
        finally:
            os.close(host)
    assert lost == 0, f"{lost} of 20 resets lost the board's last words"
