"""Grades export: one CSV row per student, a score per lab, the weighted total, flags.

Scores come from the course gradebook (autograde plus any manual grading done in
formgrader); weights from the curriculum; flags from the last autograde report of each
lab (tampered test cells, timed-out cells, unreadable notebooks), so a teacher sees in
the spreadsheet which grades need a look. Points that still need manual grading (in
formgrader) are *pending*: their own column, not counted as 0 in a verdict — ``passed``
says ``pending`` while grading them could still change it. Column names, verdicts and
flags are in the teacher's language (ko/en); the numbers are plain, so a spreadsheet can
sum them either way.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from youthlab.grading.autograde import load_report
from youthlab.grading.course import Course
from youthlab.i18n import t


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


def grades(course: Course, lang: str | None = None) -> list[StudentGrades]:
    """Every student of the class (and anyone else who submitted), with their scores
    and flags (in ``lang``, default: the current user's language)."""
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
                    points = t("grades.pending_points", lang, points=f"{waiting:g}")
                    row.flags.append(f"{lab}: {points}")
    for lab in labs:
        report = load_report(course, lab)
        if report is None:
            continue
        for student, cells in report.tampered.items():
            if student in rows:
                named = ", ".join(f"{c['cell']} ({c['kind']})" for c in cells)
                rows[student].flags.append(t("grades.flag.tampered", lang, lab=lab, cells=named))
        for student, cells in report.timeouts.items():
            if student in rows:
                rows[student].flags.append(t("grades.flag.timeout", lang, lab=lab, cells=", ".join(cells)))
        for student, why in report.broken.items():
            if student in rows:
                rows[student].flags.append(t("grades.flag.unreadable", lang, lab=lab, why=why))
        for student in report.failed:
            if student in rows:
                rows[student].flags.append(t("grades.flag.failed", lang, lab=lab))
    return [rows[s] for s in sorted(rows)]


VERDICT_KEYS = {"yes": "grades.passed.yes", "no": "grades.passed.no", "pending": "grades.passed.pending"}


def to_csv(course: Course, lang: str | None = None) -> str:
    """The grades spreadsheet, its words in ``lang`` (default: the current user's language)."""
    labs = course.info.get("graded_labs", course.labs)
    weights = {lab: course.weights.get(lab, 1.0) for lab in labs}
    out = io.StringIO()
    writer = csv.writer(out)
    header = [t("grades.column.student", lang)]
    for lab in labs:
        header += [t("grades.column.score", lang, lab=lab), t("grades.column.max", lang, lab=lab),
                   t("grades.column.pending", lang, lab=lab)]
    header += [t("grades.column.percent", lang), t("grades.column.passed", lang), t("grades.column.flags", lang)]
    writer.writerow(header)
    for row in grades(course, lang):
        line = [row.student]
        for lab in labs:
            pair = row.scores.get(lab)
            waiting = row.pending.get(lab)
            line += [f"{pair[0]:g}", f"{pair[1]:g}", f"{waiting:g}" if waiting else ""] if pair else ["", "", ""]
        percent = row.percent(weights)
        verdict = t(VERDICT_KEYS[row.passed(weights, course.pass_percent)], lang)
        line += [f"{percent:g}", verdict, "; ".join(row.flags)]
        writer.writerow(line)
    return out.getvalue()


def export_csv(course: Course, path: Path, lang: str | None = None) -> Path:
    """Write the grades CSV (UTF-8 with BOM, so Excel shows Korean names correctly)."""
    path.write_text(to_csv(course, lang), encoding="utf-8-sig")
    return path
