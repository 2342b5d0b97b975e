"""The board lab runs top to bottom in a real kernel, on a virtual board."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

LAB = Path(__file__).resolve().parents[2] / "labs" / "01-first-board"


@pytest.mark.timeout(180)
def test_first_board_lab_runs(tmp_path):
    from nbclient import NotebookClient

    work = tmp_path / "lab"
    shutil.copytree(LAB, work)
    nb = nbformat.read(work / "first-board.ipynb", as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    outputs = {c.metadata["nbgrader"]["grade_id"]: "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in c.get("outputs", []))
        for c in nb.cells if c.cell_type == "code"}
    assert "Hello from micropython" in outputs["hello"]
    assert "Well done" in outputs["check_blink5"]
    assert "board is fine" in outputs["after_stop"]
    assert "sent" in outputs["deploy"] or "올림" in outputs["deploy"]
    csv = (work / "readings.csv").read_text().splitlines()
    assert csv[0].startswith("_t,") and len(csv) == 41
