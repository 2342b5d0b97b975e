"""The robot labs run top to bottom (nbclient) and their nbgrader markup is sound."""

from pathlib import Path

import matplotlib
import nbformat
import pytest
from nbclient import NotebookClient

from youthlab.paths import labs_dir

matplotlib.use("Agg")

LABS = [labs_dir() / "30-line-follower" / "line-follower.ipynb",
        labs_dir() / "31-robot-postman" / "robot-postman.ipynb"]
KIOSKS = [p.with_name("kiosk.ipynb") for p in LABS if p.with_name("kiosk.ipynb").exists()]


@pytest.mark.parametrize("path", LABS + KIOSKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_top_to_bottom(path: Path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    # run in a scratch folder: %%writefile cells create the students' program files
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors[0] if errors else None


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.parent.name)
def test_nbgrader_markup(path: Path):
    nb = nbformat.read(path, as_version=4)
    meta = [c.metadata.get("nbgrader") for c in nb.cells if "nbgrader" in c.metadata]
    assert len(meta) == len(nb.cells)
    ids = [m["grade_id"] for m in meta]
    assert len(ids) == len(set(ids)) and all(m["schema_version"] == 3 for m in meta)
    solutions = [c for c in nb.cells if c.metadata["nbgrader"]["solution"]]
    grades = [c for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    assert solutions and grades
    assert all("### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source for c in solutions)
    assert all(c.metadata["nbgrader"]["points"] > 0 and c.metadata["nbgrader"]["locked"] for c in grades)
    assert not any(c.metadata["nbgrader"]["locked"] for c in solutions)
    first = nb.cells[0].source
    assert any("\uac00" <= ch <= "\ud7a3" for ch in first.split("\n")[0])  # Korean first


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.parent.name)
def test_student_version_fails_the_checker_until_solved(path: Path, tmp_path):
    """What nbgrader hands out (solutions stripped) must not pass the robot test."""
    from youthlab.robot.checker import check
    from youthlab.robot.runner import run_fast

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        src = cell.source
        if cell.metadata["nbgrader"]["solution"] and src.startswith("%%writefile"):
            head, rest = src.split("### BEGIN SOLUTION", 1)
            indent = head[head.rfind("\n") + 1:]  # nbgrader keeps the marker's indentation
            stripped = (head + "# YOUR CODE HERE\n" + indent + "raise NotImplementedError()"
                        + rest.split("### END SOLUTION", 1)[1])
            program = stripped.split("\n", 1)[1]
            world = "town" if "postman" in path.name else "maze" if "maze.py" in src[:40] else "line"
            result = run_fast(program, world)
            assert result.ended == "error" and "NotImplementedError" in result.error
            assert not check(result).passed


# -- #18: verdicts a student sees -----------------------------------------------------------
def _program(path: Path, grade_id: str, route: str | None = None) -> str:
    """The %%writefile program of a lab cell, with the solution region replaced by ``route``."""
    import re

    cell = next(c for c in nbformat.read(path, as_version=4).cells
                if c.metadata["nbgrader"]["grade_id"] == grade_id)
    src = cell.source.split("\n", 1)[1]
    if route is not None:
        src = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n", route + "\n", src, flags=re.S)
    return src


def test_lab30_maze_is_an_extra_and_not_part_of_the_maximum():
    nb = nbformat.read(LABS[0], as_version=4)
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata["nbgrader"]["grade"]}
    assert graded == {"line-follower-test": 10}  # a perfect line follower scores 10 of 10
    maze = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "md-maze").source
    assert "⭐" in maze and "점수" in maze and "not part of the 10 points" in maze
    assert "stays 0" not in (LABS[0].parent / "README.md").read_text()


def test_lab31_program_tells_how_many_letters_it_dropped_not_that_all_arrived():
    from youthlab.robot.checker import check
    from youthlab.robot.runner import run_fast

    one_letter = 'ROUTE = ["S", "S", "S", "D"]'
    result = run_fast(_program(LABS[1], "postman", one_letter), "town")
    assert "all letters delivered" not in result.output
    assert "1 letter(s) dropped" in result.output and "편지 1 통" in result.output
    report = check(result)
    assert not report.passed
    assert "ROUTE needs one D for every letter" in report.text("en") and "D 가 하나씩" in report.text("ko")


def test_lab31_wrong_house_message_has_the_right_particle_and_a_hint():
    from youthlab.robot.checker import check
    from youthlab.robot.runner import run_fast

    skips_first = 'ROUTE = ["S", "L", "R", "D"]'  # straight to the second house
    report = check(run_fast(_program(LABS[1], "postman", skips_first), "town"))
    ko = report.text("ko")
    assert not report.passed and "힌트" in ko and "Hint" in report.text("en")
    assert "2이에요" not in ko and "'" not in ko.split("지금 배달할 곳은", 1)[-1][:3]


def test_lab31_bfs_comparison_without_a_route_explains_instead_of_raising(tmp_path, monkeypatch):
    nb = nbformat.read(LABS[1], as_version=4)
    plan = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "plan").source
    (tmp_path / "postman.py").write_text("# 여기에 코드를 쓰세요 · write your code here\nraise NotImplementedError()\n")
    monkeypatch.chdir(tmp_path)
    from youthlab.robot.worlds import load_world
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(plan, "plan", "exec"), {"town": load_world("town")})
    assert "No ROUTE yet" in out.getvalue() and "ROUTE = [...]" in out.getvalue()


def test_lab31_heading_check_says_what_was_expected():
    nb = nbformat.read(LABS[1], as_version=4)
    test = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "heading-test").source
    ns = {"new_heading": lambda heading, move: heading}  # forgets to turn
    with pytest.raises(AssertionError) as err:
        exec(compile(test, "heading-test", "exec"), ns)
    assert "new_heading('E', 'L')" in str(err.value) and "'N'" in str(err.value) and "Hint" in str(err.value)
