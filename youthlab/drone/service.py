"""The flight service: the one process that flies real drones.

A student's notebook kernel is the student's own process: anything in it (a safety
layer, a simulate-first record, a socket to the drone) can be changed by their code.
So on a shared hub, real flights never start there. The kernel sends the *program*
to this service (`youthlab drone fly … --backend tello` does), which runs as a hub
service — a process, a data folder and a drone link no student owns — and there:

1. runs the program in the simulator itself (the same mission and seed the students
   use); a crash, a safety event or not landing refuses the real flight, whatever the
   student's own machine says (a teacher's PIN, checked here, can override);
2. flies it on the drone with its own safety layer (geofence, ceiling, battery, link
   watchdog, rate limit), the program in its own process talking the line protocol
   (:mod:`youthlab.drone.program`), so student code never shares a process with it;
3. keeps the emergency stop working while a flight runs (any pilot or teacher), flies
   one program at a time, and logs every flight with its pilot.

Nothing a student sends is trusted (issue 13):

- their program runs sandboxed (:mod:`youthlab.sandbox`): as root as the system user
  ``<prefix>flightbox``, with an empty environment (no PIN, no token), no network (only
  its stdin/stdout line protocol reaches the drone, through our safety layer), rlimits,
  its output capped, and every process it started ended when it is over;
- every secret check (the teacher's PIN, a session's secret, the station token) is rate
  limited per client (hub user; on a station, address) with a lockout, and every failure
  logged; the PIN is generated when unset and must have 8+ characters when set;
- the stop button has its own thread: no flight, simulation or session command can delay
  it, and it ends a running simulation too; sessions have a maximum length;
- on a flight station (one shared token) the pilot's name is only a label: sessions are
  bound to a secret returned when they open.

The drone itself must be reachable only from this service: put the drone's Wi-Fi on the
flight station (the machine running this service) and not on the hub's network, or,
on one machine, run the service as its own system user and let only that user reach
the drone (``youthlab drone firewall`` prints the rule). See README, "Drones".

:class:`FlightDesk` is the logic; :func:`make_app` the HTTP API (tornado):
``GET api/status``, ``POST api/flights`` (a whole program), ``POST api/sessions`` then
``POST/DELETE api/sessions/<id>`` (a board's commands one by one, relayed by the
student's kernel), ``POST api/emergency``. Under the hub, callers
authenticate with a hub token that has ``access:services!service=flight`` (students'
servers get it); standalone, with ``YOUTHLAB_FLIGHT_TOKEN``.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from youthlab.drone.backends import FlightBackend
from youthlab.drone.errors import DroneError, EmergencyStopped, SimulateFirst
from youthlab.drone.gate import Gate
from youthlab.drone.secrets_guard import (MalformedSecret, Throttle, TooManyTries, ensure_teacher_pin,
                                          same_secret)
from youthlab.errors import YouthLabError, error_body
from youthlab.paths import data_dir
from youthlab.sandbox import Sandbox

MAX_PROGRAM_BYTES = 64_000
MAX_BODY_BYTES = 1_000_000
MISSIONS = ("hall", "island")
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


def hub_runs_flight_service(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the hub starts its own flight service: on unless ``YOUTHLAB_FLIGHT=off``
    or a separate flight station is given (``YOUTHLAB_FLIGHT_STATION``)."""
    return environ.get("YOUTHLAB_FLIGHT", "on") != "off" and not environ.get("YOUTHLAB_FLIGHT_STATION")


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
    from youthlab.drone.program import program_sandbox
    from youthlab.hub.identity import system_user_prefix

    return program_sandbox(user=system_user_prefix() + "flightbox")


class FlightDesk:
    """Real flights, one at a time, each only after the service's own simulator run."""

    def __init__(self, make_backend: Callable[[], FlightBackend], folder: Path | None = None,
                 teacher_pin: str | None = None, seed: int = 0, timeout_s: float = 300.0,
                 session_idle_s: float = 30.0, session_max_s: float = 600.0,
                 sandbox: Sandbox | None = None, throttle: Throttle | None = None) -> None:
        self.make_backend = make_backend
        self.folder = Path(folder) if folder else data_dir() / "flight-service"
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
        from youthlab.drone.program import run_program

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
            self._secret_failed(caller, "teacher_pin_malformed")
            raise
        if not right:
            self._secret_failed(caller, "teacher_pin")
            raise WrongTeacherPin()
        self.throttle.succeeded(caller.key)
        return True

    def _secret_failed(self, caller: Caller, what: str) -> None:
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
        from youthlab.drone.program import run_program

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
        from youthlab.drone.api import Drone

        caller = Caller.of(pilot)
        override = self._override(teacher_pin, caller)
        if not override:
            self._validate(source, mission, interpreter)
        elif mission not in MISSIONS:
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
        from youthlab.drone.link import BoardBackend

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
            self._secret_failed(caller, "session")
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
        if not isinstance(mission, str) or mission not in MISSIONS:
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


# ---- HTTP ----------------------------------------------------------------------------
def make_app(desk: FlightDesk, prefix: str = "/", token: str | None = None, hub_auth: Any = None):
    """The tornado application. ``hub_auth`` (a HubAuth) under the hub, else ``token``.

    The stop button has its own thread (``estop``), never shared with flights or session
    commands, so no number of them can delay it."""
    from concurrent.futures import ThreadPoolExecutor

    from tornado import web
    from tornado.log import app_log

    estop = ThreadPoolExecutor(max_workers=2, thread_name_prefix="flight-estop")
    work = ThreadPoolExecutor(max_workers=8, thread_name_prefix="flight-work")

    class Handler(web.RequestHandler):
        caller: Caller = Caller("?")
        lockout_exempt = False  # the stop button: a valid token always works

        async def prepare(self) -> None:
            header = self.request.headers.get("Authorization", "")
            given = header[6:].strip() if header.lower().startswith("token ") else ""
            client = self.request.remote_ip or "?"
            if hub_auth is not None and given:
                user = await hub_auth.user_for_token(given, sync=False)
                if user and hub_auth.check_scopes(hub_auth.access_scopes, user):
                    self.caller = Caller(user["name"], True, client)
                    return
            elif token and given:
                station = Caller(clean_label(self.request.headers.get("X-YouthLab-Pilot", "station")), False, client)
                left = desk.throttle.locked_for(station.key)
                if left > 0 and not self.lockout_exempt:
                    self._too_many(TooManyTries(seconds=int(left) + 1))
                    return
                try:
                    right = same_secret(given, token)
                except MalformedSecret:
                    right = False
                if right:
                    self.caller = station
                    return
                desk._secret_failed(station, "token")
            app_log.warning("flight service: refused a request without a valid token from %s", client)
            self._answer(403, {"error": "forbidden", "message": {
                "ko": "비행 서비스에 들어갈 수 없어요 (토큰이 없거나 틀렸어요).",
                "en": "Not allowed into the flight service (missing or wrong token)."}})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps(body, ensure_ascii=False))

        def _too_many(self, exc: TooManyTries) -> None:
            self.set_header("Retry-After", str(exc.params.get("seconds", 60)))
            self._answer(429, error_body(exc))

        def check_xsrf_cookie(self) -> None:  # token-authenticated API, no cookies
            return

    class Status(Handler):
        def get(self) -> None:
            self._answer(200, desk.status())

    class Action(Handler):
        def body(self) -> dict[str, Any] | None:
            try:
                body = json.loads(self.request.body or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._answer(400, error_body(BadFlightRequest(detail="JSON")))
                return None
            return body

        async def run(self, job: Callable[[], dict[str, Any]]) -> None:
            """Run ``job`` in a worker thread (a flight takes minutes; the stop button has
            its own) and answer with its result or a bilingual error."""
            from tornado.ioloop import IOLoop

            try:
                answer = await IOLoop.current().run_in_executor(work, job)
            except TooManyTries as exc:
                self._too_many(exc)
            except (FlightBusy, SessionBusy) as exc:
                self._answer(409, error_body(exc))
            except (WrongTeacherPin, WrongSession) as exc:
                self._answer(403, error_body(exc))
            except (BadFlightRequest, MalformedSecret) as exc:
                self._answer(400, error_body(exc))
            except YouthLabError as exc:
                self._answer(502, error_body(exc))
            except Exception:  # noqa: BLE001 — logged here; the pilot gets words, not a traceback
                app_log.exception("flight request of %s failed", self.caller.pilot)
                self._answer(500, error_body(YouthLabError()))
            else:
                self._answer(200, answer)

    class Flights(Action):
        async def post(self) -> None:
            if desk.busy():  # answered here, no worker thread: a crowd knocking costs little
                self._answer(409, error_body(FlightBusy(pilot=desk.status().get("pilot", "?"))))
                return
            body = self.body()
            if body is not None:
                await self.run(lambda: desk.fly(body.get("source"), self.caller, body.get("mission", "hall"),
                                                body.get("interpreter", "python"), body.get("teacher_pin")))

    class Sessions(Action):
        async def post(self) -> None:
            if desk.busy():
                self._answer(409, error_body(FlightBusy(pilot=desk.status().get("pilot", "?"))))
                return
            body = self.body()
            if body is not None:
                await self.run(lambda: desk.open_session(self.caller, body.get("source"), body.get("mission", "hall"),
                                                         body.get("interpreter", "micropython"),
                                                         body.get("teacher_pin")))

    class Session(Action):
        def secret(self) -> str:
            return self.request.headers.get("X-YouthLab-Session-Secret", "")

        async def post(self, session: str) -> None:
            if desk.command_running(session, self.secret()):  # the owner's command still runs
                self._answer(409, error_body(SessionBusy()))
                return
            body = self.body()
            if body is not None:
                secret = self.secret()
                await self.run(lambda: desk.session_command(session, secret, self.caller, body))

        async def delete(self, session: str) -> None:
            secret = self.secret()
            await self.run(lambda: desk.close_session(session, secret, self.caller))

    class Emergency(Handler):
        lockout_exempt = True

        async def post(self) -> None:
            from tornado.ioloop import IOLoop

            answer = await IOLoop.current().run_in_executor(estop, desk.emergency, self.caller)
            self._answer(200, answer)

    def log_request(handler: web.RequestHandler) -> None:
        """Refusals that matter (403, 429, 5xx) as warnings; a busy drone (409) is no news."""
        status = handler.get_status()
        level = logging.WARNING if status in (403, 429) or status >= 500 else logging.DEBUG
        if app_log.isEnabledFor(level) or level == logging.WARNING:
            app_log.log(level, "%d %s %.1fms", status, handler._request_summary(),
                        1000.0 * handler.request.request_time())

    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    return web.Application([(prefix + "api/status", Status), (prefix + "api/flights", Flights),
                            (prefix + "api/sessions", Sessions), (prefix + r"api/sessions/([\w-]+)", Session),
                            (prefix + "api/emergency", Emergency)], log_function=log_request)


def ensure_service_pin(data: Path, environ: Mapping[str, str] = os.environ) -> tuple[str, bool]:
    """The teacher's PIN for the hub's flight service and whether it was made just now.

    For the launcher (``youthlab up``), before the hub starts: ``YOUTHLAB_TEACHER_PIN``
    if set (raises :class:`~youthlab.drone.secrets_guard.WeakTeacherPin`, a ConfigError
    with a ko/en message, when shorter than 8 characters), else the PIN kept in
    ``<data>/flight-service/teacher-pin`` (0600), made when missing — then print it to
    the operator once. The service itself reads the same file."""
    return ensure_teacher_pin(Path(data) / "flight-service", environ)


def prepare_service_folder(data: Path, user: str) -> Path:
    """The service's own folder in the data folder, owned by ``user`` (mode 0700), for a
    service that runs as its own system user; returns it."""
    import pwd

    entry = pwd.getpwnam(user)
    folder = data / "flight-service"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return folder


def tello_factory(host: str, port: int, state_port: int) -> Callable[[], FlightBackend]:
    def make() -> FlightBackend:
        from youthlab.drone.backends.tello import TelloBackend

        return TelloBackend(host=host, port=port, state_port=state_port)

    return make


def serve(port: int, drone: str = "emulator", tello_port: int = 8889, state_port: int = 8890,
          ip: str = "127.0.0.1", folder: Path | None = None) -> None:
    """Run the service until interrupted. ``drone``: ``emulator`` (a virtual Tello on
    loopback, the demo default) or the real Tello's address (``192.168.10.1``)."""
    from tornado.ioloop import IOLoop

    emulator = None
    if drone == "emulator":
        from youthlab.drone.emulator import TelloEmulator
        from youthlab.drone.missions import get_mission

        emulator = TelloEmulator(port=0, state_port=state_port, **get_mission("hall").sim_options(0)).start()
        host, tello_port = emulator.address
    else:
        host = drone
    import sys

    folder = Path(folder) if folder else data_dir() / "flight-service"
    pin, made = ensure_teacher_pin(folder)
    if made:
        from youthlab.i18n import t

        print(t("drone.secrets.pin_made", pin=pin, path=folder / "teacher-pin"), file=sys.stderr, flush=True)
    sandbox = flight_sandbox()
    print(f"flight service: students' programs run sandboxed: {sandbox.describe()}", file=sys.stderr, flush=True)
    desk = FlightDesk(tello_factory(host, tello_port, state_port), folder=folder, teacher_pin=pin,
                      timeout_s=float(os.environ.get("YOUTHLAB_FLIGHT_PROGRAM_MAX", "300")),
                      session_max_s=float(os.environ.get("YOUTHLAB_FLIGHT_SESSION_MAX", "600")),
                      sandbox=sandbox)
    hub_auth = None
    if os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_SERVICE_NAME"):
        from jupyterhub.services.auth import HubAuth

        hub_auth = HubAuth(cache_max_age=60)
    token = os.environ.get("YOUTHLAB_FLIGHT_TOKEN") or None
    if hub_auth is None and not token:
        from youthlab.errors import ConfigError

        raise ConfigError(detail="YOUTHLAB_FLIGHT_TOKEN is not set (needed outside the hub)")
    app = make_app(desk, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/"), token=token, hub_auth=hub_auth)
    app.listen(port, address=ip, max_body_size=MAX_BODY_BYTES)  # tornado's default is 100 MB
    try:
        IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    finally:
        if emulator is not None:
            emulator.stop()
