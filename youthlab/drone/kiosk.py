"""The drone apps on the hall's touch kiosks (Voila): no code, big buttons, one language.

``pilot_app()`` — lab 10: fly the simulated drone with an arrow pad; reach the star and
land back on the H (the win).
``delivery_app()`` — lab 11: tap the map to plan the crossing to Deungnyangdo, watch the
drone fly it, and see whether the parcel arrived (win) or what went wrong (try again).

Both draw their world with :class:`~youthlab.drone.kiosk_scene.DroneScene` and sit in the
one kiosk layout (:class:`youthlab.kiosk.ui.KioskUI`). The simulator flies at once; the
scene then plays the flight back, and what the flight means (the win, the readings) is
shown when the visitor has seen it (:class:`AfterShown`).
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable

import ipywidgets as W

from youthlab.drone.api import Drone
from youthlab.drone.errors import DroneError, SafetyError
from youthlab.drone.checker import CheckResult, check_function
from youthlab.drone.kiosk_scene import (DroneScene, MAX_FRAMES, crosses_circle, frames_from_record,
                                        frames_from_samples, hall_world, island_world)
from youthlab.drone.missions import Mission, get_mission
from youthlab.kiosk.ui import KioskUI

#: The most seconds a flight's playback takes on screen (the scene speeds longer ones up).
MAX_PLAY_S = 12.0


class AfterShown:
    """Run a step when the scene has shown a flight, or after a grace time if the browser
    never says so (a lost message must not leave a visitor without the ending)."""

    def __init__(self, scene: DroneScene, grace_s: float = 5.0) -> None:
        self.scene = scene
        self.grace_s = grace_s
        self._lock = threading.Lock()
        self._waiting: dict[int, list[Callable[[], None]]] = {}
        self._timers: list[threading.Timer] = []
        scene.on_played(self.shown)

    def then(self, play_id: int, step: Callable[[], None], play_s: float) -> None:
        """Run ``step`` once flight ``play_id`` (about ``play_s`` seconds on screen) was shown."""
        with self._lock:
            self._waiting.setdefault(play_id, []).append(step)
        timer = threading.Timer(min(play_s, MAX_PLAY_S) + self.grace_s, self.shown, (play_id,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def shown(self, play_id: int) -> None:
        with self._lock:
            due = sorted(k for k in self._waiting if k <= play_id)
            steps = [s for k in due for s in self._waiting.pop(k)]
        for step in steps:
            step()

    def cancel(self) -> None:
        """Forget every waiting step (the visitor started again)."""
        with self._lock:
            self._waiting.clear()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()


def _play_seconds(frames: list, speedup: float) -> float:
    return (frames[-1][0] - frames[0][0]) / speedup if frames else 0.0


#: Safety refusals said in a visitor's words (the others keep the safety layer's own message).
_CHILD_WORDS = {"drone.event.refused_fence": "drone.kiosk.pilot.fence",
                "drone.event.refused_ceiling": "drone.kiosk.pilot.ceiling"}


class PilotApp:
    """Lab 10: take off, fly to the star with the arrow pad, come back and land on the H."""

    STEP_CM = 50
    CLIMB_CM = 30
    TURN_DEG = 90
    STAR = (100.0, -100.0)  # two steps forward, two to the right of the pad
    REACH_CM = 30           # this close (and in the air) counts as reaching the star
    PAD_CM = 30             # this close counts as landing on the H

    def __init__(self, ui: KioskUI | None = None, mission: str = "hall") -> None:
        self.ui = ui or KioskUI("drone.kiosk.pilot.title", icon="🚁")
        self.mission = mission
        lang = self.ui.lang
        self.scene = DroneScene(world=hall_world(mission, self.STAR, lang=lang),
                                label=self.ui.text("drone.kiosk.scene.pilot_label"), speedup=2.0)
        self.after = AfterShown(self.scene)
        self.drone = Drone(mission=mission, watchdog=False)
        self.got_star = False
        self.won = False
        ui = self.ui
        self.buttons: dict[str, W.Button] = {
            "takeoff": ui.button("drone.kiosk.pilot.takeoff", on_click=lambda: self.press("takeoff")),
            "land": ui.button("drone.kiosk.pilot.land", on_click=lambda: self.press("land"), kind="secondary"),
        }
        # the cross moves the drone the way its nose points; the top corners turn it, the
        # bottom corners take it down and up (the scene shows its height)
        pad = {"up": "forward", "down": "back", "left": "left", "right": "right",
               "up_left": "turn_left", "up_right": "turn_right", "down_left": "down", "down_right": "up"}
        self.pad = ui.arrow_pad({place: (lambda a=action: self.press(a)) for place, action in pad.items()},
                                labels={place: f"drone.kiosk.pilot.{action}" for place, action in pad.items()})
        self.buttons.update(zip(pad.values(), self.pad.children))
        row = W.HBox([self.buttons["takeoff"], self.buttons["land"]])
        row.add_class("youthlab-kiosk-row")
        self.controls = [row, self.pad]
        self._enable()

    # -- what a press does ----------------------------------------------------------------------
    def _move(self, action: str) -> None:
        d, step, climb, turn = self.drone, self.STEP_CM, self.CLIMB_CM, self.TURN_DEG
        moves: dict[str, Callable[[], Any]] = {
            "takeoff": self._takeoff, "land": d.land,
            "forward": lambda: d.forward(step), "back": lambda: d.back(step),
            "left": lambda: d.left(step), "right": lambda: d.right(step),
            "up": lambda: d.up(climb), "down": lambda: d.down(climb),
            "turn_left": lambda: d.rotate(-turn), "turn_right": lambda: d.rotate(turn),
        }
        moves[action]()

    def press(self, action: str) -> None:
        """One button: fly it in the simulator, play it on the scene, then tell what it meant.
        A refused move (the fence, the ceiling) raises its ko/en error for the status line."""
        if action != "takeoff" and not self.drone.flying:
            self.ui.say("drone.kiosk.pilot.not_flying", kind="warning")
            return
        if action == "takeoff":
            if self.drone.flying:
                return
            self.ui.clear_banner()
            self.won = False
        before = self.drone
        start = len(self.drone.samples)
        try:
            self._move(action)
        except SafetyError as exc:
            said = _CHILD_WORDS.get(exc.key)
            if said is None:
                raise
            self.ui.say(said, kind="warning")
            return
        finally:
            frames = frames_from_samples(self.drone.samples, start if self.drone is before else 0)
            if frames:
                self.got_star = self.got_star or any(
                    f[3] > 20 and math.hypot(f[1] - self.STAR[0], f[2] - self.STAR[1]) <= self.REACH_CM
                    for f in frames)
                play = self.scene.play(frames)
                self.scene.drone = {**self.scene.drone, "flying": self.drone.flying}
                self.after.then(play, self._shown, _play_seconds(frames, self.scene.speedup))
            self._enable()
        self._say_next()

    def _takeoff(self) -> None:
        try:
            self.drone.takeoff()
        except DroneError:
            if self.drone.flying:
                raise
            self.restart()  # the safety layer ended the last flight: a fresh drone on the pad
            self.drone.takeoff()

    def _say_next(self) -> None:
        """The status line right after a press: what to do now."""
        if self.drone.flying:
            self.ui.say("drone.kiosk.pilot.got_star" if self.got_star else "drone.kiosk.pilot.find_star")

    def _shown(self) -> None:
        """The flight so far has been played: the ending if it landed."""
        if self.drone.flying or self.won:
            return
        x, y, _ = self.drone.position
        away = round(math.hypot(x, y))
        if not self.got_star:
            self.ui.say("drone.kiosk.pilot.landed_early")
        elif away <= self.PAD_CM:
            self.won = True
            self.ui.celebrate("drone.kiosk.pilot.win")
            self.ui.say("drone.kiosk.pilot.win_why", kind="success")
        else:
            self.ui.try_again("drone.kiosk.pilot.missed_pad", away=away)
            self.ui.say("drone.kiosk.pilot.missed_pad_why", kind="warning", away=away)

    def _enable(self) -> None:
        flying = self.drone.flying
        self.buttons["takeoff"].disabled = flying
        self.buttons["land"].disabled = not flying

    def restart(self) -> None:
        """A fresh drone on the pad, the star to find again."""
        self.after.cancel()
        self.drone.close()
        self.drone = Drone(mission=self.mission, watchdog=False)
        self.got_star = self.won = False
        self.scene.tracks = []
        self.scene.drone = {"x": 0.0, "y": 0.0, "z": 0.0, "heading": 0.0, "flying": False}
        self.ui.clear_banner()
        self._enable()

    def show(self) -> "PilotApp":
        self.ui.stage(self.scene, self.controls, help_key="drone.kiosk.pilot.help")
        return self


class DeliveryApp:
    """Lab 11: tap stops on the map, the drone flies home → stops → village hall (drops the
    parcel) and back the same way; the mission checker says how it went."""

    MOST_STOPS = 4
    SPEED_CM_S = 50

    def __init__(self, ui: KioskUI | None = None, mission: str = "island") -> None:
        self.ui = ui or KioskUI("drone.kiosk.delivery.title", icon="🏝️")
        self.spec = get_mission(mission)
        self.scene = DroneScene(world=island_world(self.spec, lang=self.ui.lang), tappable=True,
                                label=self.ui.text("drone.kiosk.scene.delivery_label"), speedup=3.0)
        self.after = AfterShown(self.scene)
        self.stops: list[tuple[float, float]] = []
        self.result: CheckResult | None = None
        self.flying = False
        self.scene.on_tap(self.ui.safe(self.tap))
        ui = self.ui
        self.counter = W.HTML()
        self.counter.add_class("youthlab-kiosk-label")
        self.fly_button = ui.button("drone.kiosk.delivery.fly", on_click=self.fly, icon="paper-plane")
        self.undo_button = ui.button("drone.kiosk.delivery.undo", on_click=self.undo, kind="secondary",
                                     icon="rotate-left")
        self.clear_button = ui.button("drone.kiosk.delivery.clear", on_click=self.clear, kind="secondary",
                                      icon="eraser")
        self.score = W.HTML()
        self.score.add_class("youthlab-kiosk-big")
        self.controls = [self.counter, self.fly_button, self.undo_button, self.clear_button, self.score]
        self._refresh()

    # -- planning -------------------------------------------------------------------------------
    def tap(self, x: float, y: float) -> None:
        """The visitor tapped the map at (x, y) cm."""
        if self.flying:
            return
        for zone in self.spec.no_fly:
            if math.hypot(x - zone.x, y - zone.y) < zone.radius:
                self.ui.say("drone.kiosk.delivery.on_rock", kind="warning")
                return
        if len(self.stops) >= self.MOST_STOPS:
            self.ui.say("drone.kiosk.delivery.full", kind="warning", most=self.MOST_STOPS)
            return
        self._new_plan()
        self.stops.append((x, y))
        self._refresh()
        if self.scene.bad_legs:
            self.ui.say("drone.kiosk.delivery.crosses_rock", kind="warning")
        else:
            self.ui.say("drone.kiosk.delivery.stop_added", count=len(self.stops))

    def undo(self) -> None:
        if self.flying or not self.stops:
            return
        self._new_plan()
        self.stops.pop()
        self._refresh()
        self.ui.say("drone.kiosk.delivery.removed", count=len(self.stops))

    def clear(self) -> None:
        if self.flying:
            return
        self._new_plan()
        self.stops.clear()
        self._refresh()
        self.ui.say("drone.kiosk.delivery.cleared")

    def bad_legs(self) -> list[int]:
        """Which legs of home → stops → village hall cross a no-fly zone."""
        route = [(0.0, 0.0), *self.stops, tuple(self.spec.target)]
        return [i for i, (a, b) in enumerate(zip(route, route[1:]))
                if any(crosses_circle(a, b, (z.x, z.y), z.radius) for z in self.spec.no_fly)]

    def _new_plan(self) -> None:
        """The plan changes: the last flight's track, score and banner go."""
        if self.result is not None:
            self.result = None
            self.scene.tracks, self.scene.drops = [], []
            self.ui.clear_banner()

    def _refresh(self) -> None:
        self.scene.stops = [list(p) for p in self.stops]
        self.scene.bad_legs = self.bad_legs()
        self.ui.bind(self.counter, "value", "drone.kiosk.delivery.stops", count=len(self.stops),
                     most=self.MOST_STOPS)
        if self.result is None:
            self.score.value = ""
        for b in (self.fly_button, self.undo_button, self.clear_button):
            b.disabled = self.flying
        self.undo_button.disabled = self.flying or not self.stops
        self.scene.tappable = not self.flying

    # -- flying ---------------------------------------------------------------------------------
    def mission(self) -> Mission:
        """The planned flight: the stops at cruise height, the drop at the village hall."""
        m = Mission(speed=self.SPEED_CM_S)
        for x, y in self.stops:
            m.add(x, y, self.spec.cruise_height_cm)
        m.add(*self.spec.target, 60, drop=True)
        return m

    def fly(self) -> None:
        """Fly the plan in the simulator, play it on the map, then the win or the try-again."""
        if self.flying:
            return
        self._new_plan()
        self.flying = True
        self._refresh()
        self.ui.say("drone.kiosk.delivery.flying")
        try:
            result = check_function(self.mission().fly, self.spec)
        except BaseException:
            self.flying = False
            self._refresh()
            raise
        frames = frames_from_record(result.record)
        play = self.scene.play(frames)
        self.after.then(play, lambda: self._landed(result), _play_seconds(frames, self.scene.speedup))

    def _landed(self, result: CheckResult) -> None:
        self.flying = False
        self.result = result
        rec = result.record
        track = [[round(r[1], 1), round(r[2], 1)] for r in frames_from_record(rec)]
        self.scene.tracks = [track[:: max(1, len(track) // MAX_FRAMES)] + track[-1:]]
        self.scene.drops = [[d.get("land_x", d["x"]), d.get("land_y", d["y"])] for d in rec.get("drops", [])]
        self._refresh()
        self.ui.bind(self.score, "value", "drone.kiosk.delivery.score", score=round(result.score))
        if result.passed:
            self.ui.celebrate("drone.kiosk.delivery.win", score=round(result.score))
            self.ui.say("drone.kiosk.delivery.win_why", kind="success")
        else:
            first = next((i for i in result.items if i.points < i.max_points), result.items[-1])
            self.ui.try_again("drone.kiosk.delivery.lose")
            self.ui.say("drone.kiosk.delivery.lose_why", kind="warning", reason=first.text(self.ui.lang))

    def show(self) -> "DeliveryApp":
        self.ui.stage(self.scene, self.controls, help_key="drone.kiosk.delivery.help")
        return self


def pilot_app(mission: str = "hall") -> PilotApp:
    """Build and show the pilot app (the kiosk notebook of lab 10)."""
    return PilotApp(mission=mission).show()


def delivery_app(mission: str = "island") -> DeliveryApp:
    """Build and show the island delivery app (the kiosk notebook of lab 11)."""
    return DeliveryApp(mission=mission).show()
