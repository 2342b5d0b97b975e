"""Parallel autograde: a class's submissions graded by a few nbgrader workers at once.

One ``nbgrader autograde`` process per student is *slower* than serial (each costs
~3.5 s to start), so submissions are dealt into a few batches (CPU cores + 1). Each
worker runs the real ``nbgrader autograde`` in a private copy of the course folder
(its own copy of the gradebook, the batch's ``submitted/`` folders linked in), so no
two processes write one SQLite file; afterwards the autograded notebooks are moved into
the course and the workers' grade rows merged into the course gradebook.

Before grading, every submission is checked: a notebook that cannot be read is left
untouched and reported (the rest of the class is still graded); edited or deleted test
cells are reported as tampering (nbgrader puts the original tests back and grades with
them). After grading, cells interrupted by the per-cell timeout are reported.

Students' code never runs as the grader (see :mod:`youthlab.grading.sandbox`): as root,
each worker's kernels run as its own sandbox user in a private mount namespace, with
limits; a cell that ignores the interrupt or kills its kernel costs that cell (see
:mod:`youthlab.grading.sandbox_execute`), and a worker that still takes far too long is
stopped by a watchdog — the rest of the class is graded either way. The report says per
student what the sandbox did, and whether submissions were isolated at all.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from youthlab.errors import YouthLabError
from youthlab.grading.course import Course
from youthlab.grading.errors import UnknownLab
from youthlab.grading.sandbox import Limits, SandboxUser, can_isolate, hidden_paths, kill_all, lease
from youthlab.grading.tamper import check_submission

WORK_DIR = ".autograde-work"
REPORTS_DIR = "reports"


@dataclass
class AutogradeReport:
    lab: str
    graded: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)  # student -> why it could not be read
    failed: dict[str, str] = field(default_factory=dict)  # student -> nbgrader's last log lines
    tampered: dict[str, list[dict]] = field(default_factory=dict)  # student -> [{notebook, cell, kind}]
    timeouts: dict[str, list[str]] = field(default_factory=dict)  # student -> [cell ids]
    sandbox: dict[str, list[dict]] = field(default_factory=dict)  # student -> [{cell, event, detail}]
    isolated: bool = False  # did submissions run as sandbox users?
    sandbox_users: list[str] = field(default_factory=list)
    workers: int = 0
    seconds: float = 0.0

    def save(self, course: Course) -> Path:
        path = course.root / REPORTS_DIR / f"{self.lab}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # a full disk keeps the last report
        try:
            tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if _disk_full(exc):
                raise GradebookDiskFull(path=str(path)) from exc
            raise
        return path


def load_report(course: Course, lab: str) -> AutogradeReport | None:
    path = course.root / REPORTS_DIR / f"{lab}.json"
    if not path.exists():
        return None
    return AutogradeReport(**json.loads(path.read_text(encoding="utf-8")))


def _unreadable(submission: Path) -> str | None:
    # A symlink in a submission would make the grader (root) read, copy or write whatever
    # it points at (another student's work, /etc/shadow): such a submission is not graded.
    for folder, dirs, files in os.walk(submission):
        for name in dirs + files:
            path = Path(folder) / name
            if path.is_symlink():
                return f"{path.relative_to(submission)}: symbolic link (not allowed in a submission)"
    for nb_path in sorted(submission.glob("*.ipynb")):
        try:
            nb = nbformat.read(nb_path, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # noqa: BLE001 — any reason to be unreadable is reported as is
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"{nb_path.name}: {first[:200]}"
    return None


def _timeouts(autograded: Path) -> list[str]:
    cells = []
    for nb_path in sorted(autograded.glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError"
                   for o in cell.get("outputs", [])):
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {i + 1}"
                cells.append(f"{nb_path.name}:{gid}")
    return cells


def nbgrader_env() -> dict[str, str]:
    """nbgrader needs the venv's ``bin`` on PATH (else: FileNotFoundError 'alembic')."""
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    return env


def _sandbox_events(autograded: Path) -> list[dict]:
    from youthlab.grading.sandbox_execute import sandbox_events

    events = []
    for nb_path in sorted(autograded.glob("*.ipynb")):
        events += sandbox_events(nbformat.read(nb_path, as_version=4), nb_path.name)
    return events


SANDBOX_CONFIG = """
# --- added by youthlab autograde: students' code runs in the sandbox ---
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                    SaveAutoGrades)
from youthlab.grading.sandbox_execute import SandboxExecute
c.Autograde.autograde_preprocessors = [SandboxExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.SandboxKernelManager.sandbox_user = {user!r}
c.SandboxKernelManager.sandbox_limits = {limits!r}
c.SandboxKernelManager.sandbox_hide = {hide!r}
"""


def _prepare_worker(course: Course, wdir: Path, lab: str, students: list[str],
                    user: SandboxUser | None = None, limits: Limits | None = None) -> None:
    shutil.rmtree(wdir, ignore_errors=True)
    (wdir / "submitted").mkdir(parents=True)
    wdir.chmod(0o700)  # the grader's own files; no kernel can reach them anyway (sandbox_launch)
    config = (course.root / "nbgrader_config.py").read_text(encoding="utf-8")
    config += f"\nc.CourseDirectory.root = {str(wdir)!r}\n"
    config += SANDBOX_CONFIG.format(user=user.name if user else "", limits=asdict(limits or Limits()),
                                    hide=hidden_paths(course.root) if user else [])
    (wdir / "nbgrader_config.py").write_text(config, encoding="utf-8")
    for name in ("source", "release"):
        if (course.root / name).exists():
            (wdir / name).symlink_to(course.root / name)
    for student in students:
        (wdir / "submitted" / student).mkdir()
        (wdir / "submitted" / student / lab).symlink_to(course.root / "submitted" / student / lab)
    shutil.copy2(course.root / "gradebook.db", wdir / "gradebook.db")


def _drop_unfinished(wdir: Path, lab: str, batch: list[str]) -> None:
    """After the watchdog stopped a worker: the student it was grading has a half-written
    result (nbgrader writes the notebook before running it) — drop it, so that student is
    reported as failed instead of graded with made-up points."""
    text = (wdir / "autograde.log").read_text(errors="replace")
    last = max(batch, key=lambda s: text.rfind(f"/{s}/{lab}/"))
    if text.rfind(f"/{last}/{lab}/") >= 0:
        shutil.rmtree(wdir / "autograded" / last, ignore_errors=True)


class GradebookDiskFull(YouthLabError):
    """No space (or quota) left while grading: nothing saved before is changed."""

    key = "disk.full.grading"
    hint_key = "backup.disk_full.hint"


def _disk_full(exc: BaseException) -> bool:
    import errno

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


def write_gradebook(path: Path, change: Callable[[sqlite3.Connection], None], attach: Path | None = None) -> None:
    """Apply ``change`` to the gradebook ``path`` in one SQLite transaction (with ``attach``
    attached as ``w``). A full disk rolls the whole change back (SQLite's journal) and is
    a :class:`GradebookDiskFull`: the gradebook stays as it was, byte for byte. One
    transaction rather than a copy renamed over the gradebook, so a teacher's manual
    grades written meanwhile in formgrader are not lost."""
    db = sqlite3.connect(path, timeout=60)
    try:
        if attach is not None:
            db.execute("ATTACH DATABASE ? AS w", (str(attach),))
        try:
            with db:  # commit, or roll back on any error
                change(db)
        finally:
            if attach is not None:
                db.execute("DETACH DATABASE w")
    except (sqlite3.OperationalError, OSError) as exc:
        if _disk_full(exc):
            raise GradebookDiskFull(path=str(path)) from exc
        raise
    finally:
        db.close()


def _share_like_parent(top: Path) -> None:
    """A moved tree keeps the work folder's owner group; give it the course folder's group
    (the class's teachers), so their formgrader and feedback can read what was graded."""
    gid = top.parent.stat().st_gid
    for path in [top, *top.rglob("*")]:
        try:
            if path.is_symlink():
                continue
            if path.stat().st_gid != gid:
                os.chown(path, -1, gid)
            path.chmod(0o2770 if path.is_dir() else 0o660)
        except PermissionError:  # not ours to change (a shared dev folder): leave it
            pass


def _merge(course: Course, wdir: Path, lab: str, students: list[str]) -> None:
    """Move the batch's autograded notebooks and grade rows into the course."""
    for student in students:
        src = wdir / "autograded" / student / lab
        if not src.is_dir():
            continue
        dst = course.root / "autograded" / student / lab
        if dst.exists():
            shutil.rmtree(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), str(dst))
        _share_like_parent(dst)
    marks = ",".join("?" * len(students))

    def change(db: sqlite3.Connection) -> None:
        (aid,) = db.execute("SELECT id FROM assignment WHERE name = ?", (lab,)).fetchone()
        sub = f"SELECT id FROM {{db}}submitted_assignment WHERE assignment_id = ? AND student_id IN ({marks})"
        nbs = f"SELECT id FROM {{db}}submitted_notebook WHERE assignment_id IN ({sub})"
        args = (aid, *students)
        for table in ("comment", "grade"):
            db.execute(f"DELETE FROM main.{table} WHERE notebook_id IN ({nbs.format(db='main.')})", args)
        db.execute(f"DELETE FROM main.submitted_notebook WHERE assignment_id IN ({sub.format(db='main.')})", args)
        db.execute(f"DELETE FROM main.submitted_assignment WHERE id IN ({sub.format(db='main.')})", args)
        db.execute("INSERT INTO main.student SELECT * FROM w.student WHERE id NOT IN (SELECT id FROM main.student)")
        db.execute(f"INSERT INTO main.submitted_assignment SELECT * FROM w.submitted_assignment "
                   f"WHERE id IN ({sub.format(db='w.')})", args)
        db.execute(f"INSERT INTO main.submitted_notebook SELECT * FROM w.submitted_notebook "
                   f"WHERE assignment_id IN ({sub.format(db='w.')})", args)
        for table in ("grade", "comment"):
            db.execute(f"INSERT INTO main.{table} SELECT * FROM w.{table} "
                       f"WHERE notebook_id IN ({nbs.format(db='w.')})", args)

    write_gradebook(course.root / "gradebook.db", change, attach=wdir / "gradebook.db")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_workers(submissions: int | None = None) -> int:
    """Workers for a class of ``submissions``: each worker costs one nbgrader start
    (~3.5 CPU-seconds) before it grades anything, each submission ~0.5–1.5 s.

    A big class: one worker more than CPU cores (a worker is idle part of each
    submission — starting and stopping the kernel waits on messages). Measured on 2 cores,
    30 submissions: 3 workers 2.08×, 4 workers 2.00× faster than serial. A small class
    cannot pay for the extra start: one worker per core (8 submissions on 2 cores:
    3 workers were 0.79× serial). A class of one or two: one worker, as serial."""
    cores = _cores()
    if submissions is None:
        return cores + 1
    if submissions <= 2:
        return 1
    if submissions < 6 * (cores + 1):
        return min(cores, submissions)
    return cores + 1


def _code_cells(release_dir: Path) -> int:
    n = 0
    for nb_path in release_dir.glob("*.ipynb"):
        try:
            n += sum(c.cell_type == "code" for c in nbformat.read(nb_path, as_version=4).cells)
        except Exception:  # noqa: BLE001 — only used for the watchdog's budget
            n += 20
    return n or 20


def autograde(course: Course, lab: str, workers: int | None = None, timeout: int | None = None,
              students: list[str] | None = None,
              progress: Callable[[int, int], None] = lambda done, total: None,
              sandbox: bool | None = None, limits: Limits | None = None) -> AutogradeReport:
    """Autograde every collected submission of ``lab`` with up to ``workers`` processes.

    ``sandbox`` (default: when root) runs each worker's kernels as a sandbox user."""
    if lab not in course.labs:
        raise UnknownLab(lab=lab, labs=", ".join(course.labs))
    start = time.monotonic()
    report = AutogradeReport(lab)
    submitted = sorted(p.parent.name for p in (course.root / "submitted").glob(f"*/{lab}") if p.is_dir())
    if students is not None:
        submitted = [s for s in submitted if s in students]
    release_dir = course.root / "release" / lab
    ready = []
    for student in submitted:
        sub_dir = course.root / "submitted" / student / lab
        why = _unreadable(sub_dir)
        if why:
            report.broken[student] = why
            continue
        tampered = check_submission(release_dir, sub_dir) if release_dir.is_dir() else []
        if tampered:
            report.tampered[student] = [asdict(t) for t in tampered]
        ready.append(student)

    n = min(workers or default_workers(len(ready)), len(ready))
    report.workers = n
    batches = [ready[i::n] for i in range(n)] if n else []
    work = course.root / WORK_DIR
    timeout = timeout or course.timeout
    limits = limits or Limits.for_timeout(timeout)
    isolate = can_isolate() if sandbox is None else sandbox
    users = lease(n) if (isolate and n) else None
    report.isolated = bool(isolate)
    report.sandbox_users = [u.name for u in users.users] if users else []
    # Watchdog budget per submission: every code cell at its time limit plus a forced
    # restart, and the kernel's start. Only a worker that is stuck for good gets there.
    per_submission = _code_cells(release_dir) * (timeout + 15) + 60
    procs = []
    try:
        work.mkdir(parents=True, exist_ok=True)
        work.chmod(0o700)
        for i, batch in enumerate(batches):
            wdir = work / f"w{i}"
            user = users.users[i] if users else None
            _prepare_worker(course, wdir, lab, batch, user, limits)
            cmd = [str(Path(sys.executable).parent / "nbgrader"), "autograde", lab, "--force",
                   f"--Execute.timeout={timeout}", f"--ExecutePreprocessor.timeout={timeout}"]
            log = open(wdir / "autograde.log", "w")
            proc = subprocess.Popen(cmd, cwd=wdir, env=nbgrader_env(), stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            deadline = time.monotonic() + 60 + per_submission * len(batch)
            procs.append((batch, wdir, log, proc, user, deadline))
        done = 0
        progress(0, len(ready))
        pending = list(procs)
        while pending:
            for item in list(pending):
                batch, wdir, log, proc, user, deadline = item
                stuck = False
                if proc.poll() is None:
                    if time.monotonic() < deadline:
                        continue
                    stuck = True  # the watchdog: this worker is stuck; the others go on
                    os.killpg(proc.pid, 9)
                    proc.wait()
                if user is not None:
                    kill_all(user)
                log.close()
                pending.remove(item)
                if stuck:
                    _drop_unfinished(wdir, lab, batch)
                finished = {s for s in batch if (wdir / "autograded" / s / lab).is_dir()}
                _merge(course, wdir, lab, batch)
                tail = "\n".join((wdir / "autograde.log").read_text(errors="replace").splitlines()[-6:])
                for student in batch:
                    out = course.root / "autograded" / student / lab
                    if student in finished:  # not an older result left from a previous run
                        report.graded.append(student)
                        cells = _timeouts(out)
                        if cells:
                            report.timeouts[student] = cells
                        events = _sandbox_events(out)
                        if events:
                            report.sandbox[student] = events
                    else:
                        report.failed[student] = tail
                        keep = course.root / REPORTS_DIR / f"{lab}.{wdir.name}.log"  # the whole log, to look at
                        keep.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(wdir / "autograde.log", keep)
                        if stuck:
                            report.sandbox[student] = [{"cell": "-", "event": "watchdog",
                                                        "detail": f"{round(time.monotonic() - start)} s"}]
                done += len(batch)
                progress(done, len(ready))
            time.sleep(0.2)
    except OSError as exc:
        if _disk_full(exc):
            raise GradebookDiskFull(path=str(course.root)) from exc
        raise
    finally:
        for batch, wdir, log, proc, user, deadline in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait()
            log.close()
        if users is not None:
            users.close()
        shutil.rmtree(work, ignore_errors=True)
    report.graded.sort()
    report.seconds = round(time.monotonic() - start, 2)
    report.save(course)
    return report


def serial_autograde(course: Course, lab: str, timeout: int | None = None) -> subprocess.CompletedProcess:
    """Plain ``nbgrader autograde`` of the whole class in one process (the baseline)."""
    timeout = timeout or course.timeout
    cmd = [str(Path(sys.executable).parent / "nbgrader"), "autograde", lab, "--force",
           f"--Execute.timeout={timeout}", f"--ExecutePreprocessor.timeout={timeout}"]
    return subprocess.run(cmd, cwd=course.root, env=nbgrader_env(), capture_output=True, text=True)
