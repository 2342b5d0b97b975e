"""The boards' knobs: documented traits (``youthlab config --area boards``).

Each is read where it is needed (:meth:`~youthlab.config.EnvConfigurable.setting`), so a
kernel sees what the hub put in its environment (its station) and a test its own folder.
"""

from __future__ import annotations

from traitlets import Unicode

from youthlab.config import EnvConfigurable


def _knob(trait, env: str):
    return trait.tag(config=True, env=env, help_key="config.help." + env.lower())


class BoardSettings(EnvConfigurable):
    """Where the stations and the firmware are, and who may open a board's serial port."""

    stations_file = _knob(Unicode("", help="The stations registry: station -> its bridge's URL "
                                           "(empty: <data>/boards/stations.json)."), "YOUTHLAB_STATIONS")
    station = _knob(Unicode("", help="This server's station (the hub sets it per seat; empty: none)."),
                    "YOUTHLAB_STATION")
    device_groups = _knob(Unicode("dialout", help="Groups that may open serial devices, comma-separated "
                                                  "(accounts join them)."), "YOUTHLAB_DEVICE_GROUPS")
    firmware_catalog = _knob(Unicode("", help="The pinned firmware list (empty: hardware/firmware.yaml)."),
                             "YOUTHLAB_FIRMWARE_CATALOG")
    firmware_cache = _knob(Unicode("", help="Where firmware files are kept (empty: <data>/firmware)."),
                           "YOUTHLAB_FIRMWARE_CACHE")
