"""Talk to the flight service from a student's server: send a program, press stop.

Under the hub, ``YOUTHLAB_FLIGHT_URL`` (set for every student server;
:class:`~youthlab.drone.flight_url.FlightClientSettings`) says where the service is and
the server's own hub token (``JUPYTERHUB_API_TOKEN``) says who is flying. Elsewhere (a
club laptop talking to a flight station) give the URL and the station's
``YOUTHLAB_FLIGHT_TOKEN`` (:class:`~youthlab.drone.service.FlightSettings`).
"""

from __future__ import annotations

import os
from typing import Any

import requests

from youthlab.drone.board_protocol import ACTIONS, READS, BoardBackend
from youthlab.drone.errors import DroneError
from youthlab.drone.flight_url import configured_url
from youthlab.drone.service import FlightSettings
from youthlab.service_answer import AnsweredError


class FlightServiceUnreachable(DroneError):
    key = "drone.service.unreachable"
    hint_key = "drone.service.unreachable.hint"


class NoFlightService(DroneError):
    key = "drone.service.no_url"
    hint_key = "drone.service.no_url.hint"


class FlightServiceRefused(AnsweredError, DroneError):
    """The service said no; its answer carries the message in both languages."""

    key = "drone.error"

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        super().__init__(detail=str(answer.get("error") or answer))


def service_url(url: str | None = None) -> str:
    url = url or configured_url()
    if not url:
        raise NoFlightService()
    return url.rstrip("/") + "/"


def _headers() -> dict[str, str]:
    """The token; on a flight station also a pilot label for its log (only a label: the
    station cannot check it, so sessions are bound to their own secret)."""
    station_token = FlightSettings.setting("token")  # the station's token, shared by station and callers
    # JupyterHub gives every server its own token and user name in the environment: a
    # process boundary, not a YouthLab setting.
    token = station_token or os.environ.get("JUPYTERHUB_API_TOKEN") or ""
    headers = {"Authorization": f"token {token}"}
    label = os.environ.get("JUPYTERHUB_USER") or os.environ.get("USER") or ""
    if station_token and label.isascii() and label.isprintable():
        headers["X-YouthLab-Pilot"] = label[:32]
    return headers


def _call(method: str, url: str, path: str, timeout: float, headers: dict[str, str] | None = None,
          **kw: Any) -> dict[str, Any]:
    try:
        r = requests.request(method, url + path, headers={**_headers(), **(headers or {})}, timeout=timeout, **kw)
    except requests.RequestException as exc:
        raise FlightServiceUnreachable(url=url, detail=type(exc).__name__) from exc
    try:
        answer = r.json()
    except ValueError:
        raise FlightServiceUnreachable(url=url, detail=f"HTTP {r.status_code}") from None
    if r.status_code != 200:
        raise FlightServiceRefused(answer)
    return answer


def fly(source: str, mission: str = "hall", interpreter: str = "python", teacher_pin: str | None = None,
        url: str | None = None, timeout: float = 660.0) -> dict[str, Any]:
    """Send ``source`` for a real flight; returns the service's answer (``flown``, the
    simulator run, the flight record). Waits until the flight is over."""
    body = {"source": source, "mission": mission, "interpreter": interpreter}
    if teacher_pin:
        body["teacher_pin"] = teacher_pin
    return _call("POST", service_url(url), "api/flights", timeout, json=body)


def emergency(url: str | None = None) -> dict[str, Any]:
    """The stop button: motors off now."""
    return _call("POST", service_url(url), "api/emergency", 10.0)


def status(url: str | None = None) -> dict[str, Any]:
    return _call("GET", service_url(url), "api/status", 10.0)


class FlightSession:
    """The drone taken for commands sent one by one (a board's, or a notebook's).

    ``with open_session(source=…) as s: s.command({"drone": "takeoff"})``; leaving the
    block lands the drone and gives it back. Every command goes through the service's
    safety layer and carries the session's secret (only this object knows it)."""

    def __init__(self, url: str, session: str, answer: dict[str, Any]) -> None:
        self.url, self.session, self.answer = url, session, answer
        self._auth = {"X-YouthLab-Session-Secret": answer.get("secret", "")}
        self.record: dict[str, Any] | None = None

    def command(self, message: dict[str, Any]) -> dict[str, Any]:
        """One line-protocol message → the reply (``{"ok": …}``)."""
        try:
            return _call("POST", self.url, f"api/sessions/{self.session}", 660.0, headers=self._auth, json=message)
        except FlightServiceRefused as exc:
            return {"ok": False, "error": exc.answer.get("error", "refused"), "message": exc.message()}

    def close(self) -> dict[str, Any]:
        if self.record is None:
            self.record = _call("DELETE", self.url, f"api/sessions/{self.session}", 60.0, headers=self._auth)["flight"]
        return self.record

    def __enter__(self) -> "FlightSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_session(source: str | None = None, mission: str = "hall", interpreter: str = "micropython",
                 teacher_pin: str | None = None, url: str | None = None) -> FlightSession:
    """Take the drone for a program that runs elsewhere. The service checks ``source``
    in its simulator first (or takes a teacher's PIN); :class:`FlightServiceRefused`
    (with the simulator's events in ``.answer``) if it says no."""
    url = service_url(url)
    body: dict[str, Any] = {"mission": mission, "interpreter": interpreter}
    if source is not None:
        body["source"] = source
    if teacher_pin:
        body["teacher_pin"] = teacher_pin
    answer = _call("POST", url, "api/sessions", 660.0, json=body)
    if not answer.get("flown"):
        raise FlightServiceRefused(answer)
    return FlightSession(url, answer["session"], answer)


class RemoteDrone:
    """The classroom drone from a notebook, cell by cell, through the flight service:
    ``drone = RemoteDrone(teacher_pin=…)`` then ``drone.takeoff()`` … ``drone.close()``.
    Same commands as :class:`youthlab.drone.Drone`; the service keeps every safety rule."""

    def __init__(self, source: str | None = None, teacher_pin: str | None = None, mission: str = "hall",
                 url: str | None = None) -> None:
        self._session = open_session(source, mission=mission, interpreter="python", teacher_pin=teacher_pin,
                                     url=url)

    def _send(self, name: str, *args: Any, **kw: Any) -> Any:
        reply = self._session.command({"drone": name, "args": list(args), "kw": kw})
        if not reply.get("ok"):
            raise FlightServiceRefused({"error": reply.get("error"), "message": {"ko": reply.get("message"),
                                                                                "en": reply.get("message")}})
        return reply.get("value")

    def __getattr__(self, name: str) -> Any:
        if name in READS:
            return self._send(name)
        if name in ACTIONS:
            return lambda *args, **kw: self._send(name, *args, **kw)
        raise AttributeError(name)

    def close(self) -> dict[str, Any]:
        """Land (if still flying) and give the drone back; the flight record."""
        return self._session.close()


def relay_board(lines: Any, session: FlightSession, on_output: Any = None) -> Any:
    """Relay a board's drone lines (a :class:`~youthlab.drone.board_protocol.SerialLines`) to the
    service until the board's program ends; returns the link result."""
    class Relay(BoardBackend):
        def handle(self, message: dict[str, Any]) -> dict[str, Any]:
            return session.command(message)

    return Relay(None, lines, lines, on_output=on_output).serve()
