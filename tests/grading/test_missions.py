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
    monkeypatch.setitem(missions.CHECKERS, "robot", "youthlab.robot_not_here.checker")
    with pytest.raises(MissionCheckerMissing) as err:
        check_mission("robot", "line", [])
    assert "robot" in err.value.message("en") and "not installed" in err.value.message("en")
    assert not missions.checker_available("robot")
    with pytest.raises(MissionCheckerMissing):
        check_mission("submarine", "x", [])


def test_checker_results_of_any_shape_become_results(monkeypatch, tmp_path):
    import sys
    import types

    mod = types.ModuleType("fake_checker")
    mod.check = lambda mission, attempt, **kw: {"ok": attempt == "yes", "message": "checked"}
    monkeypatch.setitem(sys.modules, "fake_checker", mod)
    monkeypatch.setitem(missions.CHECKERS, "fake", "fake_checker")
    assert check_mission("fake", "m", "yes").passed
    assert not check_mission("fake", "m", "no").passed and check_mission("fake", "m", "no").message == "checked"

