"""The flight service's HTTP API (tornado) in front of a :class:`~youthlab.drone.desk.FlightDesk`.

``GET api/status``, ``POST api/flights`` (a whole program), ``POST api/sessions`` then
``POST/DELETE api/sessions/<id>`` (a board's commands one by one, relayed by the
student's kernel), ``POST api/emergency``. Under the hub, callers authenticate with a hub
token that has ``access:services!service=flight`` (students' servers get it);
standalone, with the station's token. Every refusal is JSON with a ko/en message.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable

from youthlab.drone.desk import (BadFlightRequest, Caller, FlightBusy, FlightDesk, SessionBusy, WrongSession,
                                 WrongTeacherPin, clean_label)
from youthlab.drone.errors import DroneError
from youthlab.drone.secrets_guard import MalformedSecret, TooManyTries, same_secret
from youthlab.errors import YouthLabError, error_body
from youthlab.service_answer import JsonAnswers, not_found_handler

MAX_BODY_BYTES = 1_000_000  # tornado's default is 100 MB


class FlightForbidden(DroneError):
    """A request without a valid token (hub token with the flight scope, or the station's)."""

    key = "drone.service.forbidden"
    hint_key = "drone.service.forbidden.hint"

def make_app(desk: FlightDesk, prefix: str = "/", token: str | None = None, hub_auth: Any = None):
    """The tornado application. ``hub_auth`` (a HubAuth) under the hub, else ``token``.

    The stop button has its own thread (``estop``), never shared with flights or session
    commands, so no number of them can delay it."""
    from concurrent.futures import ThreadPoolExecutor

    from tornado import web
    from tornado.log import app_log

    estop = ThreadPoolExecutor(max_workers=2, thread_name_prefix="flight-estop")
    work = ThreadPoolExecutor(max_workers=8, thread_name_prefix="flight-work")

    class Handler(JsonAnswers, web.RequestHandler):
        request_error = BadFlightRequest  # tornado's own refusals (unknown path or method) as ko/en JSON
        caller: Caller = Caller("?")
        lockout_exempt = False  # the stop button: a valid token always works

        async def prepare(self) -> None:
            given = self.given_token()
            client = self.request.remote_ip or "?"
            if hub_auth is not None and given:
                user = await self.hub_user(hub_auth)
                if user:
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
                desk.secret_failed(station, "token")
            app_log.warning("flight service: refused a request without a valid token from %s", client)
            self.answer(403, error_body(FlightForbidden()))

        def _too_many(self, exc: TooManyTries) -> None:
            self.set_header("Retry-After", str(exc.params.get("seconds", 60)))
            self.answer(429, error_body(exc))

    class Status(Handler):
        def get(self) -> None:
            self.answer(200, desk.status())

    class Action(Handler):
        def body(self) -> dict[str, Any] | None:
            try:
                body = json.loads(self.request.body or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self.answer(400, error_body(BadFlightRequest(detail="JSON")))
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
                self.answer(409, error_body(exc))
            except (WrongTeacherPin, WrongSession) as exc:
                self.answer(403, error_body(exc))
            except (BadFlightRequest, MalformedSecret) as exc:
                self.answer(400, error_body(exc))
            except YouthLabError as exc:
                self.answer(502, error_body(exc))
            except Exception:  # noqa: BLE001 — logged here; the pilot gets words, not a traceback
                app_log.exception("flight request of %s failed", self.caller.pilot)
                self.answer(500, error_body(YouthLabError()))
            else:
                self.answer(200, answer)

    class Flights(Action):
        async def post(self) -> None:
            if desk.busy():  # answered here, no worker thread: a crowd knocking costs little
                self.answer(409, error_body(FlightBusy(pilot=desk.status().get("pilot", "?"))))
                return
            body = self.body()
            if body is not None:
                await self.run(lambda: desk.fly(body.get("source"), self.caller, body.get("mission", "hall"),
                                                body.get("interpreter", "python"), body.get("teacher_pin")))

    class Sessions(Action):
        async def post(self) -> None:
            if desk.busy():
                self.answer(409, error_body(FlightBusy(pilot=desk.status().get("pilot", "?"))))
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
                self.answer(409, error_body(SessionBusy()))
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
            self.answer(200, answer)

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
                            (prefix + "api/emergency", Emergency)], log_function=log_request,
                            default_handler_class=not_found_handler(Handler))
