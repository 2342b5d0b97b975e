"""The board backend: a mission program elsewhere sends commands as text lines.

A program (MicroPython on a student's board, the unix-port MicroPython, or CPython in a
sandbox process) uses ``hardware/micropython/drone.py``, which prints one line per
command — ``@ylab {"drone": "move", "args": [], "kw": {"forward": 100}}`` — and reads one
JSON reply line. :class:`BoardBackend` reads those lines from any text stream, flies
them on a host :class:`~youthlab.drone.api.Drone` (simulator or Tello, with every safety
rule), and writes the replies back. Other lines are the program's own output.

Because the program never runs in our process, it cannot reach the safety layer at all.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import IO, Any, Callable

from youthlab.drone.api import Drone
from youthlab.drone.errors import LinkError
from youthlab.errors import YouthLabError

PREFIX = "@ylab "
RESEND = b'{"resend": 1}\n'  # JSON, and harmless if a REPL reads it
NUDGE_SECONDS = 1.0
ACTIONS = {"takeoff", "land", "move", "forward", "back", "left", "right", "up", "down",
           "rotate", "go_to", "hover", "set_speed", "drop", "emergency"}
READS = {"battery", "position", "heading", "flying"}


@dataclass
class LinkResult:
    commands: int = 0
    output: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class BoardBackend:
    """Serve one program's command lines onto ``drone``."""

    name = "board"

    def __init__(self, drone: Drone, reader: IO[str], writer: IO[str],
                 on_output: Callable[[str], None] | None = None) -> None:
        self.drone = drone
        self.reader = reader
        self.writer = writer
        self.on_output = on_output
        self.result = LinkResult()

    def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        """One command → one reply (never raises)."""
        name = message.get("drone")
        args = message.get("args") or []
        kw = message.get("kw") or {}
        try:
            if name in READS:
                value = getattr(self.drone, name)
                return {"ok": True, "value": list(value) if isinstance(value, tuple) else value}
            if name not in ACTIONS or not isinstance(args, list) or not isinstance(kw, dict):
                return {"ok": False, "error": "unknown", "message": f"unknown command: {name}"}
            value = getattr(self.drone, name)(*args, **kw)
            return {"ok": True, "value": _plain(value)}
        except YouthLabError as exc:
            self.result.errors.append(exc.message("en"))
            return {"ok": False, "error": type(exc).__name__, "message": exc.message()}
        except (TypeError, ValueError) as exc:
            self.result.errors.append(str(exc))
            return {"ok": False, "error": type(exc).__name__, "message": str(exc)}

    def serve(self) -> LinkResult:
        """Until the program's output ends.

        A command with a ``seq`` the last one had too is a repeat (the board resent it after
        a "resend" nudge, see :class:`SerialLines`): it gets the same reply, not a second flight.
        """
        last_seq, last_reply = None, None
        for raw in iter(self.reader.readline, ""):
            line = raw.rstrip("\r\n")
            if not line.startswith(PREFIX):
                self.result.output.append(line)
                if self.on_output:
                    self.on_output(line)
                continue
            try:
                message = json.loads(line[len(PREFIX):])
                seq = message.pop("seq", None) if isinstance(message, dict) else None
                if seq is not None and seq == last_seq:
                    reply = last_reply
                else:
                    reply = self.handle(message) if isinstance(message, dict) else \
                        {"ok": False, "error": "protocol", "message": "expected a JSON object"}
                    self.result.commands += 1
                    if seq is not None:
                        reply = last_reply = {**reply, "seq": seq}
                        last_seq = seq
            except ValueError:
                reply = {"ok": False, "error": "protocol", "message": "bad JSON"}
                self.result.commands += 1
            try:
                self.writer.write(json.dumps(reply, ensure_ascii=False) + "\n")
                self.writer.flush()
            except (BrokenPipeError, ValueError, OSError):
                break
        return self.result


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 2)
    return value


class SerialLines:
    """A pyserial port (``/dev/ttyACM0``, ``rfc2217://station:port``, a pty) as the
    text reader/writer :class:`BoardBackend` wants: ``readline()`` ('' when closed),
    ``write()``, ``flush()``."""

    def __init__(self, url: str, baudrate: int = 115200, stop: Any = None) -> None:
        import serial

        try:
            self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.2)
        except (serial.SerialException, ValueError) as exc:
            raise LinkError(detail=f"{url}: {exc}") from exc
        self.stop = stop  # a threading.Event; set it to end readline() loops
        self._buf = b""
        # Opening a port drops what the board sent before: until its first command arrives,
        # ask it now and then to resend (drone.py resends its waiting command, if any).
        self._heard_command = False
        self._nudged = time.monotonic()

    def readline(self) -> str:
        while b"\n" not in self._buf:
            if self.stop is not None and self.stop.is_set():
                return ""
            try:
                chunk = self.port.read(256)
                if not chunk and not self._heard_command and time.monotonic() - self._nudged > NUDGE_SECONDS:
                    self._nudged = time.monotonic()
                    self.port.write(RESEND)
            except Exception:  # the port went away (board unplugged)
                return ""
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        if line.startswith(PREFIX.encode()):
            self._heard_command = True
        return line.decode("utf-8", "replace") + "\n"

    def write(self, text: str) -> int:
        return self.port.write(text.encode("utf-8"))

    def flush(self) -> None:
        self.port.flush()

    def close(self) -> None:
        self.port.close()
