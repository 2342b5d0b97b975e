"""Points that still need manual grading are pending — not 0, not 'passed: no'.

A lab with a hand-graded question (an explanation, 2 points) besides its autograded
tests, graded by the real nbgrader; what the teacher sees in the CSV, in
``youthlab course progress`` and on the dashboard.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.grading.fakes import GOOD, LAB, NB, submit
from youthlab.grading.autograde import autograde
from youthlab.grading.course import create_course, release
from youthlab.grading.curriculum import load
from youthlab.grading.dashboard import table_html
from youthlab.grading.export import to_csv
from youthlab.grading.progress import class_progress
from youthlab.hub.accounts import AccountPlan
from youthlab.paths import labs_dir

PLAN = AccountPlan("operator", {"teacher": ["class-m"]}, {"class-m": ["ana", "fay", "zed"]})
WRONG = {"stamp_price": "def stamp_price(grams):\n    return 0",
         "sort_letters": "def sort_letters(letters):\n    return letters",
         "route": "route = []"}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    prefix = f"ylt{secrets.token_hex(2)}-"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YOUTHLAB_SYSTEM_USER_PREFIX", prefix)
        labs = tmp_path_factory.mktemp("labs")
        shutil.copytree(labs_dir() / LAB, labs / LAB)
        nb_path = labs / LAB / NB
        nb = nbformat.read(nb_path, as_version=4)
        explain = nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nBecause letters are sorted by postcode.\n"
                                               "### END SOLUTION")
        explain.metadata["nbgrader"] = {"grade": True, "solution": True, "locked": False, "task": False,
                                        "grade_id": "explain", "points": 2, "schema_version": 3}
        nb.cells.append(explain)
        nbformat.write(nb, nb_path)
        data = tmp_path_factory.mktemp("data")
        c, _ = create_course(load("visit-90"), "class-m", PLAN, data, labs_root=labs)
        c.info["graded_labs"] = [LAB]  # this class is graded on this lab alone
        (c.root / "course.yaml").write_text(__import__("yaml").safe_dump(c.info, allow_unicode=True))
        release(c, LAB)
        said = {"explain": "Sorted by postcode, so the carrier walks one street at a time."}
        submit(c.root, "ana", dict(GOOD, **said))  # every test right: 7 of 9, the explanation still to be read
        submit(c.root, "fay", dict(GOOD, route='route = ["S", "E"]', **said))  # 4 of 9: may pass or not
        submit(c.root, "zed", dict(WRONG, **said))  # 0 of 9: fails whatever the explanation
        report = autograde(c, LAB, workers=1, timeout=10)
        assert report.graded == ["ana", "fay", "zed"], report
        try:
            yield c, data
        finally:
            if os.geteuid() == 0:
                from youthlab.grading.sandbox import remove_users

                remove_users(prefix)


def test_export_shows_manual_points_as_pending_and_does_not_fail_on_them(course):
    c, _ = course
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(to_csv(c, "en")))}
    ana, fay, zed = rows["ana"], rows["fay"], rows["zed"]
    assert (ana[f"{LAB} score"], ana[f"{LAB} max"], ana[f"{LAB} pending"]) == ("7", "9", "2")
    assert ana["passed"] == "yes"  # 7/9 = 78 % passes whatever the explanation gets
    assert fay["passed"] == "pending"  # 4/9 = 44 %, with the 2 points 67 %: not decided yet
    assert zed["passed"] == "no"  # 0 + 2 of 9 cannot pass
    assert "2 pts pending manual grading" in fay["flags"]


def test_progress_and_dashboard_show_the_pending_points(course):
    c, data = course
    rows = {r.student: r for r in class_progress(c, data)}
    assert rows["fay"].score == f"{LAB} 4/9 (+{_pending_text()})"
    assert _pending_text() in table_html(list(rows.values()))
    r = subprocess.run([str(Path(sys.executable).parent / "youthlab"), "--lang", "en", "course", "progress",
                        "--class", "class-m", "--data-dir", str(data)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    fay_line = next(line for line in r.stdout.splitlines() if line.startswith("fay "))
    assert "4/9 (+2 pts pending manual grading)" in fay_line


def _pending_text() -> str:
    from youthlab.i18n import t

    return t("grades.pending_points", points="2")
