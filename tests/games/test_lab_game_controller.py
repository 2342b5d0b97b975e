"""Lab 03 "Make your own game controller" run in a real kernel on a virtual board."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from tests.notebook_text import cell_text

LAB = Path(__file__).resolve().parents[2] / "labs" / "03-game-controller"


def _run(tmp_path: Path, answer: str | None, upto: str) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    work = tmp_path / "lab"
    shutil.copytree(LAB, work)
    nb = nbformat.read(work / "game-controller.ipynb", as_version=4)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    nb.cells = nb.cells[:ids.index(upto) + 1]
    for cell in nb.cells:
        if answer is not None and cell.metadata["nbgrader"]["grade_id"] == "task_scaled":
            cell.source = "%%board\n" + answer
    env_dir = tempfile.mkdtemp(prefix="ylab-games-lab-")
    old = os.environ.get("YOUTHLAB_DATA_DIR")
    os.environ["YOUTHLAB_DATA_DIR"] = env_dir  # the kernel's virtual boards stay private
    try:
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        if old is None:
            os.environ.pop("YOUTHLAB_DATA_DIR", None)
        else:
            os.environ["YOUTHLAB_DATA_DIR"] = old
        shutil.rmtree(env_dir, ignore_errors=True)
    return nb


@pytest.mark.timeout(240)
def test_lab03_solution_passes_and_the_virtual_button_is_read(tmp_path):
    nb = _run(tmp_path, None, "check_scaled")
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells}
    assert "A: 0" in cell_text(by_id["read"]), cell_text(by_id["read"])
    assert "A: 1" in cell_text(by_id["read_again"]) and "x: 65535" in cell_text(by_id["read_again"])
    out = cell_text(by_id["check_scaled"])
    assert "Error" not in out and "The stick as -1…1" in out, out


@pytest.mark.timeout(240)
def test_lab03_no_dead_zone_fails_with_a_hint(tmp_path):
    nb = _run(tmp_path, "def scaled(raw):\n    return (raw - 32768) / 32768", "check_scaled")
    out = cell_text(nb.cells[-1])
    assert "AssertionError" in out and "30000" in out, out
