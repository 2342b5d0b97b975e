"""Autograding as a hub service (``youthlab.hub_services`` entry point ``grading``).

A teacher's server is not root, so it cannot run submissions as sandbox users; the
service (the hub's user) runs the same autograde as root's CLI for a caller whose hub
token shows they teach the class. Teachers' and the operator's tokens only;
``youthlab course autograde`` in their servers finds it through ``YOUTHLAB_GRADING_URL``.
"""

from __future__ import annotations

import sys
from typing import Mapping

from traitlets import CaselessStrEnum, Int

from youthlab.config import EnvConfigurable, knob
from youthlab.grading.service import grading_service_environment, hub_runs_grading_service
from youthlab.hub.services import HubService, HubWiring, free_loopback_port


class GradingServiceSettings(EnvConfigurable):
    """How the hub runs the grading service."""

    mode = knob(CaselessStrEnum(["auto", "on", "off"], default_value="auto"), "YOUTHLAB_GRADING_SERVICE")
    port = knob(Int(0, min=0, max=65535), "YOUTHLAB_GRADING_PORT")


class GradingHubService(HubService):
    name = "grading"
    order = 40

    def enabled(self, environ: Mapping[str, str]) -> bool:
        GradingServiceSettings.from_env(environ)  # a bad value is refused, with its variable
        return hub_runs_grading_service(environ)

    def ports(self, environ: Mapping[str, str]) -> list[int]:
        port = GradingServiceSettings.from_env(environ).port
        return [port] if port else []

    def configure(self, wiring: HubWiring) -> None:
        port = GradingServiceSettings.from_env(wiring.environ).port or free_loopback_port()
        wiring.services.append({
            "name": "grading",
            "url": f"http://127.0.0.1:{port}",
            "command": [sys.executable, "-m", "youthlab.grading.service", "--port", str(port)],
            "environment": grading_service_environment(wiring.environ, wiring.data),
        })
        wiring.roles.append({
            "name": "grader",
            "scopes": ["access:services!service=grading"],
            "users": list(wiring.graders),
        })
        wiring.spawner_environment["YOUTHLAB_GRADING_URL"] = f"http://127.0.0.1:{port}/services/grading/"


service = GradingHubService()
