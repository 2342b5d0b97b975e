"""Station registry: which board belongs to which hall station.

A station computer runs ``youthlab board bridge --station 3``, which shares its USB
board over RFC 2217 and records ``{"3": {"url": "rfc2217://host:port", ...}}`` in
``<data_dir>/boards/stations.json`` (on the hub, or a shared folder). A student's
kernel then connects with ``connect("station:3")``. Operators can also write the
file by hand (or ``youthlab board station set 3 rfc2217://10.0.0.13:4000``).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

from youthlab.boards.errors import StationUnknown
from youthlab.boards.settings import BoardSettings
from youthlab.paths import data_dir


def registry_path() -> Path:
    return Path(BoardSettings.setting("stations_file") or data_dir() / "boards" / "stations.json")


def load() -> dict[str, dict[str, Any]]:
    """All registered stations."""
    try:
        return json.loads(registry_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _update(change) -> None:
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        data = load()
        change(data)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


def register(station: str, url: str, **info: Any) -> None:
    """Record that ``station``'s board is reachable at ``url``."""
    entry = {"url": url, "updated": time.time(), **info}
    _update(lambda data: data.__setitem__(str(station), entry))


def unregister(station: str, url: str | None = None) -> None:
    """Remove a station (only if it still points at ``url``, when given)."""
    def change(data: dict) -> None:
        if str(station) in data and (url is None or data[str(station)].get("url") == url):
            del data[str(station)]
    _update(change)


def lookup(station: str) -> dict[str, Any]:
    """The registry entry of ``station``; :class:`StationUnknown` if there is none."""
    entry = load().get(str(station))
    if not entry:
        raise StationUnknown(station=station)
    return entry


def my_station() -> str | None:
    """The station of this kernel: ``YOUTHLAB_STATION``, set by the hub per seat."""
    return BoardSettings.setting("station") or None
