"""The print queue as a hub service (``youthlab.hub_services`` entry point ``print``).

The service owns the queue (``<data>/print-service``, 0700) and knows each caller from
their hub token: students see and cancel their own jobs, teachers their class's, staff
all; students send STL/3MF, the service checks and slices them. The kiosk prints as
``kiosk-print`` with a token that can do nothing else (made at each start).
"""

from __future__ import annotations

import secrets
import sys
from typing import Mapping

from traitlets import Bool, Int, Unicode

from youthlab.config import EnvConfigurable, knob
from youthlab.hub.services import HubService, HubWiring, free_loopback_port


class PrintServiceSettings(EnvConfigurable):
    """How the hub runs the print queue (the queue's own limits are the service's)."""

    enabled = knob(Bool(True), "YOUTHLAB_PRINT", help_key="stamp.setting.service_enabled")
    port = knob(Int(0, min=0, max=65535), "YOUTHLAB_PRINT_PORT", help_key="stamp.setting.service_port")
    user = knob(Unicode(""), "YOUTHLAB_PRINT_USER", help_key="stamp.setting.service_user")


class PrintHubService(HubService):
    name = "print"
    order = 10  # before the kiosk: it hands the kiosk its URL and token

    def enabled(self, environ: Mapping[str, str]) -> bool:
        return PrintServiceSettings.from_env(environ).enabled

    def ports(self, environ: Mapping[str, str]) -> list[int]:
        port = PrintServiceSettings.from_env(environ).port
        return [port] if port else []

    def configure(self, wiring: HubWiring) -> None:
        from youthlab.stamp.print_service import prepare_service_folder, print_service_environment

        settings = PrintServiceSettings.from_env(wiring.environ)
        port = settings.port or free_loopback_port()
        url = f"http://127.0.0.1:{port}/services/print/"
        entry = {
            "name": "print",
            "url": f"http://127.0.0.1:{port}",
            "command": [sys.executable, "-m", "youthlab.stamp.print_service", "--port", str(port)],
            "environment": print_service_environment(wiring.environ, wiring.data),
        }
        if settings.user:  # its own system user: student files never parsed as root
            folder = prepare_service_folder(wiring.data, settings.user)
            entry.update(user=settings.user, cwd=str(folder),
                         command=[str(wiring.server_bin / "python"), *entry["command"][1:]])
            entry["environment"]["HOME"] = str(folder)
        token = secrets.token_hex(32)
        wiring.services += [entry, {"name": "kiosk-print", "api_token": token}]
        wiring.roles.append({
            "name": "printer-user",  # every account may queue, list and cancel (as the service allows)
            "scopes": ["access:services!service=print"],
            "users": list(wiring.accounts),
            "services": ["kiosk-print"],
        })
        wiring.spawner_environment["YOUTHLAB_PRINT_URL"] = url
        wiring.server_token_scopes.append("access:services!service=print")
        wiring.hand_to("kiosk").update(YOUTHLAB_PRINT_URL=url, YOUTHLAB_PRINT_TOKEN=token)


service = PrintHubService()
