"""Tamper check: did a student edit or delete a test cell of the notebook they received?

nbgrader's own "checksum changed" warning fires for every submission (the checksum in
the student's copy is taken before hidden tests are removed), so it cannot tell a
tampered notebook from an honest one. We compare each submitted notebook with the
*released* version the student fetched: every test cell and every read-only cell must
still be there, with the same source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Tamper:
    notebook: str
    cell: str  # nbgrader grade_id
    kind: str  # "changed" | "deleted"


def _protected(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade_id")) and (
        (meta.get("grade") and not meta.get("solution")) or meta.get("locked"))


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def compare(released: nbformat.NotebookNode, submitted: nbformat.NotebookNode, name: str) -> list[Tamper]:
    """Test/read-only cells of ``released`` that are changed or missing in ``submitted``."""
    by_id = {}
    for cell in submitted.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            by_id[gid] = cell
    found = []
    for cell in released.cells:
        if not _protected(cell):
            continue
        gid = cell["metadata"]["nbgrader"]["grade_id"]
        mine = by_id.get(gid)
        if mine is None or not _protected(mine):
            found.append(Tamper(name, gid, "deleted"))
        elif _norm(mine.source) != _norm(cell.source) or mine.cell_type != cell.cell_type:
            found.append(Tamper(name, gid, "changed"))
    return found


def check_submission(release_dir: Path, submission_dir: Path) -> list[Tamper]:
    """Compare every released notebook with the student's submitted one (readable ones only)."""
    found = []
    for rel_nb in sorted(release_dir.glob("*.ipynb")):
        sub_nb = submission_dir / rel_nb.name
        if not sub_nb.exists():
            found.append(Tamper(rel_nb.name, "*", "deleted"))
            continue
        found += compare(nbformat.read(rel_nb, as_version=4), nbformat.read(sub_nb, as_version=4), rel_nb.name)
    return found
