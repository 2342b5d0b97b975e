"""``station`` / ``station:3``: the board at a hall station, through its RFC 2217 bridge."""

from __future__ import annotations

from typing import Any

from youthlab.boards import stations
from youthlab.boards.errors import BoardNotFound
from youthlab.boards.targets import BoardTarget, Resolved


class StationTarget(BoardTarget):
    priority = 20

    def matches(self, target: str) -> bool:
        return target == "station" or target.startswith("station:")

    def resolve(self, target: str, **options: Any) -> Resolved:
        station = target.split(":", 1)[1] if ":" in target else stations.my_station()
        if not station:
            raise BoardNotFound(port=target)
        url = stations.lookup(station)["url"]
        return Resolved(url, url, None, {"name": f"station {station}"})
