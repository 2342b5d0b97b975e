"""Station bridge: share a station's USB board with a kernel on the hub (RFC 2217).

``youthlab board bridge --station 3`` opens the station's board and serves it with
pyserial's :class:`serial.rfc2217.PortManager` on ``127.0.0.1:<port>`` (``--host`` to
serve the hall network, as the operator decides), and records the URL in the station
registry. One client at a time: a second connection is refused while the first is on.
If the board is unplugged the bridge waits for it (by serial number) and serves again.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from typing import Callable

import serial
import serial.rfc2217

from youthlab.boards.discover import find_port, serial_number_of
from youthlab.i18n import t

log = logging.getLogger(__name__)
LAST_BYTES_SECONDS = 0.3


class _SocketWriter:
    """PortManager writes its telnet answers with ``.write``; sockets ``sendall``."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)


class _LinesTolerant:
    """The serial port as PortManager sees it: modem-line calls that a pty (virtual
    board) does not support are ignored instead of ending the session."""

    _LINES = {"dtr", "rts", "break_condition", "cts", "dsr", "ri", "cd"}

    def __init__(self, ser: serial.SerialBase) -> None:
        object.__setattr__(self, "_ser", ser)

    def __getattr__(self, name: str):
        try:
            return getattr(self._ser, name)
        except OSError:
            if name in self._LINES:
                return False
            raise

    def __setattr__(self, name: str, value) -> None:
        try:
            setattr(self._ser, name, value)
        except OSError:
            if name not in self._LINES:
                raise


class Bridge:
    """Serve one serial port over RFC 2217 to one TCP client at a time."""

    def __init__(
        self,
        port: str,
        *,
        host: str = "127.0.0.1",
        tcp_port: int = 0,
        serial_number: str | None = None,
        station: str | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.port = port
        # Known serial number: the bridge finds the board again after a replug or a
        # reset that re-enumerates its USB port (a new port name).
        self.serial_number = serial_number or serial_number_of(port)
        self.station = station
        self.notify = notify or (lambda msg: log.info(msg))
        self._srv = socket.socket()
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind((host, tcp_port))
        self._srv.listen(2)
        self.host = host
        self.tcp_port: int = self._srv.getsockname()[1]
        self._stop = threading.Event()
        self._client: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = socket.gethostname() if self.host in ("0.0.0.0", "") else self.host
        return f"rfc2217://{host}:{self.tcp_port}"

    def start(self) -> "Bridge":
        """Serve in a background thread (returns at once)."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="ylab-bridge")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for s in (self._srv, self._client):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _open_serial(self) -> serial.SerialBase:
        while not self._stop.is_set():
            port = self.port
            if self.serial_number:
                port = find_port(self.serial_number) or port
            try:
                ser = serial.serial_for_url(port, do_not_open=True, baudrate=115200,
                                            timeout=0.05, exclusive=True)
                ser.open()
                self.port = port
                return ser
            except (serial.SerialException, OSError):
                time.sleep(0.5)  # the board is away; wait for it to come back
        raise OSError("bridge stopped")

    def serve_forever(self) -> None:
        while not self._stop.is_set():
            try:
                client, addr = self._srv.accept()
            except OSError:
                return
            peer = f"{addr[0]}:{addr[1]}"
            try:
                ser = self._open_serial()
            except OSError:
                client.close()
                return
            self._client = client
            self.notify(t("boards.bridge.client", peer=peer))
            try:
                self._serve_client(client, ser)
            except Exception as exc:  # one bad client must not stop the station
                log.warning("bridge client %s: %s", peer, exc)
            finally:
                self._client = None
                try:
                    client.close()
                except OSError:
                    pass
                try:
                    ser.close()
                except Exception:
                    pass
                self.notify(t("boards.bridge.client_gone", peer=peer))

    def _serve_client(self, client: socket.socket, ser: serial.SerialBase) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        manager = serial.rfc2217.PortManager(_LinesTolerant(ser), _SocketWriter(client))
        alive = threading.Event()
        alive.set()

        def board_to_client() -> None:
            while alive.is_set():
                try:
                    data = ser.read(ser.in_waiting or 1)
                except (serial.SerialException, OSError):
                    # Board unplugged (or reset, re-enumerating): drop the client, it
                    # will see the link go — after it has read the board's last bytes
                    # (pyserial's RFC 2217 client discards them once its link is gone).
                    time.sleep(LAST_BYTES_SECONDS)
                    break
                if data:
                    try:
                        client.sendall(b"".join(manager.escape(data)))
                    except OSError:
                        break
            alive.clear()
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        reader = threading.Thread(target=board_to_client, daemon=True)
        reader.start()
        try:
            while alive.is_set() and not self._stop.is_set():
                try:
                    r, _, _ = select.select([client, self._srv], [], [], 0.2)
                except (OSError, ValueError):
                    break
                if self._srv in r:  # one kernel owns the board: refuse the others
                    try:
                        extra, _ = self._srv.accept()
                        extra.close()
                    except OSError:
                        pass
                if client not in r:
                    continue
                try:
                    data = client.recv(4096)
                except OSError:
                    break
                if not data:
                    break
                try:
                    ser.write(b"".join(manager.filter(data)))
                except (serial.SerialException, OSError):
                    break
        finally:
            alive.clear()
            reader.join(timeout=2)
