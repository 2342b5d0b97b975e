"""Where this server's real flights go: the flight service's URL, or nowhere.

Under the hub every student server gets ``YOUTHLAB_FLIGHT_URL``; then a notebook never
opens the drone link itself (:mod:`youthlab.drone.api`) and the CLI sends programs there
(:mod:`youthlab.drone.flight_client`). A leaf module, so both can ask without importing
each other.
"""

from __future__ import annotations

from typing import Mapping

from traitlets import Unicode

from youthlab.config import EnvConfigurable, knob


class FlightClientSettings(EnvConfigurable):
    """Where this server's real flights go (the hub sets it for every account's server)."""

    url = knob(Unicode(""), "YOUTHLAB_FLIGHT_URL")


def configured_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The flight service this server must fly real drones through, or None (a club
    laptop flies directly)."""
    return FlightClientSettings.setting("url", environ) or None
