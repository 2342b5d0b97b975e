"""Mission checkers through the registry; a missing checker fails clearly."""

from __future__ import annotations

import pytest

from youthlab.grading import missions
from youthlab.grading.errors import MissionCheckerMissing
from youthlab.grading.missions import check_mission


def test_grid_mission_passes_and_fails_with_reasons():
    assert check_mission("grid", "first-letter", ["E", "E", "S", "S", "E"]).passed
    wall = check_mission("grid", "first-letter", ["S"])
    assert not wall.passed and wall.score == 0
    short = check_mission("grid", "first-letter", ["E"])
    assert not short.passed


def test_missing_checker_gives_a_clear_message(monkeypatch):
    known = missions.checker_modules()
    monkeypatch.setattr(missions, "checker_modules", lambda: {**known, "robot": "youthlab.robot_not_here.checker"})
    with pytest.raises(MissionCheckerMissing) as err:
        check_mission("robot", "line", [])
    assert "robot" in err.value.message("en") and "not installed" in err.value.message("en")
    with pytest.raises(MissionCheckerMissing):
        check_mission("submarine", "x", [])


def test_checker_results_of_any_shape_become_results(monkeypatch, tmp_path):
    import sys
    import types

    mod = types.ModuleType("fake_checker")
    mod.check = lambda mission, attempt, **kw: {"ok": attempt == "yes", "message": "checked"}
    monkeypatch.setitem(sys.modules, "fake_checker", mod)
    known = missions.checker_modules()
    monkeypatch.setattr(missions, "checker_modules", lambda: {**known, "fake": "fake_checker"})
    assert check_mission("fake", "m", "yes").passed
    assert not check_mission("fake", "m", "no").passed and check_mission("fake", "m", "no").message == "checked"



def test_mission_kinds_come_from_entry_points():
    """The shipped kinds are registered in pyproject.toml's youthlab.mission_checkers group."""
    from importlib.metadata import entry_points

    registered = {ep.name: ep.value for ep in entry_points(group=missions.CHECKERS_GROUP)}
    assert registered == missions.checker_modules()
    assert {"drone", "robot", "grid"} <= set(registered)
