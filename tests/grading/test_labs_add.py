"""A teacher's own lab (#18): a notebook set in the style of nbgrader's example
assignment ``ps1`` goes in with ``youthlab lab add``, named ``40-ps1``, put in a plan, and
nbgrader can release and grade it; broken markup is refused with nothing copied."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT


def _cell(kind: str, source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if nbgrader:
        meta = {"grade": False, "solution": False, "locked": False, "task": False, "schema_version": 3}
        meta.update(nbgrader)
        cell.metadata["nbgrader"] = meta
    return cell


def write_ps1(folder: Path) -> Path:
    """Two problems in nbgrader's example style: autograded code and a written answer."""
    folder.mkdir(parents=True)
    p1 = nbformat.v4.new_notebook()
    p1.cells = [
        _cell("markdown", "# 문제 1 · Problem 1\n`squares(n)` 는 1부터 n까지의 제곱 목록을 돌려줘요.",
              grade_id="intro", locked=True),
        _cell("code", "def squares(n):\n    \"\"\"Squares of 1..n.\"\"\"\n    ### BEGIN SOLUTION\n"
              "    if n < 1:\n        raise ValueError(\"n must be at least 1\")\n"
              "    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION", grade_id="squares", solution=True),
        _cell("code", "assert squares(1) == [1]\nassert squares(3) == [1, 4, 9]\n### BEGIN HIDDEN TESTS\n"
              "assert squares(10)[-1] == 100\n### END HIDDEN TESTS", grade_id="correct_squares", grade=True,
              locked=True, points=2),
    ]
    p2 = nbformat.v4.new_notebook()
    p2.cells = [
        _cell("markdown", "# 문제 2 · Problem 2\n제곱이 빨리 커지는 이유를 설명하세요.", grade_id="intro2", locked=True),
        _cell("markdown", "YOUR ANSWER HERE", grade_id="answer", grade=True, solution=True, points=1),
    ]
    for nb in (p1, p2):
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(p1, folder / "problem1.ipynb")
    nbformat.write(p2, folder / "problem2.ipynb")
    (folder / "data.csv").write_text("n,square\n1,1\n2,4\n")
    return folder


@pytest.fixture()
def hall(tmp_path):
    """A labs folder with the shipped labs (linked) and a copy of the club plan."""
    labs = tmp_path / "labs"
    labs.mkdir()
    for lab in (ROOT / "labs").iterdir():
        if lab.is_dir():
            (labs / lab.name).symlink_to(lab)
    plan = tmp_path / "club.yaml"
    plan.write_text((ROOT / "curricula" / "club-4-weeks.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return labs, plan


def youthlab(*args: str, labs: Path, lang: str = "en") -> subprocess.CompletedProcess:
    env = dict(os.environ, YOUTHLAB_LANG=lang, YOUTHLAB_LABS_DIR=str(labs))
    return subprocess.run([str(Path(sys.executable).parent / "youthlab"), *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_ps1_goes_in_as_40_ps1_and_into_the_plan(tmp_path, hall):
    labs, plan = hall
    ps1 = write_ps1(tmp_path / "ps1")
    before = plan.read_text(encoding="utf-8")
    r = youthlab("lab", "add", str(ps1), "--curriculum", str(plan), "--session", "2", "--minutes", "15", labs=labs)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Added lab 40-ps1" in r.stdout and "3 points" in r.stdout and "session 2" in r.stdout
    assert sorted(p.name for p in (labs / "40-ps1").iterdir()) == ["data.csv", "problem1.ipynb", "problem2.ipynb"]
    after = plan.read_text(encoding="utf-8")
    assert after.startswith(before.split("grading:")[0].rstrip("\n").rsplit("\n", 1)[0])  # comments and order kept
    assert "- {lab: 40-ps1, session: 2, minutes: 15, graded: false}" in after
    ok = youthlab("course", "validate", str(plan), labs=labs)
    assert ok.returncode == 0, ok.stdout
    # a second teacher's ps1 gets the next number
    other = write_ps1(tmp_path / "other" / "ps1")
    r = youthlab("lab", "add", str(other), labs=labs, lang="ko")
    assert r.returncode == 0 and "41-ps1" in r.stdout and "실습 41-ps1을 넣었어요" in r.stdout, r.stdout

    # nbgrader releases it (no answers) and its tests grade honestly
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    import shutil

    shutil.copytree(labs / "40-ps1", course / "source" / "ps1")
    g = subprocess.run(["nbgrader", "generate_assignment", "ps1", "--force", f"--CourseDirectory.root={course}"],
                       cwd=course, capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}"))
    assert g.returncode == 0, g.stderr[-2000:]
    released = (course / "release" / "ps1" / "problem1.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in released and "squares(10)" not in released


def test_a_plan_it_would_overfill_is_left_untouched_and_the_lab_not_kept(tmp_path, hall):
    labs, plan = hall
    before = plan.read_text(encoding="utf-8")
    r = youthlab("lab", "add", str(write_ps1(tmp_path / "ps1")), "--curriculum", str(plan),
                 "--session", "3", "--minutes", "30", labs=labs)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "would break the curriculum" in r.stderr and "Session 3 adds up to 150 minutes" in r.stderr, r.stderr
    assert plan.read_text(encoding="utf-8") == before and not (labs / "40-ps1").exists()


def test_broken_nbgrader_markup_is_refused_with_nothing_copied(tmp_path, hall):
    labs, _ = hall
    ps1 = write_ps1(tmp_path / "ps1")
    nb = nbformat.read(ps1 / "problem1.ipynb", as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("    ### END SOLUTION", "")  # END marker lost
    nb.cells[2].metadata["nbgrader"]["grade_id"] = "answer"  # the same id as problem 2's answer
    nbformat.write(nb, ps1 / "problem1.ipynb")
    for lang, words in (("en", ["broken nbgrader markup", "problem1.ipynb", "nothing was copied"]),
                        ("ko", ["nbgrader 표시가 잘못됐어요", "아무것도 복사하지 않았어요"])):
        r = youthlab("lab", "add", str(ps1), labs=labs, lang=lang)
        out = r.stdout + r.stderr
        assert r.returncode != 0 and "Traceback" not in out and all(w in out for w in words), out
    assert not (labs / "40-ps1").exists() and not list(labs.glob(".*adding"))


def test_a_folder_without_graded_cells_or_notebooks_says_so(tmp_path, hall):
    labs, _ = hall
    empty = tmp_path / "slides"
    empty.mkdir()
    (empty / "notes.txt").write_text("hi")
    r = youthlab("lab", "add", str(empty), labs=labs)
    assert r.returncode != 0 and "no notebook (.ipynb)" in r.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), plain / "a.ipynb")
    r = youthlab("lab", "add", str(plain), labs=labs, lang="ko")
    assert r.returncode != 0 and "채점하는 칸" in r.stderr
