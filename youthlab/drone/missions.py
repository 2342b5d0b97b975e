"""Missions: waypoints with a payload drop, and the lab worlds (hall, island crossing).

Geography: latitude/longitude are turned into local metres around the dock with an
equirectangular projection (error ≪ 1 m over 5 km). The *takeoff frame* that the
flight API uses has x pointing north ("forward, out to sea" from the dock), y pointing
west ("left") and z up. For indoor flights the map is shrunk ``scale`` times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from youthlab.drone.safety import Limits
from youthlab.drone.quadsim import Floor, Wind
from youthlab.i18n import LANGUAGES, t

DATA = Path(__file__).with_name("data")
EARTH_M_PER_DEG_LAT = 110_574.0
EARTH_M_PER_DEG_LON_EQ = 111_320.0


def local_metres(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """(north, west) metres of a point from the origin: the takeoff frame's (x, y)."""
    north = (lat - lat0) * EARTH_M_PER_DEG_LAT
    east = (lon - lon0) * EARTH_M_PER_DEG_LON_EQ * math.cos(math.radians(lat0))
    return north, -east


def point_in_polygon(x: float, y: float, poly: list[tuple[float, float]]) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


@dataclass
class IslandTerrain:
    """Sea with land polygons, in the simulator's metres (already scaled down)."""

    land: list[list[tuple[float, float]]]

    def is_water(self, x_m: float, y_m: float) -> bool:
        return not any(point_in_polygon(x_m, y_m, p) for p in self.land)


@dataclass
class NoFly:
    key: str  # the zone's name: a catalogue key
    x: float  # cm, takeoff frame (hall scale)
    y: float
    radius: float

    @property
    def name(self) -> dict[str, str]:
        """The zone's name in every language, from the catalogue (``rock.name["ko"]``)."""
        return {lang: t(self.key, lang) for lang in LANGUAGES}


@dataclass
class MissionSpec:
    """A world to fly in and what counts as success."""

    name: str
    title: str  # catalogue keys (youthlab/messages/drone.yaml), like the place names
    limits: Limits
    target: tuple[float, float] | None = None  # cm, where the parcel must land
    target_name: str = "drone.place.target"
    home_name: str = "drone.place.home"
    no_fly: list[NoFly] = field(default_factory=list)
    land_cm: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    wind: Wind = field(default_factory=Wind)
    payload_g: float = 0.0
    start_battery: float = 100.0
    drop_tolerance_cm: float = 25.0
    home_tolerance_cm: float = 30.0
    cruise_height_cm: float = 100.0
    scale: float = 1.0
    geo: dict[str, Any] = field(default_factory=dict)

    def terrain(self):
        if not self.land_cm:
            return Floor()
        return IslandTerrain([[(x / 100, y / 100) for x, y in p] for p in self.land_cm.values()])

    def sim_options(self, seed: int = 0) -> dict[str, Any]:
        """Keyword arguments for :class:`~youthlab.drone.quadsim.QuadSim`."""
        return {"seed": seed, "wind": self.wind, "terrain": self.terrain(),
                "payload_kg": self.payload_g / 1000, "battery_pct": self.start_battery}

    def ideal_route(self) -> list[tuple[float, float]]:
        """A short safe route home → target → home around the no-fly zones (cm)."""
        if self.target is None:
            return [(0.0, 0.0)]
        way = [(0.0, 0.0)]
        tx, ty = self.target
        for zone in self.no_fly:
            # pass the zone on the side away from the straight line, with a margin
            dx, dy = tx, ty
            L = math.hypot(dx, dy) or 1.0
            nx, ny = dy / L, -dx / L  # right-hand normal of the line
            side = 1.0 if (zone.x * nx + zone.y * ny) < 0 else -1.0
            r = zone.radius + 15
            way.append((zone.x + side * nx * r, zone.y + side * ny * r))
        way.append((tx, ty))
        return way + list(reversed(way[:-1]))


def _hall() -> MissionSpec:
    return MissionSpec(name="hall", title="drone.mission.hall.title",
                       limits=Limits(x_min=-200, x_max=300, y_min=-250, y_max=250, ceiling=200))


def _island() -> MissionSpec:
    raw = yaml.safe_load((DATA / "island.yaml").read_text(encoding="utf-8"))
    lat0, lon0 = raw["origin"]["lat"], raw["origin"]["lon"]
    scale = float(raw["scale"])

    def hall_cm(lat: float, lon: float) -> tuple[float, float]:
        n, w = local_metres(lat, lon, lat0, lon0)
        return n / scale * 100, w / scale * 100

    hall = raw["places"]["village_hall"]
    no_fly = [NoFly(z["name"], *hall_cm(z["lat"], z["lon"]), radius=z["radius_m"] / scale * 100)
              for z in raw.get("no_fly", [])]
    land = {name: [hall_cm(lat, lon) for lat, lon in poly] for name, poly in raw["land"].items()}
    return MissionSpec(
        name="island", title=raw["title"], limits=Limits(**raw["fence"]),
        target=hall_cm(hall["lat"], hall["lon"]), target_name=hall["name"],
        home_name=raw["origin"]["name"], no_fly=no_fly, land_cm=land,
        wind=Wind(**raw["wind"]), payload_g=raw["payload_g"],
        start_battery=raw["start_battery"], drop_tolerance_cm=raw["drop_tolerance_cm"],
        home_tolerance_cm=raw["home_tolerance_cm"], cruise_height_cm=raw["cruise_height_cm"],
        scale=scale, geo=raw)


_WORLDS = {"hall": _hall, "island": _island}
MISSION_NAMES = tuple(_WORLDS)  # the one list of missions (the flight service checks against it)


@lru_cache(maxsize=None)
def _builtin(name: str) -> MissionSpec:
    return _WORLDS[name]()


def get_mission(spec: "str | MissionSpec") -> MissionSpec:
    """A mission by name (``"hall"``, ``"island"``) or the spec itself."""
    if isinstance(spec, MissionSpec):
        return spec
    try:
        return _builtin(spec)
    except KeyError:
        raise ValueError(f"unknown mission {spec!r}; try {' or '.join(map(repr, MISSION_NAMES))}") from None


@dataclass
class Waypoint:
    x: float
    y: float
    z: float
    drop: bool = False
    hover: float = 0.0


class Pilot(Protocol):
    """What a mission needs of a drone (:class:`youthlab.drone.api.Drone` is one)."""

    flying: bool
    position: tuple[int, int, int]

    def takeoff(self) -> None: ...
    def go_to(self, x: float, y: float, z: float, speed: float = ...) -> None: ...
    def hover(self, seconds: float) -> None: ...
    def drop(self) -> Any: ...
    def land(self) -> None: ...


class Mission:
    """A list of waypoints (cm, takeoff frame) flown in order, with a parcel drop.

        m = Mission(speed=40)
        m.add(150, 60, 100)
        m.add(310, 300, 60, drop=True)
        m.fly(drone)            # takeoff, waypoints, back home, land
    """

    def __init__(self, speed: float = 50, return_home: bool = True) -> None:
        self.waypoints: list[Waypoint] = []
        self.speed = speed
        self.return_home = return_home

    def add(self, x: float, y: float, z: float, drop: bool = False, hover: float = 0.0) -> "Mission":
        self.waypoints.append(Waypoint(x, y, z, drop, hover))
        return self

    def fly(self, drone: Pilot) -> None:
        """Fly the whole mission on ``drone`` (any backend)."""
        if not drone.flying:
            drone.takeoff()
        for wp in self.waypoints:
            drone.go_to(wp.x, wp.y, wp.z, speed=self.speed)
            if wp.hover:
                drone.hover(wp.hover)
            if wp.drop:
                drone.hover(1)
                drone.drop()
        if self.return_home:
            back = [wp for wp in reversed(self.waypoints[:-1])]
            for wp in back:
                drone.go_to(wp.x, wp.y, wp.z, speed=self.speed)
            z = drone.position[2]
            drone.go_to(0, 0, z, speed=self.speed)
        drone.land()

    def __len__(self) -> int:
        return len(self.waypoints)
