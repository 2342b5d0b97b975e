"""The board's USB port: the relay between the host's pty and the interpreter's.

:class:`Relay` is a thread that pumps bytes both ways and does what a board's USB-serial
line does on the wire: lines end with CRLF, a UART's rate (``baud``) when asked, Ctrl-C
interrupts running code, and a restart after Ctrl-D brings back the REPL mode the board
was in. What to do when the interpreter ends is the board's decision
(``on_end(how)``, see :class:`youthlab.boards.virtual.board.VirtualBoard`).
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import termios
import threading
import time
import tty
from typing import Callable

from youthlab.boards.repl import FRIENDLY_PROMPT, RAW_BANNER, RAW_PROMPT
from youthlab.boards.virtual.supervisor import Interpreter

_MOUNT_CALL = b"__mount()"
_PASTE_REQUEST = b"\x05A\x01"  # raw REPL: "may I paste?" (mpremote, pyboard.py)  # mpremote mount: binary frames follow, bytes pass unchanged
_BUFFER_MAX = 1 << 18
_HOLD_SECONDS = 0.05  # longest an unfinished line that may be a banner is held back
_BANNER_START = b"MicroPython "  # what the port holds when nobody reads (oldest bytes dropped)


class Bucket:
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


class LineEnds:
    """Bare LF -> CRLF, as a board's ``stdout`` does; CRLF already there stays as it is."""

    def __init__(self) -> None:
        self.last = b""

    def __call__(self, data: bytes) -> bytes:
        if not data:
            return data
        out = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if data[:1] == b"\n" and self.last == b"\r":
            out = out[1:]  # the CR came at the end of the last chunk
        self.last = data[-1:]
        return out


#: How long the host's queue must stay empty before the port may go (see Relay.drain).
DRAIN_SETTLE = 0.1


class Relay:
    """Bytes between the host's port and the board's interpreter (one thread)."""

    def __init__(self, name: str, baud: int | None, on_end: Callable[[str], None],
                 banner: Callable[[bytes], bytes]) -> None:
        self.name, self.baud = name, baud
        self.on_end = on_end  # called (under the lock) when the interpreter ends
        self.banner = banner  # rewrites the interpreter's banner as the board's
        self.lock = threading.RLock()
        self.ready = threading.Event()  # a REPL prompt was seen since the last boot
        self.host_master: int | None = None
        self.host_slave: int | None = None
        self.port: str | None = None
        self.interp: Interpreter | None = None
        self.mode = "friendly"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._to_host = bytearray()
        self._to_child = bytearray()
        self._held, self._held_at = b"", 0.0  # an unfinished line that may be a banner

    # -- the port ----------------------------------------------------------------------
    def open_port(self) -> str:
        """A new pty: the port a host opens (a new name each time, like a USB replug)."""
        self.host_master, self.host_slave = os.openpty()
        tty.setraw(self.host_slave)
        os.set_blocking(self.host_master, False)
        self.port = os.ttyname(self.host_slave)
        self._to_host = bytearray()
        self._to_child = bytearray()
        self._host_tail = b""
        self._host_cr = False
        self._paste = 0  # raw paste: 0 off, 1 asked for, 2 on
        self._paste_window = 128
        self._paste_count = 0
        self._mounted = False
        self._rx = Bucket(self.baud / 10 if self.baud else None)
        self._tx = Bucket(self.baud / 10 if self.baud else None)
        return self.port

    def drain(self, stall: float = 1.5, timeout: float = 6.0) -> None:
        """Let the host read what the board sent before its port goes (a reset).

        A real board's last line reaches the host within a millisecond; a host on a busy
        machine may take a while to read it. Wait while the host keeps reading, give up
        when it has read nothing for ``stall`` seconds (nobody is listening), and never
        longer than ``timeout``.
        """
        self._flush_held()
        deadline = time.monotonic() + timeout
        while self._to_host and self.host_master is not None and time.monotonic() < deadline:
            try:
                del self._to_host[: os.write(self.host_master, bytes(self._to_host))]
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                break
        last, moved, empty_since = None, time.monotonic(), None
        while self.host_slave is not None and time.monotonic() < deadline:
            try:
                waiting = struct.unpack("i", fcntl.ioctl(self.host_slave, termios.FIONREAD,
                                                         b"\0\0\0\0"))[0]
            except OSError:
                return
            now = time.monotonic()
            if not waiting:
                # Bytes written to the pty reach the host's queue a moment later (the
                # kernel's tty work queue): empty right after a write may be in flight.
                if empty_since is None:
                    empty_since = now
                elif now - empty_since >= DRAIN_SETTLE:
                    return
                time.sleep(0.005)
                continue
            empty_since = None
            if waiting != last:
                last, moved = waiting, now
            elif now - moved > stall:
                return
            time.sleep(0.01)

    def close_port(self) -> None:
        for fd in (self.host_master, self.host_slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.host_master = self.host_slave = None
        self.port = None

    # -- the interpreter -------------------------------------------------------------
    def boot(self, interp: Interpreter, *, raw: bool) -> None:
        """Relay a freshly started interpreter; ``raw``: come up in the raw REPL."""
        self.interp = interp
        self.ready.clear()
        self._boot_buf = bytearray()
        self._booting_raw = raw
        self._sent_ctrl_a = False
        self._in_boot = True
        self._tail = b""
        self._line_ends = LineEnds()
        self._held = b""
        self._mounted = False
        self._paste = 0
        self.mode = "raw" if raw else "friendly"

    def drop_interpreter(self) -> None:
        interp, self.interp = self.interp, None
        if interp is not None:
            interp.close()

    def queue_host(self, data: bytes) -> None:
        self._to_host += data
        if len(self._to_host) > _BUFFER_MAX:  # nobody reads: drop the oldest, like a UART
            del self._to_host[: len(self._to_host) - _BUFFER_MAX]

    # -- thread ----------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, daemon=True,
                                            name=f"ylab-virtual-{self.name}")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- bytes from the interpreter ---------------------------------------------------
    def _track_mode(self, data: bytes) -> None:
        combined = self._tail + data
        r, f = combined.rfind(RAW_BANNER), combined.rfind(FRIENDLY_PROMPT)
        if r >= 0 or f >= 0:
            self.mode = "raw" if r > f else "friendly"
        self._tail = combined[-32:]

    def _from_child(self, data: bytes) -> None:
        if self._paste == 1:  # the answer to a raw-paste request: "R\x01" + window
            self._paste_answer += data
            answer = self._paste_answer
            i = answer.find(b"R")
            if i < 0 or len(answer) < i + 2:
                pass  # not all of it yet
            elif answer[i + 1:i + 2] != b"\x01":
                self._paste = 0  # "R\x00": no raw paste, plain raw REPL
            elif len(answer) >= i + 4:
                self._paste, self._paste_count = 2, 0
                self._paste_window = max(1, int.from_bytes(answer[i + 2:i + 4], "little"))
        elif self._paste == 2:
            data = data.replace(b"\x01", b"")  # the relay grants the window (above)
            if not data:
                return
        if self._booting_raw:
            # Swallow the banner, re-enter the raw REPL, then show only its prompt.
            self._boot_buf += data
            if not self._sent_ctrl_a and FRIENDLY_PROMPT in self._boot_buf:
                self._sent_ctrl_a = True
                self._to_child[:0] = b"\x01"
                self._boot_buf.clear()
            elif self._sent_ctrl_a and RAW_PROMPT in self._boot_buf:
                self._booting_raw = self._in_boot = False
                self._boot_buf.clear()
                self.mode = "raw"
                self._tail = b""
                self.queue_host(RAW_PROMPT)
                self.ready.set()
            return
        if self._in_boot:
            # Until the first prompt: boot.py / main.py output, then the banner, which
            # names this board rather than the unix port (a banner line is held whole).
            self._boot_buf += data
            prompt = FRIENDLY_PROMPT in self._boot_buf
            rest = self._boot_buf[self._boot_buf.rfind(b"\n") + 1:]
            maybe_banner = rest.startswith(_BANNER_START) or _BANNER_START.startswith(rest)
            cut = len(self._boot_buf) - (len(rest) if maybe_banner and not prompt else 0)
            data = bytes(self._boot_buf[:cut])
            del self._boot_buf[:cut]
            if prompt:
                self._in_boot = False
            if not data:
                return
        if not self._mounted:
            data = self._hold_banner(data)
        if data:
            self._emit(data)

    def _hold_banner(self, data: bytes) -> bytes:
        """A banner line (Ctrl-B in the friendly REPL prints one) can arrive in pieces:
        hold an unfinished last line that is or may become one until its end comes (or
        :data:`_HOLD_SECONDS` pass), so that it is rewritten whole."""
        buf = self._held + data
        rest = buf[buf.rfind(b"\n") + 1:]
        if rest and len(rest) < 256 and (rest.startswith(_BANNER_START) or _BANNER_START.startswith(rest)):
            self._held, self._held_at = rest, time.monotonic()
            return buf[:len(buf) - len(rest)]
        self._held = b""
        return buf

    def _flush_held(self) -> None:
        held, self._held = self._held, b""
        if held:
            self._emit(held)

    def _emit(self, data: bytes) -> None:
        self._track_mode(data)
        if not self._mounted:
            data = self._line_ends(self.banner(data) if b"MicroPython " in data else data)
        self.queue_host(data)
        if not self.ready.is_set() and FRIENDLY_PROMPT in self._tail:
            self.ready.set()

    # -- bytes from the host ----------------------------------------------------------
    def _from_host(self, data: bytes) -> None:
        """Queue host bytes for the interpreter; turn Ctrl-C into SIGINT when it runs."""
        seen = self._host_tail + data
        if _MOUNT_CALL in seen:
            self._mounted = True
        if _PASTE_REQUEST in seen and self.mode == "raw":
            self._paste = 1  # the interpreter's answer says whether and with what window
            self._paste_answer = b""
        self._host_tail = seen[-len(_MOUNT_CALL):]
        if not self._mounted:
            data = self._host_line_ends(data)
        while b"\x03" in data:
            before, data = data.split(b"\x03", 1)
            self._to_child += before
            interp = self.interp
            if interp is not None and not self._booting_raw and interp.busy():
                self._flush_child()
                interp.interrupt()
            else:
                self._to_child += b"\x03"
        self._to_child += data

    def _host_line_ends(self, data: bytes) -> bytes:
        """CRLF from the host reaches the interpreter as a board's lexer reads it.

        The unix port turns every LF it reads at the REPL into CR, so a script with
        CRLF line ends (saved on Windows) would read CR CR: two line ends, which change
        multi-line strings. A board reads CRLF as one line end: the LF after a CR is
        dropped here. In raw-paste mode the board counts the bytes it gets for its flow
        control; the relay then grants the host's window itself, counting what the host
        sent, and drops the interpreter's own grants (see :meth:`_from_child`).
        """
        out = bytearray()
        for b in data:
            if self._paste == 2:
                if b in (3, 4):  # Ctrl-C aborts, Ctrl-D ends the paste
                    self._paste = 0
                else:
                    self._paste_count += 1
                    if self._paste_count % self._paste_window == 0:
                        self.queue_host(b"\x01")
            if not (b == 10 and self._host_cr):
                out.append(b)
            self._host_cr = b == 13
        return bytes(out)

    def _flush_child(self) -> None:
        deadline = time.monotonic() + 0.2
        while self._to_child and self.interp is not None and time.monotonic() < deadline:
            try:
                k = os.write(self.interp.fd, bytes(self._to_child))
                del self._to_child[:k]
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                return

    # -- the pump --------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                host = self.host_master
                child = self.interp.fd if self.interp is not None else None
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
                if self._held:
                    if time.monotonic() - self._held_at >= _HOLD_SECONDS:
                        self._flush_held()
                    else:
                        timeout = min(timeout, _HOLD_SECONDS)
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
            with self.lock:
                now_child = self.interp.fd if self.interp is not None else None
                if host is not self.host_master or child is not now_child:
                    continue
                if child is not None and child in r:
                    try:
                        data = os.read(child, 4096)
                    except BlockingIOError:
                        data = None
                    except OSError:
                        data = b""
                    if data == b"":
                        if not self._stop.is_set():
                            interp, self.interp = self.interp, None
                            self.on_end(interp.ended())
                        continue
                    if data:
                        self._from_child(data)
                if child is not None and child in w and self._to_child:
                    n = len(self._to_child) if not self._booting_raw else 1
                    try:
                        k = os.write(child, bytes(self._to_child[:n]))
                        del self._to_child[:k]
                    except OSError:
                        pass
                if host is not None and host in r:
                    n = min(4096, self._rx.available())
                    try:
                        data = os.read(host, max(n, 1))
                    except OSError:
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
                        except OSError:
                            pass
