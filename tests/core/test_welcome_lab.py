"""The welcome lab runs top to bottom in a real kernel."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from youthlab.paths import labs_dir


def test_welcome_lab_runs_and_draws_its_plot(tmp_path):
    nb = nbformat.read(labs_dir() / "00-welcome" / "welcome.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs)
    assert "안녕하세요, 우체국!" in text and "busiest day: 금 Fri" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert not any(o.output_type == "error" for o in outputs)
