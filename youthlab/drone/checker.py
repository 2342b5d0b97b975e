"""Mission checker for grading: did the parcel arrive, safely, within battery, and how
efficiently? Returns a score and feedback in Korean and English.

    result = check_program(open("mission.py").read())        # runs it in the simulator
    result = check_function(lambda drone: ..., mission="island")
    result.score, result.passed, result.feedback("ko")
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from youthlab.drone.api import Drone
from youthlab.drone.missions import MissionSpec, get_mission
from youthlab.drone.program import run_program
from youthlab.errors import YouthLabError
from youthlab.i18n import current_language, normalize_language, t


@dataclass
class CheckItem:
    key: str
    points: float
    max_points: float
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        # A parameter given as {"ko": …, "en": …} (e.g. a safety event) follows the language.
        lang = normalize_language(lang) or current_language()
        params = {k: (v.get(lang) or v.get("en", "")) if isinstance(v, dict) else v for k, v in self.params.items()}
        return t(self.key, lang, **params)


@dataclass
class CheckResult:
    score: float
    max_score: float
    passed: bool
    items: list[CheckItem] = field(repr=False)
    record: dict[str, Any] = field(repr=False)

    def feedback(self, lang: str | None = None) -> str:
        head = t("drone.check.summary", lang, score=round(self.score), max=round(self.max_score))
        head += " — " + t("lab.verdict.passed" if self.passed else "lab.verdict.not_passed", lang)
        lines = [f"{'✓' if i.points >= i.max_points else '✗'} {i.text(lang)} "
                 f"({i.points:g}/{i.max_points:g})" for i in self.items]
        return "\n".join([head, *lines])

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "max_score": self.max_score, "passed": self.passed,
                "feedback": {"ko": self.feedback("ko"), "en": self.feedback("en")}}

    def _repr_html_(self) -> str:
        import html

        rows = "".join(f"<li>{'✅' if i.points >= i.max_points else '⚠️'} {html.escape(i.text())} "
                       f"<small>({i.points:g}/{i.max_points:g})</small></li>" for i in self.items)
        return (f"<div><b>{html.escape(t('drone.check.summary', score=round(self.score), max=round(self.max_score)))}"
                f"</b><ul>{rows}</ul></div>")


def path_length(points: list[tuple[float, float, float]]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points, points[1:]))


def _track(record: dict) -> list[tuple[float, float, float]]:
    if record.get("samples"):
        return [(s[1], s[2], s[3]) for s in record["samples"]]
    return [(p[1], p[2], p[3]) for p in record.get("path", [])]


def check_flight(record: dict[str, Any], mission: str | MissionSpec = "island") -> CheckResult:
    """Score a flight record (from ``Drone.record()`` or ``run_program``)."""
    spec = get_mission(mission)
    if spec.target is None:
        raise ValueError(f"mission {spec.name!r} has no delivery target")
    items: list[CheckItem] = []
    final = record["final"]
    tx, ty = spec.target
    tol = spec.drop_tolerance_cm
    # 1. the parcel (40)
    drops = record.get("drops") or []
    delivered = False
    if not drops:
        items.append(CheckItem("drone.check.no_drop", 0, 40))
    else:
        drop = drops[0]
        lx, ly = drop.get("land_x", drop["x"]), drop.get("land_y", drop["y"])
        miss = math.hypot(lx - tx, ly - ty)
        real_m = round(miss / 100 * spec.scale)
        if drop.get("in_water"):
            items.append(CheckItem("drone.check.drop_water", 0, 40, {"miss_m": real_m}))
        elif miss <= tol:
            delivered = True
            items.append(CheckItem("drone.check.delivered", 40, 40, {"miss_cm": round(miss), "miss_m": real_m}))
        else:
            pts = round(max(0.0, 40 * (1 - (miss - tol) / (2 * tol))), 1)
            items.append(CheckItem("drone.check.drop_far", pts, 40, {"miss_cm": round(miss), "miss_m": real_m,
                                                                    "tol_cm": round(tol)}))
    # 2. home again, landed (20): the task ends back at the dock
    home_ok = False
    home = math.hypot(final["x"], final["y"])
    if final.get("crashed") or final.get("in_water"):
        items.append(CheckItem("drone.check.crashed", 0, 20))
    elif final.get("flying"):
        items.append(CheckItem("lab.island.still_flying", 0, 20))
    elif home <= spec.home_tolerance_cm:
        items.append(CheckItem("drone.check.home", 20, 20, {"battery": int(final["battery"])}))
        home_ok = True
    else:
        items.append(CheckItem("lab.island.not_home", 5, 20, {"away_cm": round(home)}))
    # 3. safety (20)
    events = record.get("events") or []
    if events:
        first = events[0]
        items.append(CheckItem("drone.check.events", max(0, 20 - 10 * len(events)), 20,
                               {"count": len(events),
                                "first": {"ko": first.get("ko", ""), "en": first.get("en", "")}}))
    else:
        items.append(CheckItem("drone.check.no_events", 20, 20))
    # 4. no-fly zones (10)
    track = _track(record)
    entered = [z for z in spec.no_fly
               if any(math.hypot(x - z.x, y - z.y) < z.radius and zz > 0 for x, y, zz in track)]
    if entered:
        items.append(CheckItem("drone.check.no_fly", 0, 10, {"zone": dict(entered[0].name)}))
    else:
        items.append(CheckItem("drone.check.no_fly_ok", 10, 10))
    # 5. efficiency (10): horizontal route length against a short safe route
    flown = path_length([(x, y, 0.0) for x, y, _ in track])
    ideal = path_length([(x, y, 0.0) for x, y in spec.ideal_route()])
    ratio = flown / ideal if ideal else 1.0
    pts = 10.0 if ratio <= 1.15 else round(max(0.0, 10 * (2.0 - ratio) / 0.85), 1)
    used = round(spec.start_battery - final["battery"], 1)
    items.append(CheckItem("drone.check.efficiency", pts, 10,
                           {"ratio": round(ratio, 2), "flown_m": round(flown / 100 * spec.scale),
                            "ideal_m": round(ideal / 100 * spec.scale), "battery_used": used}))
    score = round(sum(i.points for i in items), 1)
    passed = delivered and home_ok and not events and not entered and score >= 70
    return CheckResult(score, 100.0, passed, items, record)


def check_program(source: str, mission: str | MissionSpec = "island", *, seed: int = 0,
                  interpreter: str = "python", timeout_s: float = 120.0) -> CheckResult:
    """Run a mission program in the simulator (own process) and score it: a delivery
    for missions with a target (island), the square of lab 10 otherwise (hall)."""
    record = run_program(source, mission=mission, seed=seed, interpreter=interpreter,
                         timeout_s=timeout_s, watchdog=False)
    if get_mission(mission).target is None:
        return check_square(record)
    return check_flight(record, mission)


def check_function(fly: Callable[[Any], None], mission: str | MissionSpec = "island", *,
                   seed: int = 0) -> CheckResult:
    """Call ``fly(drone)`` with a fresh simulator drone and score the flight.
    Errors from the flight (refusals, safety stops) end the flight; they cost points."""
    drone = Drone(mission=mission, seed=seed, watchdog=False)
    error = None
    try:
        fly(drone)
    except YouthLabError as exc:
        error = exc.message("en")
    finally:
        drone.close()
    record = drone.record()
    record["error"] = error
    return check_flight(record, mission)


def _perimeter_distance(p: tuple[float, float], corners: list[tuple[float, float]]) -> float:
    """How far ``p`` is from the closed polygon through ``corners``."""
    best = math.inf
    for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1]):
        dx, dy = bx - ax, by - ay
        k = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy or 1)))
        best = min(best, math.hypot(ax + k * dx - p[0], ay + k * dy - p[1]))
    return best


def check_square(record: dict[str, Any], side: float = 100.0, tolerance: float = 25.0) -> CheckResult:
    """Lab 10: did the drone fly a square of ``side`` cm, along its sides, and land where it
    started? Passed only with all three far corners (in order), nothing off the sides
    (a triangle or a diagonal short-cut is not a square), landed at the start and no
    safety stop."""
    track = _track(record)
    xy = [(x, y) for x, y, z in track if z > 20]
    corners_seen, off_side, square = 0, 0.0, []
    if xy:
        # the square's corners relative to the first airborne point, in either turn direction
        x0, y0 = xy[0]
        for sign in (1, -1):
            corners = [(x0 + side, y0), (x0 + side, y0 - sign * side), (x0, y0 - sign * side)]
            seen = 0
            for x, y in xy:  # corners in the order a square flies them
                if seen < 3 and math.hypot(x - corners[seen][0], y - corners[seen][1]) < tolerance:
                    seen += 1
            if seen > corners_seen or not square:
                corners_seen, square = seen, [(x0, y0), *corners]
        off_side = max(_perimeter_distance(p, square) for p in xy)
    final = record["final"]
    items = [CheckItem("lab.square.corners", round(50 * corners_seen / 3), 50,
                       {"seen": corners_seen, "side": round(side)})]
    on_sides = bool(xy) and off_side <= tolerance
    items.append(CheckItem("lab.square.on_sides" if on_sides else "lab.square.off_sides",
                           10 if on_sides else 0, 10, {"off_cm": round(off_side)}))
    away = round(math.hypot(final["x"], final["y"]))
    events = record.get("events") or []
    # landed by closing the drone, not by the student's land(): "never landed", not a safety slip
    auto_landed = any(e.get("kind") == "auto_land_on_close" for e in events)
    events = [e for e in events if e.get("kind") != "auto_land_on_close"]
    if final.get("crashed"):
        landing = CheckItem("drone.check.crashed", 0, 20)
    elif final.get("flying") or auto_landed:
        landing = CheckItem("lab.square.still_flying", 0, 20)
    elif away >= tolerance:
        landing = CheckItem("lab.square.landed_away", 5, 20, {"away_cm": away})
    else:
        landing = CheckItem("drone.check.back_home", 20, 20, {"battery": int(final["battery"])})
    items.append(landing)
    if events:
        first = events[0]
        watchdog = first.get("kind") == "watchdog"
        items.append(CheckItem("lab.square.watchdog" if watchdog else "drone.check.events", 0, 20,
                               {"count": len(events), "first": {"ko": first.get("ko", ""), "en": first.get("en", "")}}))
    else:
        items.append(CheckItem("drone.check.no_events", 20, 20))
    if record.get("error"):
        items.append(CheckItem("lab.square.error", 0, 0, {"error": record["error"]}))
    score = sum(i.points for i in items)
    passed = corners_seen == 3 and on_sides and landing.points == 20 and not events and not record.get("error")
    return CheckResult(score, 100.0, passed, items, record)
