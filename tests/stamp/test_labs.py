"""The stamp labs: nbgrader markup is well formed, and every notebook runs top to bottom
(source notebooks with their solutions, so the grading tests pass on a right answer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LABS = [ROOT / "labs" / "20-name-stamp", ROOT / "labs" / "21-postage-stamp"]
SOURCES = [LABS[0] / "name-stamp.ipynb", LABS[1] / "postage-stamp.ipynb"]
KIOSKS = [lab / "kiosk.ipynb" for lab in LABS]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_nbgrader_markup(path):
    nb = nbformat.read(path, as_version=4)
    ids, points = set(), 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type == "markdown":
            assert any("\uac00" <= ch <= "\ud7a3" for ch in cell.source), "Korean text first"
        if not meta:
            continue
        assert meta["schema_version"] == 3 and meta["grade_id"] not in ids
        ids.add(meta["grade_id"])
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        if meta.get("grade"):
            assert meta["locked"] and meta["points"] > 0 and "assert" in cell.source
            points += meta["points"]
    assert points >= 5


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES + KIOSKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs(path, tmp_path):
    from nbclient import NotebookClient

    work = tmp_path / path.parent.name
    shutil.copytree(path.parent, work)
    nb = nbformat.read(work / path.name, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    if path in SOURCES:
        assert "✓" in text  # the grading cells ran and passed
    else:
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
