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
