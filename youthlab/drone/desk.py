"""The flight desk: real flights one at a time, each after the desk's own simulator run.

A student's notebook kernel is the student's own process: anything in it (a safety
layer, a simulate-first record, a socket to the drone) can be changed by their code.
So on a shared hub real flights are decided here, in the flight service (see
:mod:`youthlab.drone.service` for how it is started, :mod:`youthlab.drone.http_api` for
its HTTP API). The desk

1. runs the program in the simulator itself (the same mission and seed the students
   use); a crash, a safety event or not landing refuses the real flight, whatever the
   student's own machine says (a teacher's PIN, checked here, can override);
2. flies it on the drone with its own safety layer (geofence, ceiling, battery, link
   watchdog, rate limit), the program in its own process talking the line protocol
   (:mod:`youthlab.drone.program`), so student code never shares a process with it;
3. keeps the emergency stop working while a flight runs (any pilot or teacher), flies
   one program at a time, and logs every flight with its pilot.

Nothing a student sends is trusted (issue 13): programs run sandboxed
(:mod:`youthlab.sandbox`, as the system user ``<prefix>flightbox`` when root, no
environment of ours, no network, rlimits, output capped); every secret check (the
teacher's PIN, a session's secret, the station token) is rate limited per client with a
lockout and every failure logged; the stop button takes no lock a flight holds; sessions
have a maximum length; on a flight station the pilot's name is only a label and sessions
are bound to a secret returned when they open.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from youthlab.drone.api import Drone
from youthlab.drone.backends import FlightBackend
from youthlab.drone.board_protocol import BoardBackend
from youthlab.drone.errors import DroneError, EmergencyStopped, SimulateFirst
from youthlab.drone.gate import Gate
from youthlab.drone.missions import MISSION_NAMES
from youthlab.drone.program import program_sandbox, run_program
from youthlab.drone.secrets_guard import MalformedSecret, Throttle, same_secret, service_folder
from youthlab.errors import error_body
from youthlab.hub.identity import system_user_prefix
from youthlab.sandbox import Sandbox

MAX_PROGRAM_BYTES = 64_000
MAX_SESSION_HOVER_S = 30.0  # one session command may not hold the drone longer
LABEL_MAX = 32


class FlightBusy(DroneError):
    key = "drone.service.busy"
    hint_key = "drone.service.busy.hint"


class WrongTeacherPin(DroneError):
    key = "drone.service.wrong_pin"
    hint_key = "drone.service.wrong_pin.hint"


class BadFlightRequest(DroneError):
    key = "drone.service.bad_request"
    hint_key = "drone.service.bad_request.hint"


class WrongSession(DroneError):
    """Not this caller's session (or a wrong session secret)."""

    key = "drone.service.wrong_session"
    hint_key = "drone.service.wrong_session.hint"


class SessionBusy(DroneError):
    key = "drone.service.session_busy"
    hint_key = "drone.service.session_busy.hint"


def clean_label(text: Any) -> str:
    """A pilot name as a client claimed it, safe for one log line: letters, digits,
    ``._@-`` only (no newlines), at most :data:`LABEL_MAX` characters."""
    label = re.sub(r"[^\w.@-]", "_", str(text or ""), flags=re.UNICODE)[:LABEL_MAX]
    return label or "station"


@dataclass(frozen=True)
class Caller:
    """Who sent a request. Under the hub the hub says (``verified``); on a flight station
    every student server holds the same token, so the pilot name is only the label the
    client chose, and rate limits go by the client's address."""

    pilot: str
    verified: bool = True
    client: str = ""

    @property
    def key(self) -> str:
        return f"user:{self.pilot}" if self.verified else f"addr:{self.client}"

    @classmethod
    def of(cls, who: "str | Caller") -> "Caller":
        return who if isinstance(who, Caller) else cls(who)


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    """What a pilot gets back: no simulator samples, but every event and the output."""
    keep = ("backend", "mission", "final", "events", "drops", "output", "errors", "commands",
            "returncode", "timed_out", "stopped", "sim_pass", "stderr", "output_dropped")
    return {k: record.get(k) for k in keep}


def flight_sandbox() -> Sandbox:
    """Where the service runs students' programs: as root, the system user
    ``<prefix>flightbox`` (made on first use); no environment of ours, no network."""
    return program_sandbox(user=system_user_prefix() + "flightbox")


class FlightDesk:
    """Real flights, one at a time, each only after the service's own simulator run."""

    def __init__(self, make_backend: Callable[[], FlightBackend], folder: Path | None = None,
                 teacher_pin: str | None = None, seed: int = 0, timeout_s: float = 300.0,
                 session_idle_s: float = 30.0, session_max_s: float = 600.0,
                 sandbox: Sandbox | None = None, throttle: Throttle | None = None) -> None:
        self.make_backend = make_backend
        self.folder = Path(folder) if folder else service_folder()
        self.gate = Gate(self.folder)
        self.teacher_pin = teacher_pin
        self.seed = seed
        self.timeout_s = timeout_s
        self.sandbox = sandbox
        self.throttle = throttle or Throttle()
        self._flight_lock = threading.Lock()
        self._session_end = threading.Lock()
        self.session_idle_s = session_idle_s
        self.session_max_s = session_max_s
        self._current: dict[str, Any] | None = None  # pilot, drone, started
        self._estop_requested = threading.Event()

    # ---- flying -----------------------------------------------------------------------
    def fly(self, source: str, pilot: "str | Caller", mission: str = "hall", interpreter: str = "python",
            teacher_pin: Any = None) -> dict[str, Any]:
        """Simulate ``source``, then fly it for real if it passed. Never raises for a
        refusal: the answer says ``flown: false`` with the reason and the simulator run."""
        caller = Caller.of(pilot)
        self._validate(source, mission, interpreter)
        override = self._override(teacher_pin, caller)
        self._take_the_drone(caller)
        try:
            refusal, sim = self._preflight(source, caller, mission, interpreter, override)
            if refusal:
                return refusal
            clearance = (self.gate.override_clearance(source) if override else self.gate.clearance(source))
            self._current["phase"] = "flying"
            record = run_program(source, self.make_backend(), clearance=clearance, gate=self.gate,
                                 interpreter=interpreter, mission=mission, timeout_s=self.timeout_s,
                                 on_drone=self._flying, sandbox=self.sandbox, stop=self._estop_requested)
            self._log(caller, mission, "flown", record, override)
            return {"flown": True, "override": override, "flight": _summary(record),
                    "simulation": _summary(sim) if sim else None}
        finally:
            self._release_the_drone()

    def _override(self, teacher_pin: Any, caller: Caller) -> bool:
        """Whether a teacher's PIN came with the request (and is right). Each client has
        a few tries, then a lockout; every failure is logged with who sent it."""
        if teacher_pin is None or teacher_pin == "":
            return False
        self.throttle.check(caller.key)
        try:
            right = bool(self.teacher_pin) and same_secret(teacher_pin, self.teacher_pin)
        except MalformedSecret:
            right = False
            self.secret_failed(caller, "teacher_pin_malformed")
            raise
        if not right:
            self.secret_failed(caller, "teacher_pin")
            raise WrongTeacherPin()
        self.throttle.succeeded(caller.key)
        return True

    def secret_failed(self, caller: Caller, what: str) -> None:
        """Count a failed secret check against the caller; log it (service log and the
        pilot log) with the hub user, or the address and claimed label on a station."""
        locked = self.throttle.failed(caller.key)
        logging.getLogger("youthlab.flight").warning(
            "flight service: wrong %s from %s%s (%s)%s", what, caller.pilot, "" if caller.verified else " (claimed)",
            caller.client or "-", " - locked out" if locked else "")
        self._append_log({"time": time.time(), "event": "secret_failed", "secret": what, "pilot": caller.pilot,
                          "verified": caller.verified, "client": caller.client, "locked_out": locked})

    def _take_the_drone(self, caller: Caller) -> None:
        if not self._flight_lock.acquire(blocking=False):
            raise FlightBusy(pilot=(self._current or {}).get("pilot", "?"))
        self._estop_requested.clear()
        self._current = {"pilot": caller.pilot, "caller": caller, "started": time.time(),
                         "phase": "simulating", "drone": None}

    def _release_the_drone(self) -> None:
        self._current = None
        self._flight_lock.release()

    def _preflight(self, source: str | None, caller: Caller, mission: str, interpreter: str,
                   override: bool) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(refusal answer or None, simulator record): the service's own simulator run.
        The stop button ends the simulation too (and then nothing flies)."""
        sim = None
        if not override:
            sim = run_program(source, "sim", mission=mission, seed=self.seed, interpreter=interpreter,
                              gate=self.gate, timeout_s=self.timeout_s, sandbox=self.sandbox,
                              stop=self._estop_requested, on_drone=self._simulating)
            self._current["drone"] = None
        if self._estop_requested.is_set():  # the stop button was pressed before takeoff
            self._log(caller, mission, "stopped", sim or {}, override)
            return {"flown": False, **error_body(EmergencyStopped()),
                    "simulation": _summary(sim) if sim else None}, sim
        if sim is not None and not sim["sim_pass"]:
            self._log(caller, mission, "refused", sim, override)
            return {"flown": False, **error_body(SimulateFirst()), "simulation": _summary(sim)}, sim
        return None, sim

    def _simulating(self, drone: Any) -> None:
        assert self._current is not None
        self._current["drone"] = drone
        if self._estop_requested.is_set():
            drone.emergency()

    # ---- sessions: a board (or a notebook) sends commands one by one -----------------------
    def open_session(self, pilot: "str | Caller", source: str | None = None, mission: str = "hall",
                     interpreter: str = "micropython", teacher_pin: Any = None) -> dict[str, Any]:
        """Take the drone for a program that runs elsewhere (on a student's board) and
        sends its commands here one by one. Needs the program (checked in the service's
        simulator first, in MicroPython like the board) or a teacher's PIN. Every command
        still goes through the service's safety layer; the session ends after
        ``session_idle_s`` without a command, or ``session_max_s`` in all.

        The answer holds ``session`` (an id, for URLs) and ``secret``: every command must
        bring the secret (header ``X-YouthLab-Session-Secret``) — on a flight station the
        pilot's name is only a label any client could claim."""
        caller = Caller.of(pilot)
        override = self._override(teacher_pin, caller)
        if not override:
            self._validate(source, mission, interpreter)
        elif mission not in MISSION_NAMES:
            raise BadFlightRequest(detail=f"mission {mission!r}")
        self._take_the_drone(caller)
        try:
            refusal, sim = self._preflight(source, caller, mission, interpreter, override)
            if refusal:
                self._release_the_drone()
                return refusal
            clearance = (self.gate.override_clearance(source or "") if override
                         else self.gate.clearance(source or ""))
            drone = Drone(self.make_backend(), mission=mission, clearance=clearance, gate=self.gate)
        except BaseException:
            self._release_the_drone()
            raise
        session, secret = secrets.token_urlsafe(9), secrets.token_urlsafe(24)
        self._current.update(phase="session", drone=drone, session=session, secret=secret, mission=mission,
                             override=override, last=time.monotonic(), opened=time.monotonic(),
                             command_lock=threading.Lock())
        threading.Thread(target=self._expire, args=(session,), daemon=True, name="flight-session").start()
        return {"flown": True, "session": session, "secret": secret, "override": override,
                "max_seconds": self.session_max_s, "simulation": _summary(sim) if sim else None}

    def session_command(self, session: str, secret: Any, pilot: "str | Caller", message: Any) -> dict[str, Any]:
        """One command of a session, as the board sent it (``{"drone": "move", "kw": …}``).
        One at a time: a second command while one runs is refused, not queued."""
        current = self._session(session, secret, Caller.of(pilot))
        if not isinstance(message, dict):
            return {"ok": False, "error": "protocol", "message": "expected a JSON object"}
        if message.get("drone") == "hover":
            args = message.get("args") or [message.get("kw", {}).get("seconds", 0)]
            if not isinstance(args, list) or not args or not isinstance(args[0], (int, float)) \
                    or args[0] > MAX_SESSION_HOVER_S:
                return {"ok": False, "error": "hover", "message": f"hover: at most {MAX_SESSION_HOVER_S:.0f} s"}
        if not current["command_lock"].acquire(blocking=False):
            raise SessionBusy()
        current["busy"] = current.get("busy", 0) + 1  # a long hover is not an idle session
        try:
            if current.get("closing"):
                raise WrongSession()
            return BoardBackend(current["drone"], None, None).handle(message)
        finally:
            current["busy"] -= 1
            current["last"] = time.monotonic()
            current["command_lock"].release()

    def close_session(self, session: str, secret: Any, pilot: "str | Caller") -> dict[str, Any]:
        """Land if still flying, give the drone back; the flight record."""
        current = self._session(session, secret, Caller.of(pilot))
        return self._end_session(current)

    def _session(self, session: str, secret: Any, caller: Caller) -> dict[str, Any]:
        self.throttle.check(caller.key)
        current = self._current
        right = False
        if current and current.get("session") == session and not current.get("ended"):
            try:
                right = same_secret(secret, current["secret"])
            except MalformedSecret:
                right = False
            # under the hub the hub's word on who is calling counts too
            right = right and (not caller.verified or not current["caller"].verified
                               or current["caller"].pilot == caller.pilot)
        if not right:
            self.secret_failed(caller, "session")
            raise WrongSession()
        self.throttle.succeeded(caller.key)
        return current

    def _end_session(self, current: dict[str, Any]) -> dict[str, Any]:
        current["closing"] = True
        with self._session_end:
            if current.get("ended"):
                return current["ended"]
            drone = current["drone"]
            drone.close()
            record = drone.record()
            record.update(output=[], errors=[], commands=0, returncode=0, timed_out=False, sim_pass=False, stderr="")
            self._log(current["caller"], current["mission"], "flown", record, current["override"])
            current["ended"] = {"flight": _summary(record)}
            self._release_the_drone()
            return current["ended"]

    def _expire(self, session: str) -> None:
        while True:
            time.sleep(0.2)
            current = self._current
            if not current or current.get("session") != session or current.get("ended"):
                return
            now = time.monotonic()
            too_long = now - current["opened"] > self.session_max_s
            idle = not current.get("busy") and now - current["last"] > self.session_idle_s
            if too_long or idle:
                if too_long:
                    self._append_log({"time": time.time(), "event": "session_max", "pilot": current["pilot"],
                                      "seconds": round(now - current["opened"], 1)})
                self._end_session(current)
                return

    def _flying(self, drone: Any) -> None:
        assert self._current is not None
        self._current["drone"] = drone
        if self._estop_requested.is_set():
            drone.emergency()

    def emergency(self, by: "str | Caller") -> dict[str, Any]:
        """Stop the motors now. Works while a flight, a simulation or a session runs (it
        takes no lock any of them holds); with none, tells the drone anyway."""
        caller = Caller.of(by)
        self._estop_requested.set()
        current = self._current
        drone = current.get("drone") if current else None
        if drone is not None:
            drone.emergency()
        elif current is None and self._flight_lock.acquire(blocking=False):
            try:  # nothing of ours is flying: still send the drone its emergency command
                backend = self.make_backend()
                try:
                    backend.connect()
                    backend.emergency()
                finally:
                    backend.close()
            except Exception as exc:  # noqa: BLE001 — the stop button must answer, whatever happened
                self._append_log({"time": time.time(), "event": "emergency", "by": caller.pilot, "error": str(exc)})
                return {"stopped": False, "flying": False, "detail": str(exc)}
            finally:
                self._flight_lock.release()
        self._append_log({"time": time.time(), "event": "emergency", "by": caller.pilot,
                          "verified": caller.verified, "client": caller.client,
                          "pilot": current.get("pilot") if current else None,
                          "phase": current.get("phase") if current else None})
        return {"stopped": True, "flying": current is not None,
                "pilot": current.get("pilot") if current else None}

    def busy(self) -> bool:
        """Whether the drone is taken (a flight, its simulation or a session)."""
        return self._flight_lock.locked()

    def command_running(self, session: str, secret: Any) -> bool:
        """Whether a command of this session (with the right secret) is running now."""
        current = self._current
        if not current or current.get("session") != session or "command_lock" not in current:
            return False
        try:
            right = same_secret(secret, current["secret"])
        except MalformedSecret:
            return False
        return right and current["command_lock"].locked()

    def status(self) -> dict[str, Any]:
        current = self._current
        if not current:
            return {"busy": False}
        drone = current.get("drone")
        answer = {"busy": True, "pilot": current["pilot"], "phase": current["phase"],
                  "seconds": round(time.time() - current["started"], 1)}
        if drone is not None and current["phase"] != "simulating":
            answer.update(position=list(drone.position), battery=drone.battery,
                          events=[e.as_dict() for e in drone.events])
        return answer

    # ---- helpers ----------------------------------------------------------------------
    @staticmethod
    def _validate(source: Any, mission: Any, interpreter: Any) -> None:
        if not isinstance(source, str) or not source.strip():
            raise BadFlightRequest(detail="program")
        if len(source.encode("utf-8", "replace")) > MAX_PROGRAM_BYTES:
            raise BadFlightRequest(detail=f"program > {MAX_PROGRAM_BYTES} bytes")
        if not isinstance(mission, str) or mission not in MISSION_NAMES:
            raise BadFlightRequest(detail=f"mission {clean_label(mission)!r}")
        if not isinstance(interpreter, str) or interpreter not in ("python", "micropython"):
            raise BadFlightRequest(detail=f"interpreter {clean_label(interpreter)!r}")

    def _log(self, caller: Caller, mission: str, outcome: str, record: dict[str, Any], override: bool) -> None:
        self._append_log({"time": time.time(), "event": outcome, "pilot": caller.pilot,
                          "verified": caller.verified, "client": caller.client, "mission": mission,
                          "override": override, "backend": record.get("backend"),
                          "events": [e["kind"] for e in record.get("events", [])],
                          "flight_s": round(record.get("final", {}).get("t", 0.0), 1)})

    def _append_log(self, entry: dict[str, Any]) -> None:
        """One JSON line per entry (json escapes newlines: a label cannot forge a line);
        the log is the service's alone (0600)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "pilots.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
