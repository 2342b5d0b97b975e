"""The kiosk as a hub service (``youthlab.hub_services`` entry point ``kiosk``).

Visitors' touch apps at ``/services/kiosk/``, no login. The service gets an allow-list
of the environment (:mod:`youthlab.kiosk.environment`): no hub, flight or printer
secrets; the staff PIN is read by the server and never reaches visitors' kernels.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Mapping

from traitlets import Bool, Int, Unicode

from youthlab.config import EnvConfigurable, knob
from youthlab.hub.services import HubService, HubWiring
from youthlab.i18n import t
from youthlab.kiosk.environment import kiosk_service_environment
from youthlab.kiosk.public_url import public_url
from youthlab.kiosk.security import check_staff_pin, ensure_staff_pin, staff_pin_file
from youthlab.kiosk.settings import KioskSettings
from youthlab.paths import project_root


class KioskServiceSettings(EnvConfigurable):
    """How the hub runs the kiosk (the kiosk's own knobs — idle, pool, language, public URL —
    are :class:`youthlab.kiosk.settings.KioskSettings`)."""

    enabled = knob(Bool(True), "YOUTHLAB_KIOSK")
    port = knob(Int(8866, min=1, max=65535), "YOUTHLAB_KIOSK_PORT")
    staff_pin = knob(Unicode(""), "YOUTHLAB_KIOSK_PIN", secret=True)


class KioskHubService(HubService):
    name = "kiosk"
    order = 20  # after the print queue, which hands it its URL and token

    def enabled(self, environ: Mapping[str, str]) -> bool:
        return KioskServiceSettings.from_env(environ).enabled

    def ports(self, environ: Mapping[str, str]) -> list[int]:
        return [KioskServiceSettings.from_env(environ).port]

    def check(self, environ: Mapping[str, str]) -> None:
        pin = KioskServiceSettings.from_env(environ).staff_pin
        if pin and pin.strip().lower() != "off":
            check_staff_pin(pin)

    def prepare(self, data: Path, environ: Mapping[str, str]) -> list[str]:
        pin, made = ensure_staff_pin(data, environ)
        if made:
            return [t("kiosk.security.pin_made", pin=pin, path=staff_pin_file(data))]
        if pin and not KioskServiceSettings.from_env(environ).staff_pin:
            return [t("hall.secrets.kiosk_pin_kept", path=staff_pin_file(data))]
        return []

    def banner(self, url: str, environ: Mapping[str, str]) -> str | None:
        return t("hub.kiosk_at", url=f"{url}services/kiosk/")

    def configure(self, wiring: HubWiring) -> None:
        settings = KioskServiceSettings.from_env(wiring.environ)
        configured_url = KioskSettings.from_env(wiring.environ).public_url
        scheme = "https" if wiring.https else "http"
        extra = {"YOUTHLAB_DATA_DIR": str(wiring.data), "YOUTHLAB_ROOT": str(project_root()),
                 **wiring.hand_to("kiosk"),
                 "YOUTHLAB_KIOSK_PUBLIC_URL": public_url(configured_url, wiring.hub_ip,
                                                         wiring.hub_port, scheme)}
        wiring.services.append({
            "name": "kiosk",
            "url": f"http://127.0.0.1:{settings.port}",
            "command": [sys.executable, "-m", "youthlab.kiosk.server"],
            "display": True,  # listed in the hub's Services menu
            "environment": kiosk_service_environment(wiring.environ, extra),
        })


service = KioskHubService()
