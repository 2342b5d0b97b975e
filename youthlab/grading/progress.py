"""Progress of a class, for the teacher: who is on which lab, passing what, stuck or not.

Read from what is on disk, nothing extra runs in students' kernels: each student's
saved notebooks (``<data>/homes/<student>/<class>/<lab>`` as fetched, or the lab copied
into the home), the exchange (submitted?) and the gradebook (score). JupyterLab saves
every two minutes, so this lags a little behind the screen. Hub activity (last seen,
server ready) is merged in when a hub token is given, and the board each student's
kernel holds from the boards' lock files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from youthlab.boards.locks import boards_in_use
from youthlab.grading.course import Course
from youthlab.i18n import t

STUCK_ERRORS = 3  # this many error outputs on a lab with tests still failing
STUCK_MINUTES = 10  # or no saved change for this long on an unfinished lab


@dataclass
class StudentProgress:
    student: str
    lab: str | None = None
    tests_passing: int = 0
    tests_total: int = 0
    errors: int = 0
    last_work: float | None = None  # epoch seconds of the last saved change
    submitted: list[str] | None = None
    score: str | None = None
    server: str | None = None  # ready / starting / off (from the hub)
    last_activity: str | None = None  # from the hub
    board: str | None = None  # the board(s) the student's kernel holds right now

    @property
    def status(self) -> str:
        if self.lab is None:
            return "idle"
        if self.tests_total and self.tests_passing == self.tests_total:
            return "done"
        if self.errors >= STUCK_ERRORS:
            return "stuck"
        if self.last_work and time.time() - self.last_work > STUCK_MINUTES * 60:
            return "stuck"
        return "ok"


def _is_test(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def notebook_progress(path: Path) -> tuple[int, int, int]:
    """(tests passing, tests in the notebook, error outputs) of a saved notebook."""
    nb = nbformat.read(path, as_version=4)
    passing = total = errors = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        errors += failed
        if _is_test(cell):
            total += 1
            passing += cell.get("execution_count") is not None and not failed
    return passing, total, errors


def _lab_notebooks(home: Path, course: Course, lab: str) -> list[Path]:
    for folder in (home / course.name / lab, home / lab):
        found = sorted(folder.glob("*.ipynb"))
        if found:
            return found
    return []


def student_progress(course: Course, data: Path, student: str) -> StudentProgress:
    row = StudentProgress(student)
    home = data / "homes" / student
    latest = None
    for lab in course.labs:
        for nb in _lab_notebooks(home, course, lab):
            mtime = nb.stat().st_mtime
            if latest is None or mtime > latest[0]:
                latest = (mtime, lab, nb)
    if latest:
        row.last_work, row.lab = latest[0], latest[1]
        passing, total, errors = 0, 0, 0
        for nb in _lab_notebooks(home, course, row.lab):
            try:
                p, tt, e = notebook_progress(nb)
            except Exception:  # noqa: BLE001 — a half-saved notebook must not break the page
                continue
            passing, total, errors = passing + p, total + tt, errors + e
        row.tests_passing, row.tests_total, row.errors = passing, total, errors
    inbound = Path(course.info.get("exchange", data / "exchange")) / course.name / "inbound"
    row.submitted = sorted({p.name.split("+")[1] for p in inbound.glob(f"{student}+*")}) if inbound.is_dir() else []
    return row


def _score_text(lab: str, pair: tuple[float, float], pending: float | None) -> str:
    """``lab 5/9`` — or ``lab 5/9 (+2 pending)`` while manual grading is still to do."""
    text = f"{lab} {pair[0]:g}/{pair[1]:g}"
    return f"{text} (+{t('grades.pending_points', points=f'{pending:g}')})" if pending else text


def class_progress(course: Course, data: Path, hub_users: list[dict[str, Any]] | None = None) -> list[StudentProgress]:
    """Progress of every student of the class; ``hub_users`` are user models from the hub API."""
    rows = [student_progress(course, data, s) for s in course.students]
    from youthlab.grading.export import grades

    scores = {g.student: g for g in grades(course)}
    by_name = {u["name"]: u for u in hub_users or []}

    boards = boards_in_use(data / "boards" / "locks")
    for row in rows:
        row.board = ", ".join(boards.get(row.student, [])) or None
        g = scores.get(row.student)
        if g:
            row.score = ", ".join(_score_text(lab, p, g.pending.get(lab)) for lab, p in g.scores.items() if p) or None
        user = by_name.get(row.student)
        if user:
            server = (user.get("servers") or {}).get("")
            row.server = "ready" if server and server.get("ready") else ("starting" if server else "off")
            row.last_activity = user.get("last_activity")
    return rows


def render_text(rows: list[StudentProgress]) -> str:
    lines = [t("progress.header") + " | " + t("progress.columns.more").split("|")[0].strip()]
    for r in rows:
        ago = f"{(time.time() - r.last_work) / 60:.0f} min" if r.last_work else "—"
        lines.append(f"{r.student} | {r.lab or '—'} | {r.tests_passing}/{r.tests_total} | {r.errors} | {ago} | "
                     f"{t('progress.' + r.status)} | {r.score or '—'}")
    return "\n".join(lines)
