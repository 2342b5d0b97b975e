"""Courses from curricula: an nbgrader course folder per class, in the data folder.

``<data>/courses/<class>/`` is a standard nbgrader course (``source/``, ``release/``,
``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``) with its own
``nbgrader_config.py``; the course id is the class name, so the hub group, the
nbgrader course and the exchange folder (``<data>/exchange/<class>``) share one name.
``course.yaml`` beside it remembers the curriculum, the labs and the grading weights.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from youthlab.grading.curriculum import Curriculum
from youthlab.grading.errors import NbgraderFailed, NoCourse, UnknownClass, UnknownLab
from youthlab.hub.accounts import AccountPlan
from youthlab.hub.labs import is_private
from youthlab.paths import labs_dir

COURSE_FILE = "course.yaml"

COURSE_CONFIG = '''\
"""nbgrader settings of course {course} (written by `youthlab course create`).

Per-course settings live here; hub-wide ones (exchange, who is a student) in
hub_config/nbgrader_config.py, which the single-user servers load.
"""
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
# All students' servers may run as one system user: trust the hub user name in the
# submission, not the file owner.
c.ExchangeCollect.check_owner = False
# A runaway student cell is interrupted; grading goes on with the next cell.
c.Execute.timeout = {timeout}
c.ExecutePreprocessor.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
# A deleted test cell is put back (and flagged by `youthlab course autograde`).
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {{"python": "# 여기에 코드를 쓰세요 · write your code here\\nraise NotImplementedError()"}}
# Feedback must not show hidden tests (nbgrader#917): strip them and their tracebacks.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402
from youthlab.grading.feedback import HideTestTracebacks  # noqa: E402
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideTestTracebacks, CSSHTMLHeaderPreprocessor]
'''


def courses_dir(data: Path) -> Path:
    return data / "courses"


def exchange_dir(data: Path) -> Path:
    return data / "exchange"


@dataclass
class Course:
    root: Path
    info: dict[str, Any]

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def labs(self) -> list[str]:
        return list(self.info.get("labs", []))

    @property
    def weights(self) -> dict[str, float]:
        return dict(self.info.get("weights", {}))

    @property
    def timeout(self) -> int:
        return int(self.info.get("timeout", 30))

    @property
    def students(self) -> list[str]:
        return list(self.info.get("students", []))

    @property
    def pass_percent(self) -> float:
        return float(self.info.get("pass_percent", 60))

    def released(self) -> list[str]:
        return [lab for lab in self.labs if (self.root / "release" / lab).is_dir()]

    def api(self):
        """nbgrader's own Python API on this course (what formgrader uses)."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        coursedir = CourseDirectory(config=config)
        return NbGraderAPI(coursedir=coursedir, config=config)


def open_course(data: Path, cls: str) -> Course:
    root = courses_dir(data) / cls
    info_file = root / COURSE_FILE
    if not info_file.exists():
        raise NoCourse(cls=cls)
    return Course(root, yaml.safe_load(info_file.read_text(encoding="utf-8")))


def list_courses(data: Path) -> list[Course]:
    return [open_course(data, p.parent.name) for p in sorted(courses_dir(data).glob(f"*/{COURSE_FILE}"))]


def _copy_source(lab: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    for src in sorted(lab.rglob("*")):
        rel = src.relative_to(lab)
        if src.is_dir() or is_private(rel) or src.name == "kiosk.ipynb":
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


def _check(result: dict[str, Any], step: str, lab: str) -> None:
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()[-8:]
        raise NbgraderFailed(step=step, lab=lab, detail="\n".join(detail))


def create_course(curriculum: Curriculum, cls: str, plan: AccountPlan, data: Path,
                  labs_root: Path | None = None,
                  progress: Callable[[str], None] = lambda msg: None) -> tuple[Course, list[str]]:
    """Create (or refresh) the course of class ``cls``; returns it and the labs skipped
    because they are not in ``labs/`` yet. Student work already collected is kept."""
    if cls not in plan.classes:
        raise UnknownClass(cls=cls, known=", ".join(sorted(plan.classes)) or "-")
    labs_root = labs_root or labs_dir()
    root = courses_dir(data) / cls
    exchange = exchange_dir(data)
    root.mkdir(parents=True, exist_ok=True)
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o777)  # nbgrader's exchange root must be writable by every server
    (root / "nbgrader_config.py").write_text(COURSE_CONFIG.format(
        course=cls, root=str(root), exchange=str(exchange), timeout=curriculum.timeout), encoding="utf-8")

    present = [lab for lab in curriculum.labs if any((labs_root / lab).glob("*.ipynb"))]
    skipped = [lab for lab in curriculum.labs if lab not in present]
    teachers = sorted(t for t, classes in plan.teachers.items() if cls in classes)
    info = {
        "class": cls, "curriculum": curriculum.id, "curriculum_file": str(curriculum.path),
        "title": curriculum.data["title"], "labs": present, "missing_labs": skipped,
        "graded_labs": [lab for lab in curriculum.graded_labs if lab in present],
        "weights": {lab: w for lab, w in curriculum.weights().items()},
        "timeout": curriculum.timeout, "pass_percent": curriculum.pass_percent,
        "students": list(plan.classes[cls]), "teachers": teachers, "exchange": str(exchange),
    }
    (root / COURSE_FILE).write_text(yaml.safe_dump(info, allow_unicode=True, sort_keys=False), encoding="utf-8")
    course = Course(root, info)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", cls) as gb:
        for student in plan.classes[cls]:
            gb.update_or_create_student(student)
    from youthlab.grading.dashboard import write_dashboard_notebook

    write_dashboard_notebook(course)
    api = course.api()
    for lab in present:
        progress(lab)
        _copy_source(labs_root / lab, root / "source" / lab)
        _check(api.generate_assignment(lab, force=True, create=True), "generate_assignment", lab)
    return course, skipped


def release(course: Course, lab: str) -> None:
    """Put the student version of ``lab`` in the exchange for the class to fetch."""
    if lab not in course.labs:
        raise UnknownLab(lab=lab, labs=", ".join(course.labs))
    api = course.api()
    outbound = Path(course.info["exchange"]) / course.name / "outbound" / lab
    if outbound.exists():  # re-releasing: replace the old version
        api.unrelease(lab)
    _check(api.release_assignment(lab), "release_assignment", lab)


def collect(course: Course, lab: str) -> list[str]:
    """Copy submissions from the exchange into ``submitted/``; returns who has submitted."""
    if lab not in course.labs:
        raise UnknownLab(lab=lab, labs=", ".join(course.labs))
    _check(course.api().collect(lab, update=True), "collect", lab)
    return sorted(p.parent.name for p in (course.root / "submitted").glob(f"*/{lab}") if p.is_dir())


def release_feedback(course: Course, lab: str) -> int:
    """Generate feedback for every autograded student and put it in the exchange."""
    if lab not in course.labs:
        raise UnknownLab(lab=lab, labs=", ".join(course.labs))
    api = course.api()
    _check(api.generate_feedback(lab, force=True), "generate_feedback", lab)
    _check(api.release_feedback(lab), "release_feedback", lab)
    return len(list((course.root / "feedback").glob(f"*/{lab}")))
