"""Grades export: one CSV row per student, a score per lab, the weighted total, flags.

Scores come from the course gradebook (autograde plus any manual grading done in
formgrader); weights from the curriculum; flags from the last autograde report of each
lab (tampered test cells, timed-out cells, unreadable notebooks), so a teacher sees in
the spreadsheet which grades need a look. Points that still need manual grading (in
formgrader) are *pending*: their own column, not counted as 0 in a verdict — ``passed``
says ``pending`` while grading them could still change it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from youthlab.grading.autograde import load_report
from youthlab.grading.course import Course


@dataclass
class StudentGrades:
    student: str
    scores: dict[str, tuple[float, float] | None] = field(default_factory=dict)  # lab -> (score, max)
    pending: dict[str, float] = field(default_factory=dict)  # lab -> points still to be graded by hand
    flags: list[str] = field(default_factory=list)

    def percent(self, weights: dict[str, float], pending_as_full: bool = False) -> float:
        """Weighted percent; points awaiting manual grading count 0 (or full marks with
        ``pending_as_full``: the best the student can still get)."""
        total = sum(weights.values()) or 1.0
        got = 0.0
        for lab, weight in weights.items():
            pair = self.scores.get(lab)
            if pair and pair[1]:
                extra = self.pending.get(lab, 0.0) if pending_as_full else 0.0
                got += weight * (pair[0] + extra) / pair[1]
        return round(100 * got / total, 1)

    def passed(self, weights: dict[str, float], pass_percent: float) -> str:
        """``yes`` / ``no``, or ``pending`` while manual grading can still change the answer."""
        if self.percent(weights) >= pass_percent:
            return "yes"
        if self.pending and self.percent(weights, pending_as_full=True) >= pass_percent:
            return "pending"
        return "no"


def grades(course: Course) -> list[StudentGrades]:
    """Every student of the class (and anyone else who submitted), with their scores."""
    from nbgrader.api import Gradebook, MissingEntry

    labs = course.info.get("graded_labs", course.labs)
    rows: dict[str, StudentGrades] = {s: StudentGrades(s) for s in course.students}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course.name) as gb:
        for student in gb.students:
            rows.setdefault(student.id, StudentGrades(student.id))
        for lab in labs:
            try:
                gb.find_assignment(lab)
            except MissingEntry:
                continue
            for student, row in rows.items():
                try:
                    sub = gb.find_submission(lab, student)
                except MissingEntry:
                    row.scores[lab] = None
                    continue
                row.scores[lab] = (float(sub.score), float(sub.max_score))
                waiting = sum(float(g.max_score) for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade)
                if waiting:
                    row.pending[lab] = waiting
                    row.flags.append(f"{lab}: {waiting:g} pts pending manual grading")
    for lab in labs:
        report = load_report(course, lab)
        if report is None:
            continue
        for student, cells in report.tampered.items():
            if student in rows:
                rows[student].flags.append(f"{lab}: tampered " + ", ".join(f"{c['cell']} ({c['kind']})" for c in cells))
        for student, cells in report.timeouts.items():
            if student in rows:
                rows[student].flags.append(f"{lab}: timeout " + ", ".join(cells))
        for student, why in report.broken.items():
            if student in rows:
                rows[student].flags.append(f"{lab}: unreadable ({why})")
        for student in report.failed:
            if student in rows:
                rows[student].flags.append(f"{lab}: autograde failed")
    return [rows[s] for s in sorted(rows)]


def to_csv(course: Course) -> str:
    labs = course.info.get("graded_labs", course.labs)
    weights = {lab: course.weights.get(lab, 1.0) for lab in labs}
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["student"]
    for lab in labs:
        header += [f"{lab} score", f"{lab} max", f"{lab} pending"]
    header += ["weighted percent", "passed", "flags"]
    writer.writerow(header)
    for row in grades(course):
        line = [row.student]
        for lab in labs:
            pair = row.scores.get(lab)
            waiting = row.pending.get(lab)
            line += [f"{pair[0]:g}", f"{pair[1]:g}", f"{waiting:g}" if waiting else ""] if pair else ["", "", ""]
        percent = row.percent(weights)
        line += [f"{percent:g}", row.passed(weights, course.pass_percent), "; ".join(row.flags)]
        writer.writerow(line)
    return out.getvalue()


def export_csv(course: Course, path: Path) -> Path:
    """Write the grades CSV (UTF-8 with BOM, so Excel shows Korean names correctly)."""
    path.write_text(to_csv(course), encoding="utf-8-sig")
    return path
