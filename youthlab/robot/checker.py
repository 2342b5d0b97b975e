"""Task checkers: did the robot follow the line, escape the maze, deliver the letters?

:func:`check` turns a :class:`~youthlab.robot.runner.RunResult` into a :class:`Report`
(score 0..100, passed, feedback lines in Korean and English). :func:`grade` runs a
program in the fast simulator and checks it in one call — what an nbgrader test cell
does. :func:`done_condition` lets the runner stop as soon as the task is complete.

Each kind of task (a world's ``task``) is one :class:`TaskChecker` registered under the
entry-point group ``youthlab.robot_checkers``; built in: ``line``, ``maze``, ``town``.
"""

from __future__ import annotations

import functools
import math
import os
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from youthlab.i18n import current_language, normalize_language, t
from youthlab.korean import Word
from youthlab.plugins import PluginNotFound, plugin_class
from youthlab.robot.mpyrun import run_micropython
from youthlab.robot.runner import run_fast
from youthlab.robot.worlds import World

FOLLOW_RADIUS = 8.0  # cm: the axle counts as "on the line" near a checkpoint
CHECKPOINT_EVERY = 5.0  # cm along the line
LINE_PASS_PROGRESS = 0.9
GROUP = "youthlab.robot_checkers"  # pyproject.toml: task = "module:TaskChecker subclass"


@dataclass
class Report:
    """A checker's verdict: score out of 100 and feedback (message keys + params)."""

    task: str
    passed: bool
    score: float
    feedback: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def lines(self, lang: str | None = None) -> list[str]:
        """The feedback in one language (a parameter may itself be ``{"ko": …, "en": …}``)."""
        code = normalize_language(lang) or current_language()

        def pick(v: Any) -> Any:
            v = (v.get(code) or v.get("en")) if isinstance(v, dict) else v  # i18n's fallback: en
            return Word(v) if isinstance(v, str) else v  # its Korean particle follows it

        return [t(key, code, **{k: pick(v) for k, v in params.items()}) for key, params in self.feedback]

    def text(self, lang: str | None = None) -> str:
        head = t("robot.check.score", lang, score=round(self.score), verdict=t(
            "robot.check.passed" if self.passed else "robot.check.not_passed", lang))
        return "\n".join([head] + [f"• {line}" for line in self.lines(lang)])

    def _repr_html_(self) -> str:
        import html

        colour = "#2e7d32" if self.passed else "#c62828"
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines())
        head = html.escape(self.text().splitlines()[0])
        return f'<div style="border-left:4px solid {colour};padding:.4em 1em"><b>{head}</b><ul>{items}</ul></div>'


class TaskChecker:
    """One kind of robot task: how a run of it is graded and when it is complete."""

    def check(self, result: Any) -> Report:
        """The verdict on one finished run (a :class:`~youthlab.robot.runner.RunResult`)."""
        raise NotImplementedError

    def done_test(self, world: World) -> Callable[[Any], bool]:
        """A test the fast runner calls now and then; by default: the robot is at the finish."""

        def at_goal(sim: Any) -> bool:
            return _at_finish(world, sim.body.x, sim.body.y)

        return at_goal


def _at_finish(world: World, x: float, y: float) -> bool:
    f = world.finish or {}
    return bool(f) and math.hypot(f["x"] - x, f["y"] - y) <= f["r"]


# -- line ---------------------------------------------------------------------------------
def checkpoints(world: World) -> list[tuple[float, float]]:
    """Points every few cm along the track's line (the first path)."""
    pts = world.paths[0]
    out = [pts[0]]
    carry = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        seg = math.hypot(x1 - x0, y1 - y0)
        d = CHECKPOINT_EVERY - carry
        while d <= seg:
            f = d / seg
            out.append((x0 + (x1 - x0) * f, y0 + (y1 - y0) * f))
            d += CHECKPOINT_EVERY
        carry = seg - (d - CHECKPOINT_EVERY)
    return out


def _line_progress(world: World, poses: list[tuple[float, float]]) -> float:
    cps = checkpoints(world)
    seen = [False] * len(cps)
    r2 = FOLLOW_RADIUS ** 2
    for x, y in poses:
        for i, (cx, cy) in enumerate(cps):
            if not seen[i] and (cx - x) ** 2 + (cy - y) ** 2 <= r2:
                seen[i] = True
    return sum(seen) / len(seen)


class LineChecker(TaskChecker):
    def check(self, result: Any) -> Report:
        w = result.world
        poses = [(p.x, p.y) for p in result.trace]
        progress = _line_progress(w, poses)
        reached = next((p.t for p in result.trace if _at_finish(w, p.x, p.y)), None)
        passed = reached is not None and progress >= LINE_PASS_PROGRESS
        fb: list[tuple[str, dict[str, Any]]] = []
        if passed:
            score = 100.0
            fb.append(("robot.check.line.pass", {"time": round(reached, 1)}))
        else:
            score = round(70 * progress, 1)
            fb.append(("robot.check.line.partial", {"percent": round(100 * progress)}))
            if reached is not None:
                fb.append(("robot.check.line.shortcut", {}))
        return Report("line", passed, score, fb, {"progress": progress, "finish_time": reached})

    def done_test(self, world: World) -> Callable[[Any], bool]:
        def at_goal(sim: Any) -> bool:
            b = sim.body
            return _at_finish(world, b.x, b.y) and \
                _line_progress(world, [(p.x, p.y) for p in b.trace]) >= LINE_PASS_PROGRESS

        return at_goal


# -- maze ---------------------------------------------------------------------------------
def maze_distances(world: World) -> dict[tuple[int, int], int]:
    """Steps from every maze cell to the goal (breadth-first search over open passages)."""
    m = world.maze or {}
    nbrs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, b in m["open"]:
        a, b = tuple(a), tuple(b)
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
    goal = tuple(m["goal"])
    dist = {goal: 0}
    q = deque([goal])
    while q:
        c = q.popleft()
        for n in nbrs.get(c, []):
            if n not in dist:
                dist[n] = dist[c] + 1
                q.append(n)
    return dist


def _cell(world: World, x: float, y: float) -> tuple[int, int]:
    m = world.maze or {}
    ox, oy = m["origin"]
    return int((x - ox) // m["cell"]), int((y - oy) // m["cell"])


class MazeChecker(TaskChecker):
    def check(self, result: Any) -> Report:
        w = result.world
        dist = maze_distances(w)
        start = dist.get(tuple(w.maze["start"]), 1) or 1
        best = start
        reached = None
        for p in result.trace:
            best = min(best, dist.get(_cell(w, p.x, p.y), best))
            if reached is None and _at_finish(w, p.x, p.y):
                reached = p.t
        fb: list[tuple[str, dict[str, Any]]] = []
        bumps = result.collisions
        if reached is not None and reached <= w.time_limit:
            score = max(70.0, 100.0 - 5 * bumps)
            fb.append(("robot.check.maze.pass", {"time": round(reached, 1), "limit": round(w.time_limit)}))
            passed = True
        else:
            progress = 1 - best / start
            score = round(60 * progress, 1)
            fb.append(("robot.check.maze.partial", {"cells": best, "limit": round(w.time_limit)}))
            passed = False
        if bumps:
            fb.append(("robot.check.bumps", {"n": bumps}))
        return Report("maze", passed, score, fb, {"goal_time": reached, "cells_left": best, "collisions": bumps})


# -- town ---------------------------------------------------------------------------------
def _letters(world: World) -> list[str]:
    """The letters' addresses in delivery order, each as its house's (Korean) address."""
    return [(world.house(a).address if world.house(a) else a) for a in world.letters]


def _en(world: World, address: str) -> str:
    h = world.house(address)
    return h.en if h else address


def _both(world: World, address: str) -> dict[str, str]:
    return {"ko": address, "en": _en(world, address)}


class TownChecker(TaskChecker):
    def check(self, result: Any) -> Report:
        w = result.world
        letters = _letters(w)
        k, mistakes = 0, 0
        fb: list[tuple[str, dict[str, Any]]] = []
        for when, d in result.sim.deliveries():
            house = d.get("house")
            if k < len(letters) and house == letters[k]:
                fb.append(("robot.check.town.delivered", {"address": _both(w, house), "time": round(when, 1)}))
                k += 1
            elif house is None:
                mistakes += 1
                fb.append(("robot.check.town.no_house", {"x": d["x"], "y": d["y"]}))
            else:
                mistakes += 1
                expected = letters[k] if k < len(letters) else "-"
                fb.append(("robot.check.town.wrong_house", {"address": _both(w, house),
                                                            "expected": _both(w, expected)}))
        n = len(letters)
        bumps = result.collisions
        passed = k == n and mistakes == 0
        score = max(0.0, 100.0 * k / n - 10 * mistakes - min(20, 5 * bumps)) if n else 100.0
        if passed:
            fb.append(("robot.check.town.pass", {"n": n}))
        elif k < n:
            fb.append(("robot.check.town.missing", {"addresses": {
                "ko": ", ".join(letters[k:]), "en": ", ".join(_en(w, a) for a in letters[k:])}}))
        if bumps:
            fb.append(("robot.check.bumps", {"n": bumps}))
        return Report("town", passed, round(score, 1), fb,
                      {"delivered": k, "mistakes": mistakes, "collisions": bumps})

    def done_test(self, world: World) -> Callable[[Any], bool]:
        letters = _letters(world)

        def town_done(sim: Any) -> bool:
            got = [d.get("house") for _, d in sim.deliveries()]
            return got == letters

        return town_done


@functools.lru_cache(maxsize=None)
def task_checker(task: str) -> TaskChecker:
    """The checker registered for ``task``; :class:`~youthlab.plugins.PluginNotFound` if none."""
    return plugin_class(GROUP, task, TaskChecker)()


def check(result: Any, attempt: Any = None, **options: Any) -> Any:
    """Grade one run: ``check(result)`` → :class:`Report`.

    Also the grading package's mission-checker protocol
    (:func:`youthlab.grading.missions.check_mission`): ``check(world, attempt, **options)``
    where ``attempt`` is a program (path or source) or a finished run; options go to
    :func:`grade` (``interpreter``, ``kit`` …). That form returns a dict with
    ``passed``, ``score`` (0..1), ``message`` (ko/en text) and the :class:`Report`.
    """
    if attempt is not None:
        if hasattr(attempt, "trace") and hasattr(attempt, "sim"):
            report = check(attempt)
        else:
            report = grade(attempt, result, **options)
        return {"passed": report.passed, "score": report.score / 100, "message": report.text(),
                "report": report, **report.details}
    report = task_checker(result.world.task).check(result)
    if result.error:
        last = result.error.strip().splitlines()[-1]
        report.feedback.insert(0, ("robot.check.error", {"error": last}))
    elif result.ended == "timeout":
        report.feedback.insert(0, ("robot.check.spinning", {}))
    report.details.update(ended=result.ended, sim_time=round(result.sim_time, 2))
    return report


def done_condition(world: World) -> Callable[[Any], bool]:
    """A test the fast runner calls now and then: is the task already complete? (The
    task's checker decides; a task with none is complete at the finish.)"""
    try:
        checker = task_checker(world.task)
    except PluginNotFound:
        checker = TaskChecker()
    return checker.done_test(world)


def grade(program: str | os.PathLike, world: str | World = "line", *, interpreter: str = "python",
          **kw: Any) -> Report:
    """Run ``program`` in the fast simulator on ``world`` and check it.

    ``interpreter="micropython"`` runs it on the real MicroPython unix port instead of
    CPython (slower, but exact about what MicroPython accepts).
    """
    if interpreter == "micropython":
        kw.pop("echo", None)
        return check(run_micropython(program, world, **kw))
    return check(run_fast(program, world, **kw))
