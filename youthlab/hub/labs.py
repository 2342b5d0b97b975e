"""Copy the labs into a student's home: the student version, never the answers.

Lab notebooks are nbgrader *source* notebooks: solution regions and hidden tests are
removed on the way (nbgrader's own ClearSolutions / ClearHiddenTests preprocessors).
A lab the student already has is never overwritten, so their work is safe; labs added
to ``labs/`` later appear at the student's next server start.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from youthlab.i18n import both

# Never handed to students: instructor material and build leftovers.
PRIVATE_NAMES = {"solutions", "instructor", "__pycache__", ".ipynb_checkpoints"}


def is_private(path: Path) -> bool:
    return any(part in PRIVATE_NAMES or part.startswith((".", "_")) for part in path.parts)


def _has_nbgrader_cells(nb: nbformat.NotebookNode) -> bool:
    return any("nbgrader" in cell.get("metadata", {}) for cell in nb.cells)


def solution_stub() -> dict[str, str]:
    """What replaces a solution in a student's copy (nbgrader's ``code_stub``), in both
    languages at once: it is written into the notebook, which any student may open."""
    comment = " · ".join(both("lab.stub.write_code").values())
    return {"python": f"# {comment}\nraise NotImplementedError()"}


def student_version(source: Path) -> nbformat.NotebookNode:
    """The notebook as a student should get it: solutions and hidden tests stripped."""
    nb = nbformat.read(source, as_version=4)
    if _has_nbgrader_cells(nb):
        from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

        resources: dict = {}
        nb, resources = ClearSolutions(enforce_metadata=False, code_stub=solution_stub()).preprocess(nb, resources)
        nb, resources = ClearHiddenTests(enforce_metadata=False).preprocess(nb, resources)
        for cell in nb.cells:  # grading metadata stays, but no instructor leftovers
            cell.get("metadata", {}).pop("solution", None)
    return nb


def copy_labs(labs_root: Path, home: Path) -> list[str]:
    """Copy every lab folder not yet in ``home``; returns the names of the labs copied."""
    copied = []
    if not labs_root.is_dir():
        return copied
    for lab in sorted(p for p in labs_root.iterdir() if p.is_dir() and not is_private(p.relative_to(labs_root))):
        target = home / lab.name
        if target.exists():
            continue
        staging = home / f".{lab.name}.copying"
        shutil.rmtree(staging, ignore_errors=True)
        for src in sorted(lab.rglob("*")):
            rel = src.relative_to(lab)
            if src.is_dir() or is_private(rel):
                continue
            dst = staging / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.suffix == ".ipynb":
                nbformat.write(student_version(src), dst)
            else:
                shutil.copy2(src, dst)
        staging.mkdir(parents=True, exist_ok=True)
        staging.rename(target)  # a lab appears whole or not at all
        copied.append(lab.name)
    return copied
