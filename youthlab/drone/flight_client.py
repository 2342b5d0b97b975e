"""Talk to the flight service from a student's server: send a program, press stop.

Under the hub, ``YOUTHLAB_FLIGHT_URL`` (set for every student server) says where the
service is and the server's own hub token (``JUPYTERHUB_API_TOKEN``) says who is flying.
Elsewhere (a club laptop talking to a flight station) give the URL and
``YOUTHLAB_FLIGHT_TOKEN``.
"""

from __future__ import annotations

import os
from typing import Any

import requests

from youthlab.drone.errors import DroneError


class FlightServiceUnreachable(DroneError):
    key = "drone.service.unreachable"
    hint_key = "drone.service.unreachable.hint"


class NoFlightService(DroneError):
    key = "drone.service.no_url"
    hint_key = "drone.service.no_url.hint"


class FlightServiceRefused(DroneError):
    """The service said no; its answer carries the message in both languages."""

    key = "drone.error"

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        super().__init__()

    def message(self, lang: str | None = None) -> str:
        from youthlab.i18n import current_language

        texts = self.answer.get("message") or {}
        return texts.get(lang or current_language()) or texts.get("en") or str(self.answer)

    def hint(self, lang: str | None = None) -> str | None:
        from youthlab.i18n import current_language

        texts = self.answer.get("hint") or {}
        return texts.get(lang or current_language()) or texts.get("en")


def service_url(url: str | None = None) -> str:
    url = url or os.environ.get("YOUTHLAB_FLIGHT_URL")
    if not url:
        raise NoFlightService()
    return url.rstrip("/") + "/"


def _headers() -> dict[str, str]:
    token = os.environ.get("YOUTHLAB_FLIGHT_TOKEN") or os.environ.get("JUPYTERHUB_API_TOKEN") or ""
    return {"Authorization": f"token {token}"}


def _call(method: str, url: str, path: str, timeout: float, **kw: Any) -> dict[str, Any]:
    try:
        r = requests.request(method, url + path, headers=_headers(), timeout=timeout, **kw)
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
