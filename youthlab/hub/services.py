"""The hub's services (kiosk, flight, print queue, grading …), found by entry point.

The hub knows no lab: an area that runs a service behind the hub registers one small
object under the entry-point group ``youthlab.hub_services`` (pyproject.toml)::

    [project.entry-points."youthlab.hub_services"]
    print = "youthlab.stamp.hub_service:service"

Each is a :class:`HubService`: whether it is on (from its settings), the loopback ports
it needs free and its checks before anything starts, the secrets it makes at the first
start, the line it adds to the ready banner, and what it adds to JupyterHub's
configuration (its ``services`` entry, roles, the accounts' environment and token
scopes). Which services are on is decided ONCE: ``youthlab up`` decides and hands the
list to ``hub_config/jupyterhub_config.py`` in ``YOUTHLAB_HUB_SERVICES``; a hub started
by hand decides the same way from the same settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Mapping

from youthlab.errors import ConfigError

SERVICES_GROUP = "youthlab.hub_services"
CHOSEN_VAR = "YOUTHLAB_HUB_SERVICES"  # set by `youthlab up`: the services it decided on


@dataclass
class HubWiring:
    """One hub start as a service sees it, and what the services add to it."""

    environ: Mapping[str, str]
    data: Path
    accounts: list[str]  # every account of the plan
    graders: list[str]  # the operator and the teachers
    server_bin: Path  # the runtime's bin folder (python, youthlab) the accounts run from
    hub_ip: str = "127.0.0.1"
    hub_port: int = 8000
    https: bool = False
    services: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    spawner_environment: dict[str, str] = field(default_factory=dict)
    server_token_scopes: list[str] = field(default_factory=list)
    handed: dict[str, dict[str, str]] = field(default_factory=dict)

    def hand_to(self, service: str) -> dict[str, str]:
        """Environment one service hands another (the print queue's URL and token to the
        kiosk); the receiver reads it in its own :meth:`HubService.configure`, which runs
        later because of its higher :attr:`HubService.order`."""
        return self.handed.setdefault(service, {})


class HubService:
    """A service the hub starts and routes at ``/services/<name>/``. Subclass per area."""

    name: str = ""
    order: int = 50  # configure() runs in this order (a receiver of handed environment later)

    def enabled(self, environ: Mapping[str, str]) -> bool:
        return True

    def ports(self, environ: Mapping[str, str]) -> list[int]:
        """Loopback ports that must be free before the hub starts."""
        return []

    def check(self, environ: Mapping[str, str]) -> None:
        """Refuse (a YouthLabError with a ko/en reason) what would start unsafely: weak PINs …"""

    def prepare(self, data: Path, environ: Mapping[str, str]) -> list[str]:
        """Before the hub starts: make what the service keeps (secrets); lines to show once."""
        return []

    def banner(self, url: str, environ: Mapping[str, str]) -> str | None:
        """The line ``youthlab up`` prints for it once the hub answers at ``url``."""
        return None

    def configure(self, wiring: HubWiring) -> None:
        """Add the service to JupyterHub's configuration (``wiring.services`` …)."""


class UnknownHubService(ConfigError):
    key = "hub.services.unknown"
    hint_key = "hub.services.unknown.hint"


def all_services() -> dict[str, HubService]:
    """Every registered service by name, in :attr:`HubService.order`."""
    found = []
    for ep in entry_points(group=SERVICES_GROUP):
        service = ep.load()
        service = service() if isinstance(service, type) else service
        service.name = service.name or ep.name
        found.append(service)
    return {s.name: s for s in sorted(found, key=lambda s: (s.order, s.name))}


def decide(environ: Mapping[str, str] | None = None) -> list[HubService]:
    """The services this hub runs: those ``youthlab up`` chose (``YOUTHLAB_HUB_SERVICES``),
    else those whose settings say they are on."""
    env = os.environ if environ is None else environ
    services = all_services()
    if CHOSEN_VAR in env:
        names = [n for n in env[CHOSEN_VAR].split(",") if n]
        unknown = [n for n in names if n not in services]
        if unknown:
            raise UnknownHubService(names=", ".join(unknown), known=", ".join(services))
        return [s for name, s in services.items() if name in names]
    return [s for s in services.values() if s.enabled(env)]


def chosen_environment(chosen: list[HubService]) -> dict[str, str]:
    """How ``youthlab up`` hands its decision to the hub's configuration file."""
    return {CHOSEN_VAR: ",".join(s.name for s in chosen)}


def free_loopback_port() -> int:
    """A loopback port nobody listens on now (a service's default: no clash between hubs)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
