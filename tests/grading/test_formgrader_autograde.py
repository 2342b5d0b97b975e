"""Formgrader's own Autograde button in a teacher's server: refused, nothing run or lost.

The teacher's server config is built the way the hub builds it (per-role folder plus
hub_config/ on JUPYTER_CONFIG_PATH, the teacher's hub name) and loaded the way
formgrader loads it (an ``NbGrader`` app's ``load_config_file``); then formgrader's API
path, ``NbGraderAPI.autograde``, is called on a real course with a submission that
writes a marker file when run. Our own sandboxed autograde, with the same teacher
environment inherited by its workers, still grades.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.apps import NbGrader, NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from tests.grading.sandbox_users import sandbox_user_prefix
from tests.grading.fakes import GOOD, LAB, NB, submit
from youthlab.grading.autograde import autograde
from youthlab.grading.course import create_course, release
from youthlab.grading.curriculum import load
from youthlab.grading.hubwiring import config_path_for, write_role_configs
from youthlab.hub.accounts import load_plan

HUB_CONFIG = Path(__file__).resolve().parents[2] / "hub_config"
ACCOUNTS = ("operator: {username: operator}\n"
            "teachers:\n  - {username: teacher, classes: [class-t]}\n"
            "classes:\n  class-t: {title: {ko: T, en: T}, students: [ana, bo]}\n")


@pytest.fixture(autouse=True)
def keep_umask():
    """Loading a course's nbgrader config sets the process umask (isolated mode: 007), as it
    does in a teacher's server; give the test process its own back for the tests after."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.fixture(scope="module", autouse=True)
def sandbox_prefix():
    with sandbox_user_prefix() as prefix:
        yield prefix


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    base = tmp_path_factory.mktemp("hall")
    accounts = base / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    plan = load_plan(accounts)
    data = base / "data"
    course, _ = create_course(load("visit-90"), "class-t", plan, data)
    release(course, LAB)
    write_role_configs(data)
    marker_dir = Path(tempfile.mkdtemp(prefix="ylt-marker-"))
    marker_dir.chmod(0o777)  # a sandbox user could write here: only not running keeps it empty
    marker = marker_dir / "ran-as"
    evil = dict(GOOD, stamp_price=f"import os\nopen({str(marker)!r}, 'w').write(str(os.getuid()))\n"
                                  + GOOD["stamp_price"])
    submit(course.root, "ana", evil)
    submit(course.root, "bo")
    home = base / "home-teacher"
    home.mkdir()
    env = {"JUPYTERHUB_USER": "teacher", "YOUTHLAB_DATA_DIR": str(data), "YOUTHLAB_ACCOUNTS": str(accounts),
           "HOME": str(home), "JUPYTER_CONFIG_PATH": config_path_for(plan, data, HUB_CONFIG, "teacher")}
    try:
        yield course, marker, env, base
    finally:
        shutil.rmtree(marker_dir, ignore_errors=True)


def _teacher_api(env: dict[str, str], cwd: Path, monkeypatch) -> NbGraderAPI:
    """What formgrader's handlers use: config loaded by an NbGrader app in the teacher's server."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)  # no stray nbgrader_config.py from the working folder
    app = NbGrader()
    app.load_config_file()
    coursedir = CourseDirectory(config=app.config)
    return NbGraderAPI(coursedir, config=app.config)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_formgrader_autograde_is_refused_and_runs_nothing(hall, monkeypatch):
    course, marker, env, base = hall
    api = _teacher_api(env, base, monkeypatch)
    assert api.coursedir.course_id == "class-t"
    gradebook = _digest(course.root / "gradebook.db")

    result = api.autograde(LAB, "ana")

    assert result["success"] is False
    shown = result.get("log", "") + result.get("error", "")  # formgrader's error window shows both
    assert "샌드박스" in shown and "outside the sandbox" in shown
    assert f"youthlab course autograde {LAB} --class class-t" in shown
    assert not marker.exists(), "the submission ran"
    assert not (course.root / "autograded" / "ana").exists()
    assert _digest(course.root / "gradebook.db") == gradebook


def test_our_autograde_still_grades_and_a_later_refusal_loses_nothing(hall, monkeypatch):
    course, marker, env, base = hall
    for name, value in env.items():  # the workers inherit the teacher's config path
        monkeypatch.setenv(name, value)
    report = autograde(course, LAB, workers=1, timeout=20)
    assert report.graded == ["ana", "bo"] and not report.failed, report
    assert report.isolated == (os.geteuid() == 0)
    graded = course.root / "autograded" / "bo" / LAB / NB
    assert graded.exists()
    if os.geteuid() == 0 and marker.exists():  # ran in the sandbox, not as the grader
        assert marker.read_text() != "0"
    marker.unlink(missing_ok=True)

    before, gradebook = _digest(graded), _digest(course.root / "gradebook.db")
    result = _teacher_api(env, base, monkeypatch).autograde(LAB, "bo")
    assert result["success"] is False
    assert _digest(graded) == before, "formgrader's --force removed the earlier result"
    assert _digest(course.root / "gradebook.db") == gradebook
    result = _teacher_api(env, base, monkeypatch).autograde(LAB, "ana")
    assert result["success"] is False and not marker.exists()


def test_nbgrader_autograde_in_the_teachers_terminal_is_refused_too(hall, monkeypatch):
    """The same config reaches nbgrader's own command line in the teacher's terminal."""
    course, marker, env, base = hall
    gradebook = _digest(course.root / "gradebook.db")
    graded = course.root / "autograded" / "ana" / LAB / NB
    before = _digest(graded) if graded.exists() else None
    nbgrader = Path(sys.executable).parent / "nbgrader"
    run = subprocess.run([str(nbgrader), "autograde", LAB, "--student", "ana", "--force"], cwd=course.root,
                         env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "outside the sandbox" in run.stderr and "샌드박스" in run.stderr
    assert not marker.exists()
    assert _digest(course.root / "gradebook.db") == gradebook
    assert (_digest(graded) if graded.exists() else None) == before
