"""Flight backends: where SDK commands go (simulator, Tello over UDP)."""

from __future__ import annotations

from youthlab.drone.backends.base import FlightBackend, Telemetry


def make_backend(name: str, **options) -> FlightBackend:
    """A backend by name: ``sim`` (default) or ``tello``."""
    if name == "sim":
        from youthlab.drone.backends.sim import SimBackend

        return SimBackend(**options)
    if name == "tello":
        from youthlab.drone.backends.tello import TelloBackend

        return TelloBackend(**options)
    raise ValueError(f"unknown drone backend {name!r} (use 'sim' or 'tello')")


__all__ = ["FlightBackend", "Telemetry", "make_backend"]
