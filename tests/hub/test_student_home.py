"""What the hub puts into a home before a server starts: one copy of each lab, fetched
assignments in nbgrader's layout, and nothing written or chowned through a planted link."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from youthlab.hub.labs import is_private
from youthlab.hub.student_home import IPYTHON_KERNEL_CONFIG, LAB_LOCALE_SETTINGS, prepare_home

ROOT = Path(__file__).resolve().parents[2]
NOBODY = (65534, 65534)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="hands files over to another uid: needs root")


@pytest.fixture
def hall(tmp_path):
    """A labs folder with a graded lab (05) and an ungraded one (00), and a data folder
    whose class ``cA`` has a course with 05 in source/ and released in the exchange."""
    labs = tmp_path / "labs"
    for name in ("00-welcome", "05-python-basics"):
        shutil.copytree(ROOT / "labs" / name, labs / name)
    data = tmp_path / "data"
    (data / "courses" / "cA" / "source" / "05-python-basics").mkdir(parents=True)
    released = data / "exchange" / "cA" / "outbound" / "05-python-basics"
    released.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# 여기에 코드를 쓰세요")])
    nbformat.write(nb, released / "python-basics.ipynb")
    home = tmp_path / "home"
    home.mkdir()
    return labs, data, home


def test_a_student_of_a_graded_class_gets_one_copy_the_fetched_one(hall):
    labs, data, home = hall
    report = prepare_home(home, str(labs), "ko_KR", data, ["cA"])
    assert report.copied == ["00-welcome"]  # ungraded: into the home as before
    assert not (home / "05-python-basics").exists()  # graded: no second copy
    fetched = home / "cA" / "05-python-basics" / "python-basics.ipynb"
    assert report.fetched == ["cA/05-python-basics"] and "여기에" in fetched.read_text()
    assert json.loads((home / LAB_LOCALE_SETTINGS).read_text()) == {"locale": "ko_KR"}
    # the student's work is never overwritten, and nothing is fetched twice
    fetched.write_text("my work")
    again = prepare_home(home, str(labs), "ko_KR", data, ["cA"])
    assert again.copied == [] and again.fetched == [] and fetched.read_text() == "my work"


def test_without_a_course_every_lab_is_copied_into_the_home(hall):
    labs, data, home = hall
    report = prepare_home(home, str(labs), "en", data, ["cB"])  # cB has no course
    assert report.copied == ["00-welcome", "05-python-basics"] and report.fetched == []


def test_two_servers_of_one_account_starting_at_once_both_get_a_whole_home(hall, tmp_path):
    """A teacher starts their own server and a class's named server in the same second: the hub
    prepares the one home twice at once. Before, the second copy of a lab found the first's
    staging folder gone and the spawn failed (HTTP 500, 'No such file … .01-first-board.copying')."""
    import threading

    labs, data, _ = hall
    for name in ("01-first-board", "10-first-flight", "20-name-stamp"):
        shutil.copytree(ROOT / "labs" / name, labs / name)
    for round_ in range(4):
        home = tmp_path / f"home{round_}"
        home.mkdir()
        start, reports, errors = threading.Barrier(2), [], []

        def spawn():
            start.wait()
            try:
                reports.append(prepare_home(home, str(labs), "ko_KR", data, ["cB"]))
            except Exception as exc:  # noqa: BLE001 — what the hub would answer as a 500
                errors.append(exc)

        threads = [threading.Thread(target=spawn) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        labs_now = sorted(p.name for p in labs.iterdir())
        assert sorted(sum((r.copied for r in reports), [])) == labs_now  # each lab copied once, by one of them
        assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == labs_now
        assert not [p for p in home.iterdir() if ".copying" in p.name]  # no staging left behind
        for lab in labs_now:
            assert sorted(q.name for q in (home / lab).rglob("*")) == \
                sorted(q.name for q in (labs / lab).rglob("*") if not is_private(q.relative_to(labs / lab)))


@needs_root
def test_only_what_the_hub_made_is_handed_over_and_planted_links_are_not_followed(hall, tmp_path):
    labs, data, home = hall
    secret = tmp_path / "secret"
    secret.write_text("root's")
    os.chmod(secret, 0o600)
    os.symlink(secret, home / "x")  # chowning it would hand root's file over
    (home / ".ipython").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # a link to a folder
    (tmp_path / "elsewhere").mkdir()
    os.symlink(secret, home / ".00-welcome.copying")  # copy_labs' staging name
    (home / "cA").symlink_to(tmp_path / "elsewhere")  # the class folder as a link
    theirs = home / "old.txt"
    theirs.write_text("kept")
    os.chown(theirs, 1234, 1234)

    report = prepare_home(home, str(labs), "ko_KR", data, ["cA"], owner=NOBODY)

    assert secret.read_text() == "root's" and secret.stat().st_uid == 0  # never followed nor chowned
    assert list((tmp_path / "elsewhere").iterdir()) == []  # nothing written through the links
    assert report.fetched == [] and str(home / "cA") in report.skipped
    assert report.copied == ["00-welcome"]
    assert theirs.stat().st_uid == 1234  # not ours to hand over: untouched
    for path in [home / "00-welcome", *(home / "00-welcome").rglob("*"), home / ".jupyter", home / LAB_LOCALE_SETTINGS]:
        assert (path.lstat().st_uid, path.lstat().st_gid) == NOBODY, path
    assert not (home / IPYTHON_KERNEL_CONFIG).exists()  # its folder is a link: left alone


def _answer_cells(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def _release_05(data: Path) -> Path:
    """The teacher gives class cA lab 05 (as released: solutions stripped, grade ids kept)."""
    from youthlab.hub.labs import student_version

    released = data / "exchange" / "cA" / "outbound" / "05-python-basics" / "python-basics.ipynb"
    nbformat.write(student_version(ROOT / "labs" / "05-python-basics" / "python-basics.ipynb"), released)
    return released


def test_answers_begun_before_the_class_got_the_lab_are_carried_into_the_fetched_copy(hall):
    from tests.grading.fakes import GOOD

    labs, data, home = hall
    released = _release_05(data)
    prepare_home(home, str(labs), "ko_KR", data, [])  # not in a class yet: the lab is copied as ~/05-…
    mine = home / "05-python-basics" / "python-basics.ipynb"
    nb = nbformat.read(mine, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "stamp_price":
            cell.source = GOOD["stamp_price"]
        elif cell.cell_type == "markdown":
            cell.source = "the student also scribbled over the instructions"
    nbformat.write(nb, mine)
    before = mine.read_bytes()

    report = prepare_home(home, str(labs), "ko_KR", data, ["cA"])  # now in class cA, lab released
    fetched = home / "cA" / "05-python-basics" / "python-basics.ipynb"
    assert report.carried == ["cA/05-python-basics/python-basics.ipynb"]
    answers, release = _answer_cells(fetched), _answer_cells(released)
    assert answers["stamp_price"] == GOOD["stamp_price"]  # their answer, in the copy they submit
    assert {k: v for k, v in answers.items() if k != "stamp_price"} == \
        {k: v for k, v in release.items() if k != "stamp_price"}  # the others as released
    # Only answers move: instructions, tests and metadata stay the released version.
    got, want = nbformat.read(fetched, as_version=4), nbformat.read(released, as_version=4)
    assert [c.source for c in got.cells if c.cell_type == "markdown"] == \
        [c.source for c in want.cells if c.cell_type == "markdown"]
    assert [c.metadata for c in got.cells] == [c.metadata for c in want.cells]
    assert mine.read_bytes() == before  # the old copy is left as it was


@pytest.mark.parametrize("old", ["link", "garbled", "huge"])
def test_an_old_copy_that_is_a_link_garbled_or_huge_is_not_read_and_the_lab_is_still_fetched(hall, tmp_path, old):
    from youthlab.hub import student_home

    labs, data, home = hall
    released = _release_05(data)
    (home / "05-python-basics").mkdir()
    mine = home / "05-python-basics" / "python-basics.ipynb"
    if old == "link":  # planted: the hub (root) must not read through it
        secret = tmp_path / "secret.ipynb"
        nb = nbformat.read(released, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = "SECRET"
        nbformat.write(nb, secret)
        mine.symlink_to(secret)
    elif old == "garbled":
        mine.write_text('{"cells": [1, "x", {"metadata": {"nbgrader": {"solution": true, "grade_id": 5}}}')
    else:
        mine.write_text(" " * (student_home.CARRY_MAX_BYTES + 1))
    report = prepare_home(home, str(labs), "ko_KR", data, ["cA"])
    fetched = home / "cA" / "05-python-basics" / "python-basics.ipynb"
    assert report.fetched == ["cA/05-python-basics"] and report.carried == []
    assert fetched.read_bytes() == released.read_bytes()


def test_an_old_copy_never_worked_on_carries_nothing(hall):
    labs, data, home = hall
    released = _release_05(data)
    nb = nbformat.read(released, as_version=4)  # nbgrader's own stub, not ours
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "# YOUR CODE HERE\nraise NotImplementedError()"
    nbformat.write(nb, released)
    prepare_home(home, str(labs), "ko_KR", data, [])
    report = prepare_home(home, str(labs), "ko_KR", data, ["cA"])
    assert report.fetched == ["cA/05-python-basics"] and report.carried == []
    assert (home / "cA" / "05-python-basics" / "python-basics.ipynb").read_bytes() == released.read_bytes()
