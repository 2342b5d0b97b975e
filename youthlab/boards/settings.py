"""The boards' knobs: documented traits (``youthlab config --area boards``).

Each is read where it is needed (:meth:`~youthlab.config.EnvConfigurable.setting`), so a
kernel sees what the hub put in its environment (its station) and a test its own folder.
"""

from __future__ import annotations

from traitlets import Unicode

from youthlab.config import EnvConfigurable, knob


class BoardSettings(EnvConfigurable):
    """Where the stations and the firmware are, and who may open a board's serial port."""

    stations_file = knob(Unicode(""), "YOUTHLAB_STATIONS")
    station = knob(Unicode(""), "YOUTHLAB_STATION")
    firmware_catalog = knob(Unicode(""), "YOUTHLAB_FIRMWARE_CATALOG")
    firmware_cache = knob(Unicode(""), "YOUTHLAB_FIRMWARE_CACHE")
