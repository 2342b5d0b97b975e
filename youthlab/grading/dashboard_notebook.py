"""``dashboard.ipynb``: the notebook ``youthlab course create`` puts in a course folder.

It only opens the class page (:mod:`youthlab.grading.dashboard`), so writing it needs no
part of that page: the course does not import its own UI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from youthlab.i18n import both


def write_dashboard_notebook(course: Any) -> Path:
    """``dashboard.ipynb`` in the course folder (teachers only)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(  # for every teacher of the class, whichever their language
            f"# 📋 {course.info['title']['ko']} · {course.info['title']['en']} — {course.name}\n\n"
            + "\n\n".join(both("course.dashboard_notebook.intro").values())),
        nbformat.v4.new_code_cell(f"from youthlab.grading.dashboard import Dashboard\n\nDashboard({course.name!r}).show()"),
    ]
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    path = course.root / "dashboard.ipynb"
    nbformat.write(nb, path)
    return path
