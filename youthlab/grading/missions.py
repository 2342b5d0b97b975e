"""Mission checkers in grading: "did the parcel reach the island" becomes points.

Kinds of mission come from the entry point group ``youthlab.mission_checkers``.

A lab's test cell calls :func:`check_mission` with the kind of mission (``drone``,
``robot``, ``grid``) and what the student produced (a flight log, a route …). The
checker lives with the hardware area (``youthlab.drone.checker``,
``youthlab.robot.checker``) and exposes ``check(mission, attempt, **options)``; this
module finds it, runs it, and turns whatever it returns into a :class:`MissionResult`.
If the checker is not installed the cell fails with a clear message (and only that
cell loses its points) instead of an ImportError deep in a traceback.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from youthlab.grading.errors import MissionCheckerMissing
from youthlab.i18n import t

CHECKERS_GROUP = "youthlab.mission_checkers"  # pyproject.toml: kind = "module.with.check"


def checker_modules() -> dict[str, str]:
    """Mission kind -> module, from the ``youthlab.mission_checkers`` entry points (the
    shipped kinds and any a centre's own package adds)."""
    return {ep.name: ep.value for ep in entry_points(group=CHECKERS_GROUP)}


@dataclass
class MissionResult:
    passed: bool
    score: float  # 0..1 share of the mission done
    message: str
    details: dict[str, Any] | None = None

    def __bool__(self) -> bool:
        return self.passed


def _normalize(raw: Any) -> MissionResult:
    if isinstance(raw, MissionResult):
        return raw
    if isinstance(raw, bool):
        return MissionResult(raw, float(raw), t("grading.mission.passed" if raw else "grading.mission.failed"))
    if isinstance(raw, dict):
        passed = bool(raw.get("passed", raw.get("ok", False)))
        return MissionResult(passed, float(raw.get("score", float(passed))),
                             str(raw.get("message") or t("grading.mission.passed" if passed else "grading.mission.failed")),
                             raw)
    passed = bool(getattr(raw, "passed", getattr(raw, "ok", False)))
    return MissionResult(passed, float(getattr(raw, "score", float(passed))),
                         str(getattr(raw, "message", "") or t("grading.mission.passed" if passed else "grading.mission.failed")),
                         getattr(raw, "__dict__", None))


def _checker(kind: str):
    modules = checker_modules()
    module_name = modules.get(kind)
    if module_name is None:
        raise MissionCheckerMissing(kind=kind, known=", ".join(sorted(modules)))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise MissionCheckerMissing(kind=kind, known=", ".join(sorted(modules))) from None
        raise
    if not hasattr(module, "check"):
        raise MissionCheckerMissing(kind=kind, known=", ".join(sorted(modules)))
    return module.check


def check_mission(kind: str, mission: str, attempt: Any, **options: Any) -> MissionResult:
    """Run the ``kind`` checker on the student's attempt at ``mission``."""
    return _normalize(_checker(kind)(mission, attempt, **options))
