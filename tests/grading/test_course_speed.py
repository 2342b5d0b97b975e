"""What made ``youthlab course create`` / ``release`` slow stays out of them, and the course
they make is the same nbgrader course.

- A new gradebook is stamped with nbgrader's migration head read in this process, not by
  an ``alembic heads`` process that imports all of nbgrader again (4-5 CPU-s); the stamp
  is the one nbgrader's own (subprocess) lookup gives, so ``nbgrader db upgrade`` and
  later nbgrader versions see a gradebook they know.
- The course command's process never builds ``rfc3987_syntax``'s parsers (~2 CPU-s at
  ``jsonschema``'s import), which no course schema uses.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat

from tests.conftest import ROOT
from tests.grading.fakes import LAB, NB
from youthlab.hub.accounts import AccountPlan

PLAN = AccountPlan("op", {"tea": ["class-s"]}, {"class-s": ["ana", "bo"]})


def test_new_gradebook_gets_nbgraders_own_stamp_without_an_alembic_process(tmp_path, monkeypatch):
    import nbgrader.api
    from youthlab.grading.access import path_with_venv
    from youthlab.grading.course import create_course
    from youthlab.grading.curriculum import load

    monkeypatch.setenv("YOUTHLAB_SPAWNER", "demo")  # no system groups: only nbgrader's own work
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    class Recording(real_popen):
        def __init__(self, args, *a, **kw):
            started.append([str(x) for x in (args if isinstance(args, (list, tuple)) else [args])])
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    asked_before = nbgrader.api.get_alembic_version
    course, _ = create_course(load("visit-90"), "class-s", PLAN, tmp_path)
    monkeypatch.setattr(subprocess, "Popen", real_popen)

    assert not [argv for argv in started if any("alembic" in part for part in argv)], started
    assert nbgrader.api.get_alembic_version is asked_before  # nbgrader's own lookup is back
    with sqlite3.connect(course.root / "gradebook.db") as db:
        stamp = db.execute("SELECT version_num FROM alembic_version").fetchall()
        students = {row[0] for row in db.execute("SELECT id FROM student")}
    monkeypatch.setenv("PATH", path_with_venv())
    assert stamp == [(nbgrader.api.get_alembic_version(),)]  # nbgrader's own answer (its subprocess)
    assert students == {"ana", "bo"}
    released = nbformat.read(course.root / "release" / LAB / NB, as_version=4)
    assert any(c.get("metadata", {}).get("nbgrader", {}).get("grade") for c in released.cells)
    # nbgrader's own tools take the gradebook as theirs: nothing to migrate
    upgrade = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "db", "upgrade"],
                             cwd=course.root, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PATH": path_with_venv()})
    assert upgrade.returncode == 0, upgrade.stderr
    with sqlite3.connect(course.root / "gradebook.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == stamp


def test_course_commands_never_build_the_iri_parsers(tmp_path):
    env = {**os.environ, "YOUTHLAB_SPAWNER": "demo", "PYTHONPROFILEIMPORTTIME": "1", "YOUTHLAB_LANG": "en"}
    youthlab = str(Path(sys.executable).parent / "youthlab")
    for args in (["create", "visit-90"], ["release", LAB]):
        r = subprocess.run([youthlab, "course", *args, "--class", "class-demo", "--data-dir", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        imported = [line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines()
                    if line.startswith("import time:")]
        assert "nbgrader.api" in imported  # the import log is there, and it is the real work
        # (a skipped import is logged too, as a failed one: the parsers' modules are not there)
        assert not {"lark", "rfc3987_syntax.syntax_helpers"} & set(imported), args
    assert (tmp_path / "exchange" / "class-demo" / "outbound" / LAB / NB).is_file()


def test_jsonschema_in_the_course_process_still_checks_curricula(tmp_path):
    """The skipped import drops only the iri formats: a curriculum's schema errors still show."""
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "curricula" / "visit-90.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("group_size: 30", "group_size: thirty"), encoding="utf-8")
    r = subprocess.run([str(Path(sys.executable).parent / "youthlab"), "--lang", "en", "course", "validate",
                        str(bad)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "group_size" in r.stdout and "Traceback" not in r.stdout + r.stderr
