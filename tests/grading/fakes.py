"""Make student submissions in a course folder, as `nbgrader collect` leaves them."""

from __future__ import annotations

from pathlib import Path

import nbformat

LAB = "05-python-basics"
NB = "python-basics.ipynb"

GOOD = {
    "stamp_price": "def stamp_price(grams):\n    if grams <= 25:\n        return 520\n"
                   "    return 520 + 120 * ((grams - 25 + 24) // 25)",
    "sort_letters": "def sort_letters(letters):\n    return sorted(letters, key=lambda l: l[0])",
    "route": 'route = ["E", "E", "S", "S", "E"]',
}


def answered(release_nb: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(release_nb, as_version=4)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def submit(course_root: Path, student: str, answers: dict[str, str] | None = None,
           edit=None, raw: str | None = None, lab: str = LAB) -> Path:
    """Write ``submitted/<student>/<lab>/`` with a timestamp; ``edit(nb)`` may tamper."""
    dest = course_root / "submitted" / student / lab
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "timestamp.txt").write_text("2026-11-23 10:00:00.000000 UTC")
    (dest / "submission_secret.txt").write_text(f"secret-{student}")
    if raw is not None:
        (dest / NB).write_text(raw)
        return dest / NB
    nb = answered(course_root / "release" / lab / NB, GOOD if answers is None else answers)
    if edit:
        edit(nb)
    nbformat.write(nb, dest / NB)
    return dest / NB


def solution_answers(course_root: Path, lab: str) -> dict[str, dict[str, str]]:
    """Per notebook: grade_id -> the teacher's solution source (what a perfect student writes)."""
    out = {}
    for nb_path in sorted((course_root / "source" / lab).glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        out[nb_path.name] = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
                             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    return out


def submit_solutions(course_root: Path, student: str, lab: str) -> Path:
    """Submit the released notebooks of ``lab`` with the solutions filled in."""
    dest = course_root / "submitted" / student / lab
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "timestamp.txt").write_text("2026-11-23 10:00:00.000000 UTC")
    (dest / "submission_secret.txt").write_text(f"secret-{student}")
    for name, answers in solution_answers(course_root, lab).items():
        nb = answered(course_root / "release" / lab / name, answers)
        nbformat.write(nb, dest / name)
    return dest
