"""Session: one persistent link to one board, for notebook cells and scripts.

Built on mpremote's :class:`~mpremote.transport_serial.SerialTransport` (raw REPL,
raw-paste with fallback); this module adds what a classroom needs on top:

* streaming output into the cell as it comes, with ``@ylab`` data lines split off
  into :attr:`Session.data` (see :mod:`youthlab.boards.datachannel`);
* Jupyter's interrupt (KeyboardInterrupt in the kernel) becomes Ctrl-C on the board,
  and a **recovery ladder** (Ctrl-C ×3 → soft reset → DTR/RTS reset → "replug") when
  the board does not come back, telling the student each step in ko/en;
* clear errors instead of hangs: wrong port, port in use, not MicroPython, unplugged;
* reconnect by USB serial number after an unplug, re-running the earlier cells that only
  imported or defined things (the student's context, where it can be restored);
* one owner per board (:class:`youthlab.boards.locks.BoardLock`).
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import threading
import time
from typing import Any, Callable

import serial
from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

from youthlab.boards.datachannel import DataLog, OutputSplitter
from youthlab.boards.deploy import deploy
from youthlab.boards.discover import find_port, serial_number_of
from youthlab.boards.errors import (
    BoardCodeError,
    BoardError,
    BoardInUse,
    BoardNotFound,
    BoardStuck,
    BoardTimeout,
    BoardUnplugged,
    NotMicroPython,
)
from youthlab.boards.link import Link
from youthlab.boards.locks import BoardLock
from youthlab.boards.repl import RAW_PROMPT, SOFT_REBOOT
from youthlab.i18n import t

REBOOT_MARK = SOFT_REBOOT.rstrip()
# A board with native USB is back this soon after machine.reset() (a Pico in ~1 s; its boot
# then gets the usual connect time); later is a replug.
REENUMERATE_SECONDS = 1.5
# How soon a program that prints nothing sees a stop set by another thread (on a local port;
# over a station's bridge, within the port's read timeout).
STOP_POLL_SECONDS = 0.05


def _print(msg: str) -> None:
    print(msg, flush=True)


def _context_only(code: str) -> bool:
    """True if a cell only imports/defines/assigns constants (safe to replay)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    ok = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in tree.body:
        if isinstance(node, ok):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            try:
                ast.literal_eval(node.value)
                continue
            except ValueError:
                return False
        return False
    return bool(tree.body)


class Session:
    """A persistent connection to one MicroPython board.

    ``port`` is a device (``/dev/ttyACM0``), a virtual board's pty, or a pyserial URL
    (``rfc2217://station-3:4000``). Use :func:`youthlab.boards.connect` in notebooks:
    it keeps one Session per board per kernel.
    """

    def __init__(
        self,
        port: str,
        *,
        name: str | None = None,
        serial_number: str | None = None,
        baudrate: int = 115200,
        lock: bool = True,
        owner: str | None = None,
        notify: Callable[[str], None] | None = None,
        connect_timeout: float = 5.0,
        hard_reset: bool = False,
        reconnect_timeout: float = 5.0,
    ) -> None:
        self.port = port
        self.name = name or port
        self.serial_number = serial_number or serial_number_of(port)
        self.baudrate = baudrate
        self.owner = owner
        self.notify = notify or _print
        self.connect_timeout = connect_timeout
        self.hard_reset_capable = hard_reset
        self.reconnect_timeout = reconnect_timeout
        self.data = DataLog()
        self.history: list[str] = []
        self.transport: SerialTransport | None = None
        self._dirty = False
        self.closed = False
        self._lock = BoardLock(serial_number or port, owner) if lock else None
        if self._lock:
            self._lock.acquire()
        try:
            self._connect()
        except BaseException:
            if self._lock:
                self._lock.release()
            raise

    # -- connection ------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.transport is not None

    def _connect(self) -> None:
        quiet = io.StringIO()
        try:
            with contextlib.redirect_stdout(quiet):
                tr = SerialTransport(self.port, baudrate=self.baudrate, timeout=1.0)
        except TransportError:
            raise self._open_error() from None
        tr.serial = Link(tr.serial)
        self.transport = tr
        try:
            self._enter_raw(self.connect_timeout)
        except TransportError:
            self._drop()
            raise NotMicroPython(port=self.port) from None
        except (serial.SerialException, OSError):
            self._drop()
            raise BoardUnplugged(port=self.port) from None
        self._dirty = False

    def _open_error(self) -> BoardError:
        """Why did the port not open? Ask pyserial directly for a precise error."""
        try:
            s = serial.serial_for_url(self.port, do_not_open=True, exclusive=True, timeout=1)
            s.open()
            s.close()
        except serial.SerialException as exc:
            text = str(exc)
            if "lock" in text.lower() or "busy" in text.lower():
                return BoardInUse(owner=t("boards.other_program"), port=self.port)
            if "permission" in text.lower():
                return BoardError(key="boards.no_permission", hint_key="boards.no_permission.hint",
                                  port=self.port)
            return BoardNotFound(port=self.port)
        except (OSError, ValueError):
            return BoardNotFound(port=self.port)
        return BoardNotFound(port=self.port)

    def _enter_raw(self, timeout: float) -> None:
        """Stop what runs and enter the raw REPL, giving up after ``timeout`` seconds.

        Same handshake as mpremote's ``enter_raw_repl(soft_reset=False)``, but its
        overall timeout also holds while a device streams noise (mpremote's is only
        checked when the line is quiet, so a chatty non-MicroPython device hangs it).
        """
        link: Link = self.transport.serial
        link.write(b"\r\x03")
        deadline = time.monotonic() + timeout
        time.sleep(0.05)
        while link.in_waiting and time.monotonic() < deadline:
            link.read(link.in_waiting)
        link.write(b"\r\x01")
        data = b""
        while not data.endswith(RAW_PROMPT):
            if time.monotonic() >= deadline:
                raise TransportError("could not enter raw repl")
            data = (data + link.read_some())[-256:]
        link.unread(b">")
        self.transport.in_raw_repl = True

    def _drop(self) -> None:
        tr, self.transport = self.transport, None
        if tr is not None:
            try:
                tr.serial.orig_serial.close()
            except Exception:
                pass

    def close(self) -> None:
        """Leave the board in its friendly REPL, close the port, release the board."""
        if self.transport is not None:
            try:
                self.transport.exit_raw_repl()
            except Exception:
                pass
            self._drop()
        if self._lock:
            self._lock.release()
        self.closed = True

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        return f"<Session {self.name} {self.port} {state}>"

    def _lost(self) -> BoardUnplugged:
        self._drop()
        return BoardUnplugged(port=self.port)

    def reconnect(self, timeout: float | None = None, restore: bool = True) -> None:
        """Find the board again (by serial number if known) and reconnect."""
        self._drop()
        timeout = self.reconnect_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        announced = False
        last: BoardError = BoardUnplugged(port=self.port)
        while True:
            port = find_port(self.serial_number) if self.serial_number else self.port
            if port:
                self.port = port
                try:
                    self._connect()
                    break
                except BoardError as exc:  # still booting, or briefly held: try again
                    last = exc
            if time.monotonic() >= deadline:
                raise last
            if not announced and self.serial_number:
                self.notify(t("boards.reconnect_wait", serial=self.serial_number))
                announced = True
            time.sleep(0.2)
        self.notify(t("boards.reconnected", port=self.port))
        if restore and self.history:
            replay, self.history = self.history, []
            for code in replay:
                try:
                    self.exec(code, on_output=lambda s: None)
                except BoardError:
                    pass
            self.notify(t("boards.restored", n=len(replay)))

    def _ensure_ready(self) -> None:
        if self.closed:
            raise BoardError(key="boards.closed", hint_key="boards.closed.hint", port=self.port)
        if self.transport is not None and self._dirty:
            try:
                self.recover()
            except BoardUnplugged:
                pass  # replugged since: find it again below
        if self.transport is None:
            self.reconnect()

    # -- running code ----------------------------------------------------------------
    def exec(
        self,
        code: str | bytes,
        *,
        on_output: Callable[[str], None] | None = None,
        timeout: float | None = None,
        remember: bool = True,
        stop: threading.Event | None = None,
    ) -> str:
        """Run ``code`` on the board; stream its output; return it as text.

        Raises :class:`BoardCodeError` if the code raised on the board,
        ``KeyboardInterrupt`` after an interrupt stopped it (the kernel's, or ``stop`` set
        by another thread: a live view's stop button; one already set stops the program as
        it starts), :class:`BoardTimeout` if it
        ran past ``timeout`` seconds (it is stopped first), :class:`BoardUnplugged`.
        """
        self._ensure_ready()
        collected: list[str] = []

        def text(s: str) -> None:
            collected.append(s)
            (on_output or _stream_stdout)(s)

        splitter = OutputSplitter(text, self.data.add)
        tr = self.transport
        self._check_rebooted()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                tr.exec_raw_no_follow(code)
        except KeyboardInterrupt:
            self._dirty = True
            raise
        except TransportError as exc:
            self._dirty = True
            raise BoardError(detail=str(exc)) from None
        except (serial.SerialException, OSError):
            raise self._lost() from None
        try:
            err, interrupted, rebooted = self._follow(splitter, timeout, stop)
        except BoardUnplugged:
            splitter.flush()
            if not self._back_after_reset():
                raise
            err, interrupted, rebooted = b"", False, True
        splitter.flush()
        if rebooted:
            self.history.clear()
            self.notify(t("boards.rebooted"))
            return "".join(collected)
        if interrupted == "timeout":
            raise BoardTimeout(seconds=timeout)
        if interrupted:
            self.notify(t("boards.interrupted"))
            raise KeyboardInterrupt
        if err:
            raise BoardCodeError(err.decode("utf-8", "replace").replace("\r\n", "\n"))
        if remember and isinstance(code, str) and _context_only(code):
            self.history.append(code)
        return "".join(collected)

    def _back_after_reset(self) -> bool:
        """The port went during a program: a board with native USB (Pico, ESP32-S3, the
        virtual board) re-enumerates on ``machine.reset()``. Back within
        :data:`REENUMERATE_SECONDS` under the same serial number: it restarted, it was not unplugged."""
        if not self.serial_number or "://" in self.port:
            # Through a station's bridge the link went with the port: the next cell
            # reconnects (the bridge finds the board again by its serial number).
            return False
        deadline = time.monotonic() + REENUMERATE_SECONDS
        while time.monotonic() < deadline:
            port = find_port(self.serial_number)
            if port:
                # Back under its serial number: give its boot the usual connect time (a
                # busy station boots slower than the port reappears).
                self.port = port
                try:
                    self._connect()
                    return True
                except BoardError:
                    pass
            time.sleep(0.1)
        return False

    def _check_rebooted(self) -> None:
        """Notice a board that restarted since the last exec (sys.exit, a crash)."""
        link: Link = self.transport.serial
        try:
            if not link.in_waiting:
                return
            data = link.read_some()
            if data == b">":
                link.unread(data)
                return
            if SOFT_REBOOT in data:
                deadline = time.monotonic() + 5
                while RAW_PROMPT not in data and time.monotonic() < deadline:
                    data += link.read_some()
                self.history.clear()
                self.notify(t("boards.rebooted"))
                if data.endswith(RAW_PROMPT):
                    link.unread(b">")
                    return
            self._enter_raw(self.connect_timeout)
        except TransportError:
            self._dirty = True
            self.recover()
        except (serial.SerialException, OSError):
            raise self._lost() from None

    def _follow(self, splitter: OutputSplitter, timeout: float | None,
                stop: threading.Event | None = None) -> tuple[bytes, Any, bool]:
        """Read the program's output until the raw REPL's two end markers."""
        link: Link = self.transport.serial
        # A silent program must not hold a stop back for a local port's 1 s read.
        wait = STOP_POLL_SECONDS if stop is not None else None
        phase = 0
        err = bytearray()
        tail = b""
        interrupted: Any = False
        start = time.monotonic()
        ctrlc_at: float | None = None
        rebooting = False
        held = b""
        while True:
            try:
                try:
                    chunk = link.read_some(wait)
                except (serial.SerialException, OSError):
                    raise self._lost() from None
                while chunk and phase < 2:
                    k = chunk.find(b"\x04")
                    part, chunk = (chunk, b"") if k < 0 else (chunk[:k], chunk[k + 1:])
                    if phase == 0:
                        if not rebooting:
                            # Show the program's output, not a restarting board's banner
                            # (hold back what could be the start of that banner).
                            buf = held + part
                            cut = buf.find(REBOOT_MARK)
                            if cut >= 0:
                                rebooting, held = True, b""
                                splitter.feed(buf[:cut])
                            else:
                                keep = next((n for n in range(min(len(REBOOT_MARK) - 1, len(buf)), 0, -1)
                                             if buf.endswith(REBOOT_MARK[:n])), 0)
                                splitter.feed(buf[: len(buf) - keep])
                                held = buf[len(buf) - keep:]
                            if k >= 0 and held:
                                splitter.feed(held)
                                held = b""
                        tail = (tail + part)[-128:]
                        i = tail.rfind(SOFT_REBOOT)
                        if i >= 0 and RAW_PROMPT in tail[i:]:
                            # The board restarted under the program (crash, reset()):
                            # it is at a fresh raw REPL prompt, which mpremote reads next.
                            rest = tail[i:].split(RAW_PROMPT, 1)[1]
                            link.unread(b">" + rest + chunk)
                            return bytes(err), interrupted, True
                    else:
                        err += part
                    if k >= 0:
                        phase += 1
                if phase == 2:
                    if chunk:
                        link.unread(chunk)
                    return bytes(err), interrupted, False
                now = time.monotonic()
                if ctrlc_at is not None and now - ctrlc_at > 2.0:
                    # The program did not stop on Ctrl-C: climb the recovery ladder.
                    self._dirty = True
                    self.recover(first_try=2)
                    return bytes(err), interrupted or True, False
                if timeout is not None and ctrlc_at is None and now - start > timeout:
                    link.write(b"\x03")
                    interrupted, ctrlc_at = "timeout", now
                if stop is not None and ctrlc_at is None and stop.is_set():
                    link.write(b"\x03")
                    interrupted, ctrlc_at = True, now
            except KeyboardInterrupt:
                try:
                    link.write(b"\x03")
                except (serial.SerialException, OSError):
                    raise self._lost() from None
                if ctrlc_at is None:
                    ctrlc_at = time.monotonic()
                interrupted = interrupted or True

    def eval(self, expression: str) -> Any:
        """Evaluate an expression on the board and return its value (literals only)."""
        out = self.exec(f"print(repr({expression}))", on_output=lambda s: None, remember=False)
        return ast.literal_eval(out.strip().splitlines()[-1])

    def run_file(self, path: str | os.PathLike, **kw: Any) -> str:
        """Run a local ``.py`` file on the board (without copying it)."""
        with open(path, encoding="utf-8") as f:
            return self.exec(f.read(), **kw)

    def interrupt(self) -> None:
        """Stop whatever runs on the board (Ctrl-C) and return to the raw REPL."""
        self._dirty = True
        self._ensure_ready()

    def soft_reset(self) -> None:
        """Restart the board's interpreter (variables and imports are cleared)."""
        if self.transport is None:
            self.reconnect(restore=False)
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                self.transport.enter_raw_repl(soft_reset=True, timeout_overall=10)
            except TransportError:
                raise BoardStuck() from None
            except (serial.SerialException, OSError):
                raise self._lost() from None
        self.history.clear()
        self._dirty = False

    # -- recovery ladder -------------------------------------------------------------
    def recover(self, first_try: int = 1) -> None:
        """Bring a busy or confused board back to the raw REPL, step by step.

        Ctrl-C (up to 3 tries) → soft reset → DTR/RTS hard reset (boards wired for it)
        → :class:`BoardStuck` ("unplug and replug"). Each step is announced in ko/en.
        """
        if self.transport is None:
            raise BoardUnplugged(port=self.port)
        link = self.transport.serial
        try:
            for n in range(first_try, 4):
                if n > 1:
                    self.notify(t("boards.recover.interrupt", n=n))
                link.write(b"\r\x03\x03")
                try:
                    self._enter_raw(1.5)
                    self._dirty = False
                    if n > 1:
                        self.notify(t("boards.recover.ok"))
                    return
                except TransportError:
                    pass
            self.notify(t("boards.recover.soft_reset"))
            link.write(b"\r\x02")
            time.sleep(0.1)
            link.write(b"\x04")
            time.sleep(0.5)
            try:
                self._enter_raw(3)
                self._dirty = False
                self.history.clear()
                self.notify(t("boards.recover.ok"))
                return
            except TransportError:
                pass
            if self.hard_reset_capable:
                self.notify(t("boards.recover.hard_reset"))
                try:
                    link.dtr = False
                    link.rts = True
                    time.sleep(0.1)
                    link.rts = False
                    time.sleep(1.0)
                    self._enter_raw(5)
                    self._dirty = False
                    self.history.clear()
                    self.notify(t("boards.recover.ok"))
                    return
                except (TransportError, OSError):
                    pass
        except (serial.SerialException, OSError):
            raise self._lost() from None
        raise BoardStuck()

    # -- files -----------------------------------------------------------------------
    def deploy(self, folder: str | os.PathLike, **kw: Any):
        """Sync a lab folder to the board (see :func:`youthlab.boards.deploy.deploy`)."""
        return deploy(self, folder, **kw)

    def listdir(self, path: str = "") -> list[str]:
        self._ensure_ready()
        return [e.name for e in self.transport.fs_listdir(path)]


def _stream_stdout(s: str) -> None:
    import sys

    sys.stdout.write(s)
    sys.stdout.flush()
