"""The robot kiosk apps (Voila, touch screen, no code): labs 30 and 31 for hall visitors.

``line_follower_app()`` — the track and the robot on screen from the first second; the
visitor sets speed and steering with big ``[-] n [+]`` steppers, presses Go and watches
the robot drive the track; the finish flag (and a best time) or a friendly "try again".

``postman_app()`` — the postal town; big step buttons (straight, left, right, turn back,
deliver) draw the planned route on the map as they are pressed, offering only the steps
that make sense where the planned robot stands; Go sends the robot along it; every
letter in order is the win.

Both turn the visitor's choices into a real robot program and run it in the fast
simulator exactly as a student's file runs (:func:`youthlab.robot.runner.run_fast`); the
checker's verdict is what the visitor is told. Everything is drawn by
:mod:`youthlab.robot.kiosk_scene` and laid out by :class:`youthlab.kiosk.ui.KioskUI`.
"""

from __future__ import annotations

import bisect
import math
import re
import time
from typing import Any, Callable

import ipywidgets as W

from youthlab.kiosk.ui import KioskUI
from youthlab.paths import PACKAGE_DIR
from youthlab.robot.checker import FOLLOW_RADIUS, Report, check, checkpoints
from youthlab.robot.kiosk_plan import MAX_STEPS, Plan, follow_plan
from youthlab.robot.kiosk_scene import Scene, jpeg, replay_poses, replay_speed
from youthlab.robot.runner import RunResult, run_fast
from youthlab.robot.worlds import World, load_world

SOLUTIONS = PACKAGE_DIR / "robot" / "solutions"

#: The line follower a visitor tunes. ``turn`` remembers the side the line was last seen
#: on, so a robot that steers too gently runs off a bend and circles; one that steers
#: hard enough finds the line again — speed and steering both matter.
LINE_PROGRAM = """
from robot import Robot
bot = Robot()
turn = 0
while True:
    left, centre, right = bot.line()
    if left and centre and right:
        bot.stop()
        break
    if left and not right:
        turn = -1
    elif right and not left:
        turn = 1
    elif centre:
        turn = 0
    if turn < 0:
        bot.drive({speed} - {steer}, {speed})
    elif turn > 0:
        bot.drive({speed}, {speed} - {steer})
    else:
        bot.drive({speed}, {speed})
    bot.wait(0.01)
"""

FPS = 12.0
REPLAY_SECONDS = 6.0  # the longest a drive takes on screen, whatever its robot time


def line_program(speed: int, steering: int) -> str:
    """The robot program for speed 1..10 and steering 0..10 (each step is 10 % motor power)."""
    return LINE_PROGRAM.format(speed=10 * int(speed), steer=10 * int(steering))


def line_verdict(result: RunResult, report: Report) -> tuple[str, dict[str, Any]]:
    """What to tell the visitor: ``("win", {time})``, ``("too_slow", …)`` when the robot was
    still on the line at the time limit, else ``("lost", {percent})`` (it left the line)."""
    if report.passed:
        return "win", {"time": f"{report.details['finish_time']:.1f}"}
    percent = round(100 * report.details.get("progress", 0))
    last = result.trace[-1] if result.trace else None
    on_line = last is not None and min(math.hypot(x - last.x, y - last.y)
                                       for x, y in checkpoints(result.world)) <= FOLLOW_RADIUS
    if result.ended == "time_limit" and on_line:
        return "too_slow", {"percent": percent, "limit": round(result.world.time_limit)}
    return "lost", {"percent": percent}


class _Animator:
    """Plays a finished run into an Image while the touch that started it is answered (the
    kiosk counts the app as in use, and Go stays locked): in real time at ``fps`` frames a
    second, dropping frames on a busy machine so a drive never lasts much longer than
    ``max_seconds``; or every frame at once (``realtime=False``, for tests)."""

    def __init__(self, image: W.Image, fps: float = FPS, max_seconds: float = REPLAY_SECONDS,
                 realtime: bool = True) -> None:
        self.image = image
        self.fps = fps
        self.max_seconds = max_seconds
        self.realtime = realtime
        self.frames = 0  # shown in the last play

    def play(self, trace: list[Any], draw: Callable[[int], Any]) -> None:
        self.frames = 0
        if not trace:
            return
        if not self.realtime:
            for i in replay_poses(trace, fps=self.fps, max_seconds=self.max_seconds):
                self._show(draw(i))
            return
        speed = replay_speed(trace, max_seconds=self.max_seconds)
        times = [p.t for p in trace]
        start, shown, last = time.monotonic(), -1, len(trace) - 1
        while shown < last:
            now = time.monotonic()
            i = min(last, max(0, bisect.bisect_right(times, times[0] + (now - start) * speed) - 1))
            if i != shown:
                self._show(draw(i))
                shown = i
            time.sleep(max(0.0, 1 / self.fps - (time.monotonic() - now)))

    def _show(self, picture: Any) -> None:
        self.image.value = jpeg(picture)
        self.frames += 1


class LineFollowerApp:
    """Lab 30 on a kiosk: steppers, Go, the robot driving the track, the verdict."""

    def __init__(self, lang: str | None = None, *, icon: str = "🤖", fps: float = FPS,
                 max_seconds: float = REPLAY_SECONDS, realtime: bool = True) -> None:
        self.ui = ui = KioskUI("robot_kiosk.line.title", icon=icon, lang=lang)
        self.world: World = load_world("line")
        self.scene = Scene(self.world, ui.lang)
        self.picture = W.Image(value=jpeg(self.scene.track()), format="jpeg")
        self.speed = ui.stepper("robot_kiosk.line.speed", 1, 10, 1, 5)
        self.steering = ui.stepper("robot_kiosk.line.steering", 0, 10, 1, 5)
        self.go = ui.button("robot_kiosk.line.go", on_click=self.run, kind="primary", icon="▶")
        self.best_line = W.HTML()
        ui.bind(self.best_line, "value", "robot_kiosk.line.no_best")
        self.best: float | None = None
        self.animator = _Animator(self.picture, fps, max_seconds, realtime)
        self.last: tuple[str, dict[str, Any]] | None = None

    def show(self) -> None:
        self.ui.stage(self.picture, [self.speed, self.steering, self.go, self.best_line],
                      help_key="robot_kiosk.line.help", scene_key="robot_kiosk.line.picture")

    def run(self) -> Report:
        """Run the visitor's robot; the drive plays on screen, then the verdict."""
        self.go.disabled = True
        self.ui.clear_banner()
        self.ui.say("robot_kiosk.line.driving")
        try:
            result = run_fast(line_program(self.speed.value, self.steering.value), self.world)
            report = check(result)
        except BaseException:
            self.go.disabled = False
            raise
        trace, scene = result.trace, self.scene
        try:
            self.animator.play(trace, lambda i: scene.track(trace[i], trace[: i + 1], trace[i].t))
        finally:
            self._verdict(line_verdict(result, report), report)
        return report

    def _verdict(self, verdict: tuple[str, dict[str, Any]], report: Report) -> None:
        kind, params = verdict
        self.last = verdict
        if kind == "win":
            time_s = report.details["finish_time"]
            record = self.best is not None and time_s < self.best
            if self.best is None or time_s < self.best:
                self.best = time_s
                self.ui.bind(self.best_line, "value", "robot_kiosk.line.best", time=f"{time_s:.1f}")
            self.ui.celebrate("robot_kiosk.line.record" if record else "robot_kiosk.line.win", **params)
        else:
            self.ui.try_again(f"robot_kiosk.line.{kind}", **params)
        self.go.disabled = False


STEP_ICONS = {"L": "⬅", "S": "⬆", "R": "➡", "U": "↩", "D": "✉️"}


class PostmanApp:
    """Lab 31 on a kiosk: step buttons draw the route on the town map; Go drives it."""

    def __init__(self, lang: str | None = None, *, icon: str = "✉️", fps: float = FPS,
                 max_seconds: float = REPLAY_SECONDS, realtime: bool = True) -> None:
        self.ui = ui = KioskUI("robot_kiosk.postman.title", icon=icon, lang=lang)
        self.world: World = load_world("town")
        self.scene = Scene(self.world, ui.lang)
        self.template = (SOLUTIONS / "town_postman.py").read_text(encoding="utf-8")
        self.steps: list[str] = []
        self.plan: Plan = follow_plan(self.world, [])
        self.picture = W.Image(format="jpeg")
        self.step_buttons = {s: ui.button(f"robot_kiosk.step.{s}", on_click=lambda s=s: self.add(s),
                                          kind="secondary", icon=STEP_ICONS[s]) for s in STEP_ICONS}
        for step, button in self.step_buttons.items():
            button.add_class(f"ylab-robot-step-{step}")  # a name for the kiosk's browser tests
        self.undo = ui.button("robot_kiosk.postman.undo", on_click=self.take_back, kind="secondary", icon="⌫")
        self.clear = ui.button("robot_kiosk.postman.clear", on_click=self.start_over, kind="secondary", icon="↺")
        self.go = ui.button("robot_kiosk.postman.go", on_click=self.run, kind="primary", icon="▶")
        self.animator = _Animator(self.picture, fps, max_seconds, realtime)
        self.busy = False
        self.last_report: Report | None = None
        self._refresh()

    def controls(self) -> list[Any]:
        """Two fixed columns of step buttons (a label too long for its half wraps inside
        its button, never pushing Go off the screen), then start over, then Go."""
        b = self.step_buttons
        pad = [b["L"], b["R"], b["S"], b["U"], b["D"], self.undo]
        for button in pad:
            button.layout.padding = "10px 12px"
        grid = W.GridBox(pad, layout=W.Layout(grid_template_columns="1fr 1fr", grid_gap="12px", width="100%"))
        return [grid, self.clear, self.go]

    def show(self) -> None:
        self.ui.stage(self.picture, self.controls(), help_key="robot_kiosk.postman.help",
                      scene_key="robot_kiosk.postman.picture")

    # -- building the route ------------------------------------------------------------------
    def add(self, step: str) -> None:
        if self.busy or step not in self.plan.allowed:
            return
        self.steps.append(step)
        self._refresh()
        self._say_next(just=step)

    def take_back(self) -> None:
        if self.busy or not self.steps:
            return
        self.steps.pop()
        self._refresh()
        self._say_next()

    def start_over(self) -> None:
        if self.busy:
            return
        self.steps.clear()
        self._refresh()
        self._say_next()

    def _refresh(self) -> None:
        self.plan = follow_plan(self.world, self.steps)
        self.picture.value = jpeg(self.scene.town(self.plan))
        for step, button in self.step_buttons.items():
            button.disabled = self.busy or step not in self.plan.allowed
        self.undo.disabled = self.busy or not self.steps
        self.clear.disabled = self.busy or not self.steps
        self.go.disabled = self.busy or not self.steps

    def _house(self, address: str | None) -> dict[str, str]:
        h = self.world.house(address) if address else None
        if h is None:
            return {"address": address or "-", "owner": ""}
        return {"address": h.label(self.ui.lang), "owner": h.owner.get(self.ui.lang, "")}

    def _say_next(self, just: str | None = None) -> None:
        self.ui.clear_banner()
        plan = self.plan
        if len(self.steps) >= MAX_STEPS:
            self.ui.say("robot_kiosk.postman.too_long", kind="warning", n=MAX_STEPS)
        elif plan.mistake:
            got, wanted = plan.mistake
            self.ui.say("robot_kiosk.postman.wrong_door", kind="warning",
                        address=self._house(got)["address"], expected=self._house(wanted)["address"])
        elif plan.complete:
            self.ui.say("robot_kiosk.postman.ready", kind="success")
        elif just == "D" and plan.next_letter:
            dropped = self._house(plan.drops[-1][1])
            self.ui.say("robot_kiosk.postman.planned", kind="success", address=dropped["address"],
                        n=len(plan.drops) + 1, next=self._house(plan.next_letter)["address"])
        elif plan.next_letter:
            self.ui.say("robot_kiosk.postman.next", n=len(plan.drops) + 1, **self._house(plan.next_letter))
        else:  # every letter dropped, one of them more than once
            self.ui.say("robot_kiosk.postman.ready", kind="success")

    def route_program(self) -> str:
        """The sample postman program with the visitor's route as its ``ROUTE``."""
        return re.sub(r"ROUTE = \[.*?\]", f"ROUTE = {self.steps!r}", self.template, count=1, flags=re.S)

    # -- the drive -------------------------------------------------------------------------------
    def run(self) -> Report | None:
        if self.busy:
            return None
        if not self.steps:
            self.ui.say("robot_kiosk.postman.empty", kind="warning")
            return None
        self.busy = True
        self._refresh()
        self.ui.clear_banner()
        self.ui.say("robot_kiosk.postman.driving")
        try:
            result = run_fast(self.route_program(), self.world, stop_when_done=False)
            report = check(result)
        except BaseException:
            self.busy = False
            self._refresh()
            raise
        self.last_report = report
        drops = result.sim.deliveries()
        trace, scene, plan = result.trace, self.scene, self.plan

        def draw(i: int) -> Any:
            now = trace[i].t
            delivered = [d.get("house") for when, d in drops if when <= now]
            return scene.town(plan, trace[i], trace[: i + 1], delivered, now)

        try:
            self.animator.play(trace, draw)
        finally:
            self._verdict(report, result)
        return report

    def _verdict(self, report: Report, result: RunResult) -> None:
        n = len(self.world.letters)
        if report.passed:
            self.ui.celebrate("robot_kiosk.postman.win", n=n)
        else:
            wanted = [self.world.house(a).address for a in self.world.letters]
            got = [d.get("house") for _, d in result.sim.deliveries()]
            wrong = [g for g, w in zip(got, wanted + [None] * len(got)) if g != w]
            if wrong:
                self.ui.try_again("robot_kiosk.postman.lose_wrong", address=self._house(wrong[0])["address"])
            else:
                self.ui.try_again("robot_kiosk.postman.lose_missing", done=report.details["delivered"], n=n)
        self.busy = False
        for step, button in self.step_buttons.items():
            button.disabled = step not in self.plan.allowed
        self.undo.disabled = self.clear.disabled = self.go.disabled = not self.steps


def line_follower_app(lang: str | None = None) -> LineFollowerApp:
    """Build and show lab 30's kiosk app (the kiosk notebook's one line)."""
    app = LineFollowerApp(lang)
    app.show()
    return app


def postman_app(lang: str | None = None) -> PostmanApp:
    """Build and show lab 31's kiosk app (the kiosk notebook's one line)."""
    app = PostmanApp(lang)
    app.show()
    return app

