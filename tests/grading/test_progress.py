"""Progress for the teacher's page, read from students' saved notebooks."""

from __future__ import annotations

import os
import time

import nbformat
import pytest

from tests.grading.fakes import GOOD, LAB, NB, answered
from youthlab.grading.course import create_course, release
from youthlab.grading.curriculum import load
from youthlab.grading.dashboard import table_html
from youthlab.grading.progress import class_progress
from youthlab.hub.accounts import AccountPlan

PLAN = AccountPlan("operator", {"teacher": ["class-p"]}, {"class-p": ["ana", "bo", "cy", "dan"]})


def _ran(nb, failing: set[str]) -> nbformat.NotebookNode:
    """Outputs as if the student ran every cell; test cells in ``failing`` raised."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.execution_count = i
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])] \
            if gid in failing else [nbformat.v4.new_output("stream", name="stdout", text="✅\n")]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    c, _ = create_course(load("visit-90"), "class-p", PLAN, data)
    release(c, LAB)
    released = c.root / "release" / LAB / NB
    homes = data / "homes"
    for student, failing in {"ana": set(), "bo": {"test_stamp_price", "test_route", "test_sort_letters"}}.items():
        folder = homes / student / "class-p" / LAB
        folder.mkdir(parents=True)
        nbformat.write(_ran(answered(released, GOOD), failing), folder / NB)
    # cy opened the lab long ago and has not saved since
    folder = homes / "cy" / "class-p" / LAB
    folder.mkdir(parents=True)
    nbformat.write(answered(released, {}), folder / NB)
    old = time.time() - 3600
    os.utime(folder / NB, (old, old))
    return c, data


def test_progress_shows_lab_tests_errors_and_stuck_students(course):
    c, data = course
    rows = {r.student: r for r in class_progress(c, data, hub_users=[
        {"name": "ana", "servers": {"": {"ready": True}}, "last_activity": "2026-11-23T10:00:00Z"}])}
    assert (rows["ana"].lab, rows["ana"].tests_passing, rows["ana"].tests_total, rows["ana"].status) == (LAB, 3, 3, "done")
    assert rows["ana"].server == "ready"
    assert rows["bo"].tests_passing == 0 and rows["bo"].errors == 3 and rows["bo"].status == "stuck"
    assert rows["cy"].status == "stuck"  # no saved change for an hour on an unfinished lab
    assert rows["dan"].lab is None and rows["dan"].status == "idle"
    page = table_html(list(rows.values()))
    assert page.count("<tr") == 5 and "#f8d7da" in page  # header + 4 students; stuck rows are red


def test_dashboard_notebook_is_in_the_course_not_in_labs(course):
    c, _ = course
    nb = nbformat.read(c.root / "dashboard.ipynb", as_version=4)
    assert "Dashboard('class-p').show()" in nb.cells[1].source


def test_board_column_shows_the_board_a_students_kernel_holds_until_that_kernel_ends(course):
    import subprocess
    import sys

    c, data = course
    holder = ("import time\nfrom youthlab.boards.locks import BoardLock\n"
              "BoardLock('station-3-esp32').acquire()\nprint('held', flush=True)\ntime.sleep(120)\n")
    env = dict(os.environ, YOUTHLAB_DATA_DIR=str(data), JUPYTERHUB_USER="bo")
    kernel = subprocess.Popen([sys.executable, "-c", holder], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert kernel.stdout.readline().strip() == "held"
        rows = {r.student: r for r in class_progress(c, data)}
        assert rows["bo"].board == "station-3-esp32" and rows["ana"].board is None
        assert "station-3-esp32" in table_html(list(rows.values()))
    finally:
        kernel.kill()
        kernel.wait()
    rows = {r.student: r for r in class_progress(c, data)}
    assert rows["bo"].board is None  # the kernel ended: the OS let go of the board
