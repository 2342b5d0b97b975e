"""Physical missions become points: the drone and robot checkers run inside autograde.

Uses the real labs (drone: 11-island-delivery, robot: 31-robot-postman) from the camp
curriculum: the teacher's solution earns the mission points, an untouched notebook none.
"""

from __future__ import annotations

import nbformat
import pytest

from tests.grading.fakes import submit_solutions
from youthlab.grading.autograde import autograde
from youthlab.grading.course import create_course, release
from youthlab.grading.curriculum import load
from youthlab.hub.accounts import AccountPlan

MISSIONS = {"11-island-delivery": "deliver-test", "31-robot-postman": "postman-test"}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    plan = AccountPlan("operator", {"teacher": ["camp"]}, {"camp": ["ana", "bo"]})
    made, _ = create_course(load("club-4-weeks"), "camp", plan, tmp_path_factory.mktemp("data"))
    return made


@pytest.mark.parametrize("lab", sorted(MISSIONS))
def test_mission_checker_runs_in_autograde_and_gives_points(lab, course):
    if lab not in course.labs:
        pytest.skip(f"{lab} is not written yet")
    release(course, lab)
    submit_solutions(course.root, "ana", lab)
    untouched = course.root / "submitted" / "bo" / lab  # bo hands in the lab as fetched
    untouched.mkdir(parents=True)
    (untouched / "timestamp.txt").write_text("2026-11-23 10:00:00.000000 UTC")
    for nb in (course.root / "release" / lab).glob("*.ipynb"):
        nbformat.write(nbformat.read(nb, as_version=4), untouched / nb.name)

    report = autograde(course, lab)
    assert report.graded == ["ana", "bo"] and not report.tampered and not report.failed

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", "camp") as gb:
        def mission_points(student):
            sub = gb.find_submission(lab, student)
            return next(g for nb in sub.notebooks for g in nb.grades if g.name == MISSIONS[lab])

        ana, bo = mission_points("ana"), mission_points("bo")
        assert ana.score == ana.max_score > 0  # "did the parcel reach the island" is points
        assert bo.score == 0
