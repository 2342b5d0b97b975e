"""The drone kiosk's scene: a top-down map (hall floor or the island crossing) drawn as SVG
in the browser, with the drone on it, the stops a visitor tapped and the flight played
back as an animation.

One anywidget (``kiosk_scene.js`` is its whole front end: no CDN, no build step). The
kernel owns the truth: it sends the world once (``world``), the drone's pose, the planned
stops and flown tracks as traits, and a flight as a ``play`` message of frames
``[t_s, x_cm, y_cm, z_cm, heading_deg | None]`` in the takeoff frame (x north, y west).
The browser animates the frames, sends ``played`` when a flight has been shown, and
sends a visitor's tap on the map as ``tap`` with the map point in cm: the kernel checks
it (:meth:`DroneScene.tap_point`) before anything uses it.

Map convention: north (x) up, east (-y) to the right, as on a paper map.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import anywidget
import traitlets

from youthlab.drone.missions import MissionSpec, get_mission
from youthlab.i18n import t

Frame = list  # [t_s, x_cm, y_cm, z_cm, heading_deg | None]

#: The most frames one ``play`` message carries (a long flight is thinned to this).
MAX_FRAMES = 400


class DroneScene(anywidget.AnyWidget):
    """A tappable top-down map with an animated drone (one per kiosk app)."""

    _esm = Path(__file__).with_name("kiosk_scene.js").read_text(encoding="utf-8")
    world = traitlets.Dict(help="What the map shows: bounds, land, no-fly zones, home, target, labels (cm)"
                           ).tag(sync=True)
    drone = traitlets.Dict({"x": 0.0, "y": 0.0, "z": 0.0, "heading": 0.0, "flying": False},
                           help="Where the drone is when nothing plays (cm, degrees clockwise)").tag(sync=True)
    stops = traitlets.List(help="The stops the visitor placed, [[x, y], ...] cm").tag(sync=True)
    bad_legs = traitlets.List(help="Indices of the planned legs that cross a no-fly zone").tag(sync=True)
    tracks = traitlets.List(help="Flown tracks to draw, each [[x, y], ...] cm").tag(sync=True)
    drops = traitlets.List(help="Where parcels landed, [[x, y], ...] cm").tag(sync=True)
    tappable = traitlets.Bool(False, help="Whether a tap on the map places a stop").tag(sync=True)
    label = traitlets.Unicode("", help="What the map is, for screen readers (the visitor's language)"
                              ).tag(sync=True)
    speedup = traitlets.Float(3.0, help="How many times faster than the flight the animation plays").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        import ipywidgets

        # fill the kiosk's scene area (the map keeps its shape inside)
        kwargs.setdefault("layout", ipywidgets.Layout(width="100%", height="100%", flex="1 1 auto",
                                                      align_self="stretch", min_width="0", min_height="0"))
        super().__init__(**kwargs)
        self._on_tap: list[Callable[[float, float], None]] = []
        self._on_played: list[Callable[[int], None]] = []
        self._play_id = 0
        self.played_id = 0
        self.on_msg(self._message)

    # -- kernel -> browser ---------------------------------------------------------------------
    def play(self, frames: Sequence[Frame]) -> int:
        """Animate a flight; returns its id (``played`` callbacks get it when it was shown)."""
        self._play_id += 1
        frames = thin(list(frames), MAX_FRAMES)
        self.send({"type": "play", "id": self._play_id, "frames": frames})
        if frames:
            last = frames[-1]
            heading = last[4] if last[4] is not None else self.drone.get("heading", 0.0)
            self.drone = {**self.drone, "x": last[1], "y": last[2], "z": last[3], "heading": heading}
        return self._play_id

    # -- browser -> kernel ---------------------------------------------------------------------
    def on_tap(self, callback: Callable[[float, float], None]) -> None:
        """Call ``callback(x_cm, y_cm)`` for each valid tap on the map (only while tappable)."""
        self._on_tap.append(callback)

    def on_played(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(play_id)`` when the browser has finished showing a flight."""
        self._on_played.append(callback)

    def tap_point(self, content: Any) -> tuple[float, float] | None:
        """The map point of a ``tap`` message, or None if it is not one on this map.

        The message comes from a browser: anything but two finite numbers inside the map's
        bounds is ignored."""
        if not isinstance(content, dict):
            return None
        try:
            x, y = float(content["x"]), float(content["y"])
        except (KeyError, TypeError, ValueError):
            return None
        w = self.world
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        if not (w.get("x_min", -math.inf) <= x <= w.get("x_max", math.inf)
                and w.get("y_min", -math.inf) <= y <= w.get("y_max", math.inf)):
            return None
        return round(x, 1), round(y, 1)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "tap" and self.tappable:
            point = self.tap_point(content)
            if point is not None:
                for callback in self._on_tap:
                    callback(*point)
        elif kind == "played":
            try:
                played = int(content.get("id", 0))
            except (TypeError, ValueError):
                return
            if 0 < played <= self._play_id and played > self.played_id:
                self.played_id = played
                for callback in self._on_played:
                    callback(played)


# -- worlds ------------------------------------------------------------------------------------
def island_world(mission: str | MissionSpec = "island", lang: str | None = None) -> dict[str, Any]:
    """The island crossing as the scene draws it: the fence as the map's edge, land, the
    seabird rock, the dock and the village hall, named in ``lang``."""
    spec = get_mission(mission)
    lim = spec.limits
    world: dict[str, Any] = {
        "kind": "island", "x_min": lim.x_min, "x_max": lim.x_max, "y_min": lim.y_min, "y_max": lim.y_max,
        "land": [[list(p) for p in poly] for poly in spec.land_cm.values()],
        "no_fly": [{"x": z.x, "y": z.y, "r": z.radius, "label": t(z.key, lang)} for z in spec.no_fly],
        "home": {"x": 0.0, "y": 0.0, "label": t(spec.home_name, lang)},
        "north": t("drone.kiosk.scene.north", lang),
    }
    if spec.target is not None:
        world["target"] = {"x": spec.target[0], "y": spec.target[1], "r": spec.drop_tolerance_cm,
                           "label": t(spec.target_name, lang)}
    return world


def hall_world(mission: str | MissionSpec = "hall", star: tuple[float, float] | None = None,
               lang: str | None = None) -> dict[str, Any]:
    """The hall floor (the flight fence) with the take-off pad and, for the pilot game, a star."""
    lim = get_mission(mission).limits
    world: dict[str, Any] = {
        "kind": "hall", "x_min": lim.x_min, "x_max": lim.x_max, "y_min": lim.y_min, "y_max": lim.y_max,
        "grid": 50, "land": [], "no_fly": [],
        "home": {"x": 0.0, "y": 0.0, "label": t("drone.kiosk.scene.pad", lang), "pad": True},
        "north": "", "height": t("drone.kiosk.scene.height", lang),
    }
    if star is not None:
        world["star"] = {"x": star[0], "y": star[1], "label": t("drone.kiosk.scene.star", lang)}
    return world


# -- flights as frames -------------------------------------------------------------------------
def frames_from_samples(samples: Iterable[Any], start: int = 0) -> list[Frame]:
    """Frames from the simulator's samples (``drone.samples``: metres) from index ``start``."""
    return [[round(s.t, 2), round(s.x * 100, 1), round(s.y * 100, 1), round(s.z * 100, 1),
             round(s.yaw, 1)]  # clockwise-positive degrees, like ``drone.heading``
            for s in list(samples)[start:]]


def frames_from_record(record: dict[str, Any]) -> list[Frame]:
    """Frames from a flight record (``drone.record()``: cm, no heading: the scene faces the
    drone where it flies)."""
    rows = record.get("samples") or [(p[0], p[1], p[2], p[3]) for p in record.get("path", [])]
    return [[round(r[0], 2), round(r[1], 1), round(r[2], 1), round(r[3], 1), None] for r in rows]


def thin(frames: list[Frame], most: int) -> list[Frame]:
    """At most ``most`` frames, evenly picked, first and last kept."""
    if len(frames) <= most or most < 2:
        return frames
    step = (len(frames) - 1) / (most - 1)
    return [frames[round(i * step)] for i in range(most)]


def crosses_circle(a: tuple[float, float], b: tuple[float, float], centre: tuple[float, float],
                   radius: float) -> bool:
    """Whether the straight leg a→b passes within ``radius`` of ``centre``."""
    (ax, ay), (bx, by), (cx, cy) = a, b, centre
    dx, dy = bx - ax, by - ay
    k = ((cx - ax) * dx + (cy - ay) * dy) / (dx * dx + dy * dy or 1.0)
    k = max(0.0, min(1.0, k))
    return math.hypot(ax + k * dx - cx, ay + k * dy - cy) < radius
