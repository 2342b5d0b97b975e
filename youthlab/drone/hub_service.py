"""The flight service as a hub service (``youthlab.hub_services`` entry point ``flight``).

The only process that flies the real drone: students' kernels send programs to it, it
checks them in the simulator and flies them with its own safety layer. With a separate
flight station (``YOUTHLAB_FLIGHT_STATION``) the hub runs none and points the accounts'
servers at the station instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from traitlets import Bool, Unicode

from youthlab.config import knob
from youthlab.drone.secrets_guard import check_pin_strength
from youthlab.drone.service import FlightSettings, ensure_service_pin, hub_runs_flight_service, prepare_service_folder
from youthlab.hub.services import HubService, HubWiring
from youthlab.i18n import t

SCOPE = "access:services!service=flight"


class FlightServiceSettings(FlightSettings):
    """How the hub runs (or points at) the flight service; the service's own knobs (port,
    drone, token …) are :class:`~youthlab.drone.service.FlightSettings`, listed once here."""

    enabled = knob(Bool(True), "YOUTHLAB_FLIGHT")
    user = knob(Unicode(""), "YOUTHLAB_FLIGHT_USER")
    station = knob(Unicode(""), "YOUTHLAB_FLIGHT_STATION")


class FlightHubService(HubService):
    name = "flight"
    order = 30

    @staticmethod
    def _local(environ: Mapping[str, str]) -> bool:
        return hub_runs_flight_service(environ)

    def enabled(self, environ: Mapping[str, str]) -> bool:
        settings = FlightServiceSettings.from_env(environ)
        return self._local(environ) or bool(settings.station)

    def ports(self, environ: Mapping[str, str]) -> list[int]:
        return [FlightServiceSettings.from_env(environ).port] if self._local(environ) else []

    def check(self, environ: Mapping[str, str]) -> None:
        pin = FlightServiceSettings.from_env(environ).teacher_pin
        if pin:
            check_pin_strength(pin)

    def prepare(self, data: Path, environ: Mapping[str, str]) -> list[str]:
        if not self._local(environ):
            return []
        pin, made = ensure_service_pin(data, environ)
        path = data / "flight-service" / "teacher-pin"
        if made:
            path.parent.chmod(0o700)
            return [t("drone.secrets.pin_made", pin=pin, path=path)]
        if not FlightServiceSettings.from_env(environ).teacher_pin:
            return [t("hall.secrets.teacher_pin_kept", path=path)]
        return []

    def banner(self, url: str, environ: Mapping[str, str]) -> str | None:
        if not self._local(environ):
            return None
        return t("hub.flight_at", url=f"{url}services/flight/", drone=FlightServiceSettings.from_env(environ).drone)

    def configure(self, wiring: HubWiring) -> None:
        settings = FlightServiceSettings.from_env(wiring.environ)
        if settings.station:
            wiring.spawner_environment["YOUTHLAB_FLIGHT_URL"] = settings.station
            wiring.spawner_environment["YOUTHLAB_FLIGHT_TOKEN"] = settings.token
        if not self._local(wiring.environ):
            return
        entry = {
            "name": "flight",
            "url": f"http://127.0.0.1:{settings.port}",
            "command": [str(wiring.server_bin / "youthlab"), "drone", "service", "--port", str(settings.port)],
            # its settings, not the kiosk's PIN (not its secret)
            "environment": {k: v for k, v in wiring.environ.items()
                            if k.startswith("YOUTHLAB_") and k not in ("YOUTHLAB_FLIGHT_URL", "YOUTHLAB_KIOSK_PIN")},
        }
        if settings.user:  # its own system user: see `youthlab drone firewall`
            entry.update(user=settings.user, cwd=str(prepare_service_folder(wiring.data, settings.user)))
        wiring.services.append(entry)
        wiring.roles.append({
            "name": "pilot",  # everyone may send a program and press the stop button
            "scopes": [SCOPE],
            "users": list(wiring.accounts),
        })
        wiring.server_token_scopes.append(SCOPE)
        wiring.spawner_environment["YOUTHLAB_FLIGHT_URL"] = f"http://127.0.0.1:{settings.port}/services/flight/"


service = FlightHubService()
