"""A stand-in ESP32 that speaks the ROM bootloader's serial protocol over ``socket://``.

For tests, benchmarks and club practice without a board: esptool (or our flash path)
connects to ``socket://127.0.0.1:<port>`` with ``--before no-reset --no-stub`` and sees
an "ESP32-D0WDQ6" whose 4 MB flash is a bytearray that can be read back.

Protocol (Espressif's "Serial Protocol" document): SLIP frames (0xC0 ends, 0xDB 0xDC /
0xDB 0xDD escape); a request is ``<BBHI`` direction 0, command, size, checksum + data; a
response is direction 1, the same command, size, a 32-bit value, then data ending in
4 status bytes (the ESP32 ROM's length). Commands: SYNC (answered 8 times), READ_REG /
WRITE_REG, SPI_ATTACH / SPI_SET_PARAMS, FLASH_BEGIN/DATA/END, FLASH_DEFL_BEGIN/DATA/END
(zlib stream), SPI_FLASH_MD5 (32 hex characters, as the ROM answers) and
CHANGE_BAUDRATE; anything else gets "invalid command" (status 1, 0x05), as GET_SECURITY_INFO
does on a real ESP32, so esptool falls back to the chip's magic register.

esptool's flasher stub is "run" too: MEM_BEGIN/DATA/END are taken and answered with the
stub's ``OHAI`` greeting; from then on the fake answers as the stub does (MD5 as 16 raw
bytes, ERASE_FLASH, ERASE_REGION, and READ_FLASH with its block/ack/MD5 flow), so esptool's
default settings and its ``read-flash`` work against it.

After a connection that wrote a complete image closes, the board "reboots": with
``boot`` set, later connections are relayed to that callable's port (e.g. a virtual
board's pty running MicroPython), as a freshly flashed board would answer.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import threading
import zlib
from typing import Callable

SLIP_END, SLIP_ESC = 0xC0, 0xDB
CHIP_MAGIC = {"ESP32": 0x00F01D83, "ESP8266": 0xFFF0C101, "ESP32-S2": 0x000007C6}
CHIP_DETECT_MAGIC_REG = 0x40001000
SPI_CMD_REG = 0x3FF42000  # ESP32 SPI1: writing a command runs it at once (reads back 0 = done)
SPI_W0_REG = 0x3FF42080  # its answer: a 4 MB Winbond's JEDEC id (0xEF 0x40 0x16)
UART_CLKDIV_REG = 0x3FF40014  # 80 MHz APB / 115200 baud: esptool derives a 26 MHz crystal
FLASH_SIZE = 4 * 1024 * 1024


def slip_encode(payload: bytes) -> bytes:
    body = payload.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    return b"\xc0" + body + b"\xc0"


class FakeEsp32Rom:
    """A loopback TCP server; ``url`` is what esptool's ``--port`` takes."""

    def __init__(self, chip: str = "ESP32", *, drop_after_bytes: int | None = None,
                 boot: Callable[[], str] | None = None) -> None:
        self.chip = chip
        self.flash = bytearray(b"\xff" * FLASH_SIZE)
        self.drop_after_bytes = drop_after_bytes  # the "cable pulled" point of a write
        self.boot = boot
        self.written = 0
        self.booted_port: str | None = None
        self.regs: dict[int, int] = {CHIP_DETECT_MAGIC_REG: CHIP_MAGIC[chip], UART_CLKDIV_REG: 226}
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)  # so stop() is noticed without a connection
        self.port = self._server.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-esp32-rom", daemon=True)

    def start(self) -> "FakeEsp32Rom":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeEsp32Rom":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def read_flash(self, offset: int, size: int) -> bytes:
        return bytes(self.flash[offset:offset + size])

    # -- connections -------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.booted_port:
                threading.Thread(target=self._relay, args=(conn,), daemon=True).start()
                continue
            self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        self._complete = False
        self._stub = False  # each connection meets a freshly reset chip: the ROM
        try:
            for frame in self._frames(conn):
                if not self._handle(conn, frame):
                    return
        except OSError:
            pass
        finally:
            conn.close()
            if self._complete and self.boot and not self.booted_port:
                self.booted_port = self.boot()

    def _frames(self, conn: socket.socket):
        self._conn_frames = self._frame_iter(conn)
        return self._conn_frames

    def _frame_iter(self, conn: socket.socket):
        buf = bytearray()
        inside = escaped = False
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return
            for b in chunk:
                if not inside:
                    if b == SLIP_END:
                        inside, buf = True, bytearray()
                    continue
                if escaped:
                    buf.append({0xDC: 0xC0, 0xDD: 0xDB}.get(b, b))
                    escaped = False
                elif b == SLIP_ESC:
                    escaped = True
                elif b == SLIP_END:
                    if buf:
                        yield bytes(buf)
                        inside = False
                    buf = bytearray()
                else:
                    buf.append(b)

    def _reply(self, conn: socket.socket, op: int, value: int = 0, data: bytes = b"",
               status: bytes = b"\x00\x00\x00\x00") -> None:
        body = data + status
        conn.sendall(slip_encode(struct.pack("<BBHI", 1, op, len(body), value) + body))

    def _handle(self, conn: socket.socket, frame: bytes) -> bool:
        if len(frame) < 8 or frame[0] != 0:
            return True
        _, op, size, checksum = struct.unpack_from("<BBHI", frame)
        data = frame[8:8 + size]
        if op == 0x08:  # SYNC: the ROM answers several times, with a non-zero value
            for _ in range(8):
                self._reply(conn, op, 0x20120707)
        elif op == 0x0A:  # READ_REG
            (addr,) = struct.unpack_from("<I", data)
            self._reply(conn, op, self.regs.get(addr, 0))
        elif op == 0x09:  # WRITE_REG
            addr, value = struct.unpack_from("<II", data)
            if addr == SPI_CMD_REG:
                value, self.regs[SPI_W0_REG] = 0, 0x001640EF
            self.regs[addr] = value
            self._reply(conn, op)
        elif op in (0x0B, 0x0D, 0x0F, 0x04, 0x12):  # SPI params/attach, baud, FLASH_END, DEFL_END
            self._reply(conn, op)
        elif op in (0x02, 0x10):  # FLASH_BEGIN / FLASH_DEFL_BEGIN: erase size, blocks, block size, offset
            erase, _blocks, _bsize, offset = struct.unpack_from("<IIII", data)
            self._pos = offset
            self._inflate = zlib.decompressobj() if op == 0x10 else None
            self._complete = False
            self._reply(conn, op)
        elif op in (0x03, 0x11):  # FLASH_DATA / FLASH_DEFL_DATA: len, seq, 0, 0, payload
            length, _seq = struct.unpack_from("<II", data)
            payload = data[16:16 + length]
            check = 0xEF
            for b in payload:
                check ^= b
            if check != checksum:
                self._reply(conn, op, status=b"\x01\x07\x00\x00")  # checksum error
                return True
            raw = self._inflate.decompress(payload) if self._inflate else payload
            if self.drop_after_bytes is not None and self.written + len(raw) > self.drop_after_bytes:
                return False  # the cable comes out mid-write
            self.flash[self._pos:self._pos + len(raw)] = raw
            self._pos += len(raw)
            self.written += len(raw)
            if self._inflate is None or self._inflate.eof:
                self._complete = True
            self._reply(conn, op)
        elif op == 0x13:  # SPI_FLASH_MD5: address, size → 32 ASCII hex digits (stub: 16 raw bytes)
            addr, size = struct.unpack_from("<II", data)
            md5 = hashlib.md5(self.flash[addr:addr + size])
            self._reply(conn, op, data=md5.digest() if self._stub else md5.hexdigest().encode())
        elif op in (0x05, 0x07):  # MEM_BEGIN / MEM_DATA: esptool uploads its stub to RAM
            self._reply(conn, op)
        elif op == 0x06:  # MEM_END: the stub starts and says hello
            self._reply(conn, op)
            self._stub = True
            conn.sendall(slip_encode(b"OHAI"))
        elif self._stub and op == 0xD0:  # ERASE_FLASH
            self.flash[:] = b"\xff" * len(self.flash)
            self._reply(conn, op)
        elif self._stub and op == 0xD1:  # ERASE_REGION: offset, size
            offset, size = struct.unpack_from("<II", data)
            self.flash[offset:offset + size] = b"\xff" * size
            self._reply(conn, op)
        elif self._stub and op == 0xD2:  # READ_FLASH: offset, length, block size, in flight
            offset, length, block, _inflight = struct.unpack_from("<IIII", data)
            self._reply(conn, op)
            sent = 0
            while sent < length:
                chunk = bytes(self.flash[offset + sent:offset + sent + min(block, length - sent)])
                conn.sendall(slip_encode(chunk))
                sent += len(chunk)
                ack = next(self._conn_frames, None)  # the host acknowledges what it has
                if ack is None:
                    return False
            conn.sendall(slip_encode(hashlib.md5(self.flash[offset:offset + length]).digest()))
        else:
            self._reply(conn, op, status=b"\x01\x05\x00\x00")  # invalid command
        return True

    def _relay(self, conn: socket.socket) -> None:
        """After "reboot": bytes go both ways between the socket and MicroPython's port."""
        fd = os.open(self.booted_port, os.O_RDWR | os.O_NOCTTY)
        import tty

        tty.setraw(fd)
        done = threading.Event()

        def board_to_socket() -> None:
            import select

            while not done.is_set():
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    try:
                        data = os.read(fd, 4096)
                        conn.sendall(data)
                    except OSError:
                        break
            done.set()

        thread = threading.Thread(target=board_to_socket, daemon=True)
        thread.start()
        try:
            while not done.is_set():
                data = conn.recv(4096)
                if not data:
                    break
                os.write(fd, data)
        except OSError:
            pass
        finally:
            done.set()
            thread.join(timeout=2)
            os.close(fd)
            conn.close()
