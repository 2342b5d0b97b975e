"""What the hub puts into an account's home before its server starts.

- JupyterLab's language and the kernel's YouthLab extension (only when missing: a
  student's own settings win);
- **one copy of each lab**: a lab that the student's class hands out through its nbgrader
  course (it is in the course's ``source/`` or released in ``exchange/<class>/outbound``)
  is *not* copied into the home; a released one is fetched the way nbgrader's own fetch
  does, into ``~/<class>/<lab>`` — the copy the Assignments tab lists and submits. Labs
  no course of theirs grades (the welcome notebook, a hall visit without grading) are
  copied into the home as before (``youthlab.hub.labs.copy_labs``);
- nothing a student already has is overwritten; a student who began a lab before their
  class was given it (their copy in ``~/<lab>``) finds their answers carried over into the
  fetched ``~/<class>/<lab>``, answer cell by answer cell (nbgrader's ``grade_id``); the
  old copy stays as it was.

In isolated mode the hub writes as root into a folder the student controls, so it never
follows a link the student planted there (every folder on the way is checked with
``lstat``, files are made with ``O_EXCL | O_NOFOLLOW``), and it hands over (``lchown``)
only what it made now: a home of many files costs nothing at the next start.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from youthlab.hub.labs import copy_labs, student_version

IPYTHON_KERNEL_CONFIG = Path(".ipython/profile_default/ipython_kernel_config.py")
LAB_LOCALE_SETTINGS = Path(".jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings")
FETCH_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")


@dataclass
class HomeReport:
    """What :func:`prepare_home` did: labs copied, assignments fetched, paths made."""

    copied: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    made: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # a planted link or file in the way
    carried: list[str] = field(default_factory=list)  # notebooks whose answers came from ~/<lab>


@dataclass
class ClassLabs:
    """Labs an account gets through its classes' nbgrader courses."""

    graded: set[str] = field(default_factory=set)  # never copied into the home
    released: list[tuple[str, Path]] = field(default_factory=list)  # (class, exchange/<class>/outbound/<lab>)


def class_labs(data: Path, classes: list[str]) -> ClassLabs:
    """The labs ``classes`` hand out through nbgrader (read as the hub: it may enter the courses)."""
    found = ClassLabs()
    for cls in classes:
        for folder in (data / "courses" / cls / "source", data / "exchange" / cls / "outbound"):
            try:
                entries = sorted(folder.iterdir())
            except OSError:  # no course for this class, or not readable by this process
                continue
            for lab in entries:
                if lab.is_dir() and not lab.is_symlink() and not lab.name.startswith("."):
                    found.graded.add(lab.name)
                    if folder.name == "outbound":
                        found.released.append((cls, lab))
    return found


def _real_dir(home: Path, rel: Path, report: HomeReport) -> Path | None:
    """``home/rel`` as a real folder (missing parts made, noted); None when a part is a
    link or a file (the student's own doing: we neither follow nor remove it)."""
    path = home
    for part in rel.parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            os.mkdir(path, 0o755)
            report.made.append(path)
            continue
        if not stat.S_ISDIR(mode):
            report.skipped.append(str(path))
            return None
    return path


def _write_new(home: Path, rel: Path, text: str, report: HomeReport) -> None:
    folder = _real_dir(home, rel.parent, report)
    if folder is None:
        return
    try:
        fd = os.open(folder / rel.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:  # theirs already (or a link: left alone)
        return
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    report.made.append(folder / rel.name)


def _copy_labs_except(labs_dir: Path, home: Path, skip: set[str]) -> list[str]:
    """``copy_labs`` over a view of ``labs_dir`` without the ``skip`` labs."""
    for lab in labs_dir.iterdir():  # copy_labs stages in ~/.<lab>.copying: never through a planted link
        staging = home / f".{lab.name}.copying"
        if os.path.islink(staging):
            os.unlink(staging)
    if not skip:
        return copy_labs(labs_dir, home)
    with tempfile.TemporaryDirectory(prefix="youthlab-labs-view-") as view:
        for lab in labs_dir.iterdir():
            if lab.name not in skip:
                os.symlink(lab, Path(view) / lab.name)
        return copy_labs(Path(view), home)


def _no_links(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if os.path.islink(os.path.join(folder, n))} | set(FETCH_IGNORE(folder, names))


#: An old copy bigger than this is not read (the hub reads it as root, before the server starts).
CARRY_MAX_BYTES = 5 << 20


def _read_students_notebook(path: Path) -> dict | None:
    """A notebook the student controls, read without following links and bounded in size."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        data = fh.read(CARRY_MAX_BYTES + 1)
    if len(data) > CARRY_MAX_BYTES:
        return None
    try:
        nb = json.loads(data)
        return nb if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None
    except ValueError:
        return None


def _text(source: object) -> str | None:
    """A cell's source as one string (on disk it may be a list of lines)."""
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def _answers(nb: dict) -> dict[str, str]:
    """grade_id -> source of the notebook's answer cells (nbgrader ``solution`` cells)."""
    found = {}
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        text = _text(cell.get("source", ""))
        if isinstance(meta, dict) and meta.get("solution") and isinstance(meta.get("grade_id"), str) and text is not None:
            found[meta["grade_id"]] = text
    return found


def _untouched(text: str) -> bool:
    """An answer cell still as nbgrader hands it out: comments and ``raise NotImplementedError()``."""
    code = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return code in ([], ["raise NotImplementedError()"])


def _handed_out(original_lab: Path | None, name: str) -> dict[str, str]:
    """The answer cells as ``copy_labs`` handed them out from ``original_lab``."""
    if original_lab is None or not (original_lab / name).is_file():
        return {}

    try:
        return _answers(student_version(original_lab / name))
    except Exception:  # a lab notebook we cannot read: compare with nothing
        return {}


def carry_over_answers(old_lab: Path, new_lab: Path, original_lab: Path | None = None) -> list[str]:
    """Answers from the student's earlier copy ``old_lab`` into the fetched ``new_lab``
    (written by us, not yet the student's): only answer cells, matched by ``grade_id``,
    and only those the student changed from what they were handed (``original_lab``, the
    lab in the labs folder); everything else (instructions, tests, metadata) stays the
    released version. Returns the notebooks changed."""
    try:
        if not stat.S_ISDIR(os.lstat(old_lab).st_mode):
            return []
    except OSError:
        return []
    changed = []
    for target in sorted(new_lab.glob("*.ipynb")):
        old = _read_students_notebook(old_lab / target.name)
        if old is None:
            continue
        handed = _handed_out(original_lab, target.name)
        theirs = {gid: src for gid, src in _answers(old).items()
                  if not _untouched(src) and handed.get(gid) != src}
        nb = json.loads(target.read_text(encoding="utf-8"))
        moved = False
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id")
            if meta.get("solution") and gid in theirs and theirs[gid] != _text(cell.get("source")):
                cell["source"] = theirs[gid]
                moved = True
        if moved:
            target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            changed.append(target.name)
    return changed


def fetch_released(home: Path, released: list[tuple[str, Path]], report: HomeReport,
                   labs_dir: Path | None = None) -> None:
    """nbgrader's fetch (``path_includes_course``) done by the hub: ``~/<class>/<lab>``,
    whole or not at all, never over what the student has; answers begun in ``~/<lab>``
    before the class was given the lab are carried over (:func:`carry_over_answers`)."""
    for cls, src in released:
        parent = _real_dir(home, Path(cls), report)
        if parent is None:
            continue
        target = parent / src.name
        if os.path.lexists(target):
            continue
        staging = parent / f".{src.name}.fetching"
        if os.path.islink(staging):
            os.unlink(staging)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(src, staging, symlinks=True, ignore=_no_links)
        original = labs_dir / src.name if labs_dir else None
        report.carried += [f"{cls}/{src.name}/{name}"
                           for name in carry_over_answers(home / src.name, staging, original)]
        os.rename(staging, target)
        report.made.append(target)
        report.fetched.append(f"{cls}/{src.name}")


def hand_over(paths: list[Path], uid: int, gid: int) -> None:
    """``lchown`` what the hub made (folders with everything in them), never following a link."""
    for path in paths:
        os.lchown(path, uid, gid)
        if os.path.isdir(path) and not os.path.islink(path):
            for folder, dirs, files in os.walk(path):
                for name in dirs + files:
                    os.lchown(os.path.join(folder, name), uid, gid)


def prepare_home(home: Path, labs_dir: str, locale: str, data: Path | None = None,
                 classes: list[str] = (), owner: tuple[int, int] | None = None) -> HomeReport:
    """Settings, labs and released assignments into ``home`` (see the module's docstring);
    with ``owner`` (uid, gid) what was made is handed over to the account."""
    with _preparing(home):
        return _prepare_home(home, labs_dir, locale, data, classes, owner)


_LOCKS_GUARD = threading.Lock()
_HOME_LOCKS: dict[Path, threading.Lock] = {}


def _preparing(home: Path) -> threading.Lock:
    """One preparation of a home at a time: an account's servers (a teacher's own and a
    class's named one) may start in the same second, each preparing the same home."""
    with _LOCKS_GUARD:
        return _HOME_LOCKS.setdefault(Path(os.path.abspath(home)), threading.Lock())


def _prepare_home(home: Path, labs_dir: str, locale: str, data: Path | None,
                  classes: list[str], owner: tuple[int, int] | None) -> HomeReport:
    report = HomeReport()
    home.mkdir(parents=True, exist_ok=True)
    if locale:
        _write_new(home, LAB_LOCALE_SETTINGS, json.dumps({"locale": locale}, indent=2), report)
    # friendly YouthLab errors and magics in every kernel
    _write_new(home, IPYTHON_KERNEL_CONFIG, 'c.InteractiveShellApp.extensions = ["youthlab"]\n', report)
    assigned = class_labs(data, list(classes)) if data is not None else ClassLabs()
    if labs_dir:
        report.copied = _copy_labs_except(Path(labs_dir), home, assigned.graded)
        report.made += [home / name for name in report.copied]
    fetch_released(home, assigned.released, report, Path(labs_dir) if labs_dir else None)
    if owner is not None:
        hand_over(report.made, *owner)
    return report
