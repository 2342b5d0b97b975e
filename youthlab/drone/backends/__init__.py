"""Flight backends: where a :class:`~youthlab.drone.api.Drone`'s SDK commands go.

Each backend is one :class:`FlightBackend` subclass registered under the entry-point
group ``youthlab.drone_backends`` (JupyterHub's pattern for spawners and authenticators),
so a centre adds a drone with one file and one line in its package's metadata::

    [project.entry-points."youthlab.drone_backends"]
    mydrone = "my_centre.mydrone:MyDroneBackend"

Built in: ``sim`` (the simulator) and ``tello`` (a Tello over UDP).
"""

from __future__ import annotations

from typing import Any

from youthlab.drone.backends.base import FlightBackend, Telemetry
from youthlab.drone.errors import DroneError
from youthlab.plugins import BROKEN_HINT_KEY, BROKEN_KEY, PluginBroken, PluginNotFound, plugin_class, plugin_names

GROUP = "youthlab.drone_backends"


class UnknownBackend(DroneError):
    """No backend of that name is registered (or its module cannot be loaded)."""

    key = "drone.backend.unknown"
    hint_key = "drone.backend.unknown.hint"


def backend_names() -> list[str]:
    """The names of every registered backend, sorted."""
    return plugin_names(GROUP)


def backend_class(name: str) -> type[FlightBackend]:
    """The backend class registered as ``name``; :class:`UnknownBackend` (ko/en) if none."""
    try:
        return plugin_class(GROUP, name, FlightBackend)
    except PluginBroken as exc:
        raise UnknownBackend(BROKEN_KEY, BROKEN_HINT_KEY, name=name, group=GROUP, detail=exc.detail) from exc
    except PluginNotFound as exc:
        raise UnknownBackend(name=name, names=exc.detail) from exc


def make_backend(name: str, **options: Any) -> FlightBackend:
    """A backend by its registered name: ``make_backend("sim", seed=3)``."""
    return backend_class(name)(**options)


__all__ = ["FlightBackend", "Telemetry", "UnknownBackend", "backend_class", "backend_names", "make_backend"]
