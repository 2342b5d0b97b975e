"""Courses from curricula: an nbgrader course folder per class, in the data folder.

``<data>/courses/<class>/`` is a standard nbgrader course (``source/``, ``release/``,
``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``) with its own
``nbgrader_config.py``; the course id is the class name, so the hub group, the
nbgrader course and the exchange folder (``<data>/exchange/<class>``) share one name.
``course.yaml`` beside it remembers the curriculum, the labs and the grading weights,
and whether the course was made for isolated mode (one system user per account): then
the course folder belongs to the class's teachers' group and the exchange is shared by
folder modes and class groups (:mod:`youthlab.grading.exchange`), so the same course
works from root's command line and from a teacher's own server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from youthlab.grading.curriculum import Curriculum
from youthlab.grading.access import (NeedsRoot, path_with_venv, require_member,
                                     require_nbgrader_tools, require_teacher)
from youthlab.grading.dashboard_notebook import write_dashboard_notebook
from youthlab.grading.errors import NbgraderFailed, NoCourse, UnknownClass, UnknownLab
from youthlab.hub.accounts import AccountPlan
from youthlab.hub.groups import sync_class_groups
from youthlab.hub.identity import isolated_mode, system_user_prefix
from youthlab.i18n import t
from youthlab.hub.labs import is_private, solution_stub
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
# Our exchange plugins: never a world-writable exchange; in isolated mode collect takes
# a submission only from the system user of the student it names (nbgrader's own
# check_owner compares names and only warns).
c.ExchangeCollect.check_owner = False
for _name, _plugin in {plugins!r}.items():
    setattr(c.ExchangeFactory, _name, _plugin)
{isolation}# A runaway student cell is interrupted; grading goes on with the next cell.
c.Execute.timeout = {timeout}
c.ExecutePreprocessor.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
# A deleted test cell is put back (and flagged by `youthlab course autograde`).
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {code_stub!r}
# Feedback must not show hidden tests (nbgrader#917): strip them and their tracebacks.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402
from youthlab.grading.feedback import HideTestTracebacks  # noqa: E402
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideTestTracebacks, CSSHTMLHeaderPreprocessor]
'''

ISOLATED_CONFIG = '''# Isolated mode: the course folder is shared by the class's teachers' group (setgid),
# so what one teacher (or root's CLI) makes, the others can change: nbgrader's
# group-shared modes, and no umask that drops the group's write bit.
c.CourseDirectory.groupshared = True
import os as _os  # noqa: E402
_os.umask(0o007)
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

    @property
    def isolated(self) -> bool:
        """Made for isolated mode (class groups and folder modes)."""
        return bool(self.info.get("isolated", False))

    @property
    def system_user_prefix(self) -> str | None:
        return self.info.get("system_user_prefix")

    @property
    def exchange(self) -> Path:
        return Path(self.info["exchange"])

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
    try:
        if not info_file.exists():
            raise NoCourse(cls=cls)
        text = info_file.read_text(encoding="utf-8")
    except PermissionError:
        require_teacher(root, cls, t("grading.action.open"), write=False)
        raise
    return Course(root, yaml.safe_load(text))


@contextlib.contextmanager
def _nbgrader_process(isolated: bool) -> Iterator[None]:
    """nbgrader runs ``alembic`` by name: the interpreter's bin folder goes on PATH (a
    root shell's PATH rarely has the venv); in isolated mode new files stay group-writable."""
    saved_path = os.environ.get("PATH")
    os.environ["PATH"] = path_with_venv()
    old_umask = os.umask(0o007) if isolated else None
    try:
        yield
    finally:
        if old_umask is not None:
            os.umask(old_umask)
        if saved_path is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = saved_path


@contextlib.contextmanager
def operating(course: Course, action: str) -> Iterator[None]:
    """Around every command on a course: say who may not (before anything changes), run
    nbgrader with its tools on PATH, and as root put the shared modes back afterwards."""
    require_teacher(course.root, course.name, action)
    require_nbgrader_tools()
    try:
        with _nbgrader_process(course.isolated):
            yield
    finally:
        if course.isolated and os.geteuid() == 0:
            from youthlab.grading.exchange import prepare_exchange, share_course_folder

            share_course_folder(course.root, course.name, course.system_user_prefix)
            prepare_exchange(course.exchange, course.name, True, course.system_user_prefix)


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


@contextlib.contextmanager
def _alembic_head_in_process() -> Iterator[None]:
    """nbgrader stamps a new gradebook with the head of its migrations by running
    ``alembic heads`` as a process, which imports all of nbgrader again for its migration
    scripts (4-5 CPU-s, most of a first ``course create``). The same head is read here,
    in this process, from the same scripts."""
    import nbgrader.api
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    asked = nbgrader.api.get_alembic_version
    nbgrader.api.get_alembic_version = lambda: ScriptDirectory(ALEMBIC_DIR).get_current_head()
    try:
        yield
    finally:
        nbgrader.api.get_alembic_version = asked


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
    # Everything that can fail is checked before anything is made.
    require_nbgrader_tools()
    try:
        isolated = open_course(data, cls).isolated  # a course keeps the mode it was made in
    except NoCourse:
        isolated = isolated_mode()
    if isolated and os.geteuid() != 0:
        raise NeedsRoot(cls=cls, action=t("grading.action.create"))
    prefix = system_user_prefix() if isolated else None
    if isolated:
        from youthlab.grading.exchange import open_data_folder, prepare_exchange, share_course_folder

        sync_class_groups(plan, [cls], prefix)
        open_data_folder(data)
        prepare_exchange(exchange, cls, True, prefix)
        share_course_folder(root, cls, prefix)
    else:
        from youthlab.grading.exchange import prepare_exchange

        root.mkdir(parents=True, exist_ok=True)
        prepare_exchange(exchange, cls, False)
    with _nbgrader_process(isolated):
        course = _fill_course(curriculum, cls, plan, root, exchange, labs_root, isolated, prefix, progress)
    if isolated:
        share_course_folder(root, cls, prefix)
    return course, [lab for lab in curriculum.labs if lab not in course.labs]


def _fill_course(curriculum: Curriculum, cls: str, plan: AccountPlan, root: Path, exchange: Path,
                 labs_root: Path, isolated: bool, prefix: str | None,
                 progress: Callable[[str], None]) -> Course:
    from youthlab.grading.exchange import PLUGINS

    (root / "nbgrader_config.py").write_text(COURSE_CONFIG.format(
        course=cls, root=str(root), exchange=str(exchange), timeout=curriculum.timeout, plugins=PLUGINS,
        isolation=ISOLATED_CONFIG if isolated else "", code_stub=solution_stub()), encoding="utf-8")

    skipped = curriculum.missing_labs(labs_root)
    present = [lab for lab in curriculum.labs if lab not in skipped]
    teachers = sorted(t for t, classes in plan.teachers.items() if cls in classes)
    info = {
        "class": cls, "curriculum": curriculum.id, "curriculum_file": str(curriculum.path),
        "title": curriculum.data["title"], "labs": present, "missing_labs": skipped,
        "graded_labs": [lab for lab in curriculum.graded_labs if lab in present],
        "weights": {lab: w for lab, w in curriculum.weights().items()},
        "timeout": curriculum.timeout, "pass_percent": curriculum.pass_percent,
        "students": list(plan.classes[cls]), "teachers": teachers, "exchange": str(exchange),
        "isolated": isolated, "system_user_prefix": prefix,
    }
    (root / COURSE_FILE).write_text(yaml.safe_dump(info, allow_unicode=True, sort_keys=False), encoding="utf-8")
    course = Course(root, info)

    from nbgrader.api import Gradebook

    with _alembic_head_in_process(), Gradebook(f"sqlite:///{root / 'gradebook.db'}", cls) as gb:
        for student in plan.classes[cls]:
            gb.update_or_create_student(student)
    write_dashboard_notebook(course)
    api = course.api()
    for lab in present:
        progress(lab)
        _copy_source(labs_root / lab, root / "source" / lab)
        _check(api.generate_assignment(lab, force=True, create=True), "generate_assignment", lab)
    return course


def release(course: Course, lab: str) -> None:
    """Put the student version of ``lab`` in the exchange for the class to fetch."""
    if lab not in course.labs:
        raise UnknownLab(lab=lab, labs=", ".join(course.labs))
    with operating(course, t("grading.action.release")):
        require_member(course.exchange / course.name, course.name, t("grading.action.release"))
        require_teacher(course.exchange / course.name / "outbound", course.name, t("grading.action.release"))
        api = course.api()
        outbound = course.exchange / course.name / "outbound" / lab
        if outbound.exists():  # re-releasing: replace the old version
            api.unrelease(lab)
        _check(api.release_assignment(lab), "release_assignment", lab)


def collect(course: Course, lab: str) -> list[str]:
    """Copy submissions from the exchange into ``submitted/``; returns who has submitted."""
    if lab not in course.labs:
        raise UnknownLab(lab=lab, labs=", ".join(course.labs))
    with operating(course, t("grading.action.collect")):
        require_member(course.exchange / course.name, course.name, t("grading.action.collect"))
        require_teacher(course.exchange / course.name / "inbound", course.name, t("grading.action.collect"),
                        write=False)
        _check(course.api().collect(lab, update=True), "collect", lab)
    return sorted(p.parent.name for p in (course.root / "submitted").glob(f"*/{lab}") if p.is_dir())


def refused_submissions(course: Course, lab: str) -> list[dict[str, str]]:
    """Entries of the last collect that were not taken: made by another system user than
    the student they name (``entry``, ``student``, ``owner``, ``expected``)."""
    import json

    from youthlab.grading.exchange import REFUSED_REPORT

    path = course.root / REFUSED_REPORT.format(lab=lab)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def release_feedback(course: Course, lab: str) -> int:
    """Generate feedback for every autograded student and put it in the exchange."""
    if lab not in course.labs:
        raise UnknownLab(lab=lab, labs=", ".join(course.labs))
    with operating(course, t("grading.action.feedback")):
        require_member(course.exchange / course.name, course.name, t("grading.action.feedback"))
        require_teacher(course.exchange / course.name / "feedback", course.name, t("grading.action.feedback"))
        api = course.api()
        _check(api.generate_feedback(lab, force=True), "generate_feedback", lab)
        _check(api.release_feedback(lab), "release_feedback", lab)
    return len(list((course.root / "feedback").glob(f"*/{lab}")))
