"""Course folder, parallel autograde, timeouts, tampering, broken notebooks, export.

Real nbgrader on a course made from the shipped curriculum and lab; submissions are
written as `nbgrader collect` leaves them.
"""

from __future__ import annotations

import csv
import hashlib
import io

import nbformat
import pytest

from tests.grading.sandbox_users import sandbox_user_prefix
from tests.grading.fakes import GOOD, LAB, NB, submit
from youthlab.grading.autograde import autograde
from youthlab.grading.course import create_course, open_course, release, release_feedback
from youthlab.grading.curriculum import load
from youthlab.grading.errors import NoCourse, UnknownClass
from youthlab.grading.export import to_csv
from youthlab.hub.accounts import AccountPlan

PLAN = AccountPlan("operator", {"teacher": ["class-t"]},
                   {"class-t": ["ana", "bo", "cy", "dan", "eve", "fay", "gil"]})


@pytest.fixture(scope="module", autouse=True)
def sandbox_prefix():
    """As root, autograde runs submissions as sandbox users: with a prefix of our own,
    removed afterwards."""
    with sandbox_user_prefix() as prefix:
        yield prefix


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    c, skipped = create_course(load("visit-90"), "class-t", PLAN, data)
    assert "05-python-basics" in c.labs and set(skipped) <= {"10-first-flight", "20-name-stamp"}
    release(c, LAB)
    return c


def _tamper_edit(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_stamp_price":
            cell.source = "print('all good')"  # a student 'passing' by rewriting the test


def _tamper_delete(nb):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_route"]


@pytest.fixture(scope="module")
def graded(course):
    submit(course.root, "ana")  # all right
    submit(course.root, "bo", dict(GOOD, stamp_price="def stamp_price(g):\n    while True:\n        pass"))
    submit(course.root, "cy", dict(GOOD, stamp_price="def stamp_price(g):\n    return 0"), edit=_tamper_edit)
    submit(course.root, "dan", edit=_tamper_delete)
    broken = submit(course.root, "eve", raw='{"cells": [ this is not json')
    submit(course.root, "fay", dict(GOOD, route='route = ["S", "E"]'))
    submit(course.root, "gil", dict(GOOD, stamp_price="def stamp_price(g):\n    return 520 if g <= 25 else 640"))
    before = hashlib.sha256(broken.read_bytes()).hexdigest()
    seen = []
    report = autograde(course, LAB, workers=2, timeout=6, progress=lambda d, t: seen.append((d, t)))
    return report, broken, before, seen


def _score(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course.name) as gb:
        return gb.find_submission(LAB, student).score


def test_course_folder_has_release_without_answers(course):
    released = (course.root / "release" / LAB / NB).read_text()
    assert "BEGIN SOLUTION" not in released and "assert stamp_price(51)" not in released
    assert (course.root / "nbgrader_config.py").read_text().count("add_missing_cells = True") == 1


def test_parallel_autograde_grades_everyone_readable_with_progress(course, graded):
    report, _, _, seen = graded
    assert report.graded == ["ana", "bo", "cy", "dan", "fay", "gil"] and report.workers == 2
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert _score(course, "ana") == 7
    assert _score(course, "fay") == 4  # the route misses the house: mission points lost


def test_runaway_cell_hits_the_timeout_and_grading_goes_on(course, graded):
    report, *_ = graded
    assert report.timeouts == {"bo": [f"{NB}:test_stamp_price"]}
    assert _score(course, "bo") == 5  # only the looping test lost its points


def test_edited_and_deleted_test_cells_are_flagged_and_original_tests_used(course, graded):
    report, *_ = graded
    assert report.tampered["cy"] == [{"notebook": NB, "cell": "test_stamp_price", "kind": "changed"}]
    assert report.tampered["dan"] == [{"notebook": NB, "cell": "test_route", "kind": "deleted"}]
    assert set(report.tampered) == {"cy", "dan"}  # honest submissions are not flagged
    assert _score(course, "cy") == 5  # the rewritten test did not help: the original one ran
    assert _score(course, "dan") == 7  # the deleted test was put back and passed
    autograded = nbformat.read(course.root / "autograded" / "dan" / LAB / NB, as_version=4)
    assert any(c.metadata.get("nbgrader", {}).get("grade_id") == "test_route" for c in autograded.cells)


def test_broken_notebook_is_reported_and_left_untouched(course, graded):
    report, broken, before, _ = graded
    assert "eve" in report.broken and "not appear to be JSON" in report.broken["eve"]
    assert hashlib.sha256(broken.read_bytes()).hexdigest() == before
    assert not (course.root / "autograded" / "eve").exists()


def test_export_has_scores_percent_and_flags(course, graded):
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(to_csv(course, "en")))}
    assert set(rows) == set(PLAN.classes["class-t"])
    weights = {lab: course.weights[lab] for lab in course.info["graded_labs"]}
    expected = round(100 * weights[LAB] / sum(weights.values()), 1)  # labs not done count 0
    assert rows["ana"][f"{LAB} score"] == "7" and float(rows["ana"]["weighted percent"]) == expected
    assert rows["bo"]["flags"].startswith(f"{LAB}: timeout")
    assert "tampered test_stamp_price (changed)" in rows["cy"]["flags"]
    assert "unreadable" in rows["eve"]["flags"] and rows["eve"]["passed"] == "no"


def test_a_korean_teacher_gets_the_spreadsheet_in_korean_with_the_same_numbers(course, graded):
    en = list(csv.reader(io.StringIO(to_csv(course, "en"))))
    ko = list(csv.reader(io.StringIO(to_csv(course, "ko"))))
    assert ko[0][0] == "학생" and f"{LAB} 점수" in ko[0] and "통과" in ko[0]
    assert not any(word in " ".join(ko[0]) for word in ("score", "percent", "passed", "flags"))
    by_student = {row[0]: row for row in ko[1:]}
    assert {row[0] for row in en[1:]} == set(by_student)
    numbers = [i for i, name in enumerate(en[0]) if name.endswith((" score", " max")) or name == "weighted percent"]
    for row in en[1:]:  # the same numbers whatever the language
        assert [row[i] for i in numbers] == [by_student[row[0]][i] for i in numbers]
    assert by_student["eve"][en[0].index("passed")] == "아니요"
    flags = " ".join(row[-1] for row in ko[1:])
    assert "시간 초과" in flags and "바뀐 채점 셀" in flags and "열 수 없는" in flags
    assert not any(word in flags for word in ("timeout", "tampered", "unreadable"))


def test_feedback_shows_the_score_but_not_the_hidden_tests(course, graded):
    n = release_feedback(course, LAB)
    assert n == 6
    page = (course.root / "feedback" / "gil" / LAB / NB.replace(".ipynb", ".html")).read_text()
    assert _score(course, "gil") == 5  # gil passed the visible checks but not the hidden ones
    assert "AssertionError" in page and "5" in page
    assert "stamp_price(51)" not in page and "HIDDEN TESTS" not in page


def test_regrading_replaces_grades_instead_of_duplicating(course, graded):
    submit(course.root, "fay")  # fay fixes her route and resubmits
    report = autograde(course, LAB, workers=2, timeout=6, students=["fay"])
    assert report.graded == ["fay"] and _score(course, "fay") == 7
    assert _score(course, "ana") == 7  # others untouched


def test_unknown_class_and_missing_course_are_clear(tmp_path):
    with pytest.raises(UnknownClass) as err:
        create_course(load("visit-90"), "class-x", PLAN, tmp_path)
    assert "class-t" in err.value.message("en")
    with pytest.raises(NoCourse) as err:
        open_course(tmp_path, "class-t")
    assert "course create" in err.value.hint("en")


def test_teacher_sees_tampering_timeouts_and_unreadable_notebooks_in_the_terminal(course, graded):
    import subprocess
    import sys
    from pathlib import Path

    r = subprocess.run([str(Path(sys.executable).parent / "youthlab"), "--lang", "en", "course", "autograde", LAB,
                        "--class", "class-t", "--data-dir", str(course.root.parent.parent), "--timeout", "6"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "Graded 6 students" in out
    assert "eve: notebook unreadable, not graded" in out and "kept as it was" in out
    assert "cy: test cells were tampered with — test_stamp_price (edited)" in out
    assert "dan: test cells were tampered with — test_route (deleted)" in out
    assert "bo: cells stopped by the time limit — python-basics.ipynb:test_stamp_price" in out
    assert "Traceback" not in out + r.stderr
