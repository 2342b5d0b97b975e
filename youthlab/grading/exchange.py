"""nbgrader's file exchange and course folders made multi-user with folder modes and groups.

Why this mechanism (not an exchange service): nbgrader's own file exchange, its
JupyterLab "Assignments" tab and formgrader keep working unchanged, every check is done
by the kernel on every access (a student cannot talk round it, whatever nbgrader config
they write for themselves), and it needs no extra server. The plugins below only set the
right modes and give clear errors; security does not depend on them running.

Layout in isolated mode (``G_c`` = ``yl-c-<class>``: students and teachers; ``G_t`` =
``yl-t-<class>``: teachers; students are "other" on everything owned by ``G_t``)::

    exchange/                 root:root  0755   no one but root writes here
    exchange/<class>/         root:G_c   2750   other classes see nothing
      outbound/               root:G_t   2775   teachers release; the class reads
      inbound/                root:G_t   3753   students create entries (-wx: cannot list),
                                                sticky: nobody deletes another's entry;
                                                each entry student:G_t 0750 (files 0640)
      feedback/               root:G_t   2771   students open their own page by its
                                                secret name (x only: cannot list)
    courses/                  root:root  0711
    courses/<class>/          root:G_t   2770   source, gradebook, submissions: teachers
                                                only; setgid + group-writable files, so
                                                root's CLI and every teacher can go on

Collect trusts a submission only if its folder's owner is the system user of the student
named in it (nbgrader takes the name from config the student controls); the others are
refused, listed in ``reports/refused-<lab>.json`` and in the log, never collected.
Symbolic links in a submission are not followed (a link to the solutions would otherwise
be collected as the student's work).

In demo mode every account is one system user: the OS cannot keep students apart there.
The exchange is then simply not world-writable (owner-only modes).
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import stat
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from nbgrader.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.fetch_assignment import ExchangeFetchAssignment
from nbgrader.exchange.default.fetch_feedback import ExchangeFetchFeedback
from nbgrader.exchange.default.list import ExchangeList
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import check_mode

from youthlab.errors import YouthLabError
from youthlab.grading.access import (ExchangeNotPrepared, ExchangeUnreachable, require_member, require_teacher,
                                     whoami)
from youthlab.hub.identity import class_group_for, system_user_for, teachers_group_for
from youthlab.i18n import t

EXCHANGE_ROOT_MODE = 0o755
COURSES_MODE = 0o711
COURSE_EXCHANGE_MODE = 0o2750
OUTBOUND_MODE = 0o2775
INBOUND_MODE = 0o3753
FEEDBACK_MODE = 0o2771
COURSE_ROOT_MODE = 0o2770
SUBMISSION_DIR_MODE = 0o750
SUBMISSION_FILE_MODE = 0o640
FEEDBACK_FILE_MODE = 0o644
# Demo mode: one system user for everything; just nothing world-writable.
DEMO_MODES = {"": 0o755, "outbound": 0o755, "inbound": 0o700, "feedback": 0o711}
REFUSED_REPORT = "reports/refused-{lab}.json"

PLUGINS = {
    "release_assignment": "youthlab.grading.exchange.ReleaseAssignment",
    "fetch_assignment": "youthlab.grading.exchange.FetchAssignment",
    "submit": "youthlab.grading.exchange.Submit",
    "collect": "youthlab.grading.exchange.Collect",
    "release_feedback": "youthlab.grading.exchange.ReleaseFeedback",
    "fetch_feedback": "youthlab.grading.exchange.FetchFeedback",
    "list": "youthlab.grading.exchange.List",
}


# --- the permission scheme (root's side) ---------------------------------------------

def _put(path: Path, mode: int, uid: int = 0, gid: int | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if gid is not None:
        os.chown(path, uid, gid)
    path.chmod(mode)


def prepare_exchange(exchange: Path, cls: str, isolated: bool, prefix: str | None = None) -> None:
    """Make ``exchange/<class>`` and its three folders with the modes above.

    Isolated mode needs root and the class's groups (:mod:`youthlab.hub.groups`).
    """
    course_ex = exchange / cls
    if not isolated:
        _put(exchange, EXCHANGE_ROOT_MODE)
        for sub, mode in DEMO_MODES.items():
            _put(course_ex / sub if sub else course_ex, mode)
        return
    import grp

    cgid = grp.getgrnam(class_group_for(cls, prefix)).gr_gid
    tgid = grp.getgrnam(teachers_group_for(cls, prefix)).gr_gid
    _put(exchange, EXCHANGE_ROOT_MODE, gid=0)
    _put(course_ex, COURSE_EXCHANGE_MODE, gid=cgid)
    _put(course_ex / "outbound", OUTBOUND_MODE, gid=tgid)
    _put(course_ex / "inbound", INBOUND_MODE, gid=tgid)
    _put(course_ex / "feedback", FEEDBACK_MODE, gid=tgid)


def share_course_folder(root: Path, cls: str, prefix: str | None = None) -> None:
    """Course folder of the class's teachers: every entry group ``G_t``, group-writable,
    nothing for others; folders setgid so new files keep the group. Run as root after
    each command root's CLI runs on the course (it may have made root-only files)."""
    import grp

    tgid = grp.getgrnam(teachers_group_for(cls, prefix)).gr_gid
    root.parent.mkdir(parents=True, exist_ok=True)
    root.parent.chmod(COURSES_MODE)
    _put(root, COURSE_ROOT_MODE, gid=tgid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                continue
            if st.st_gid != tgid:
                os.chown(path, st.st_uid, tgid)
            want = (stat.S_IMODE(st.st_mode) | (0o2770 if stat.S_ISDIR(st.st_mode) else 0o660)) & ~0o007
            if stat.S_ISDIR(st.st_mode):
                want |= stat.S_ISGID
            if want != stat.S_IMODE(st.st_mode):
                os.chmod(path, want)


def open_data_folder(data: Path) -> None:
    """Accounts pass through the data folder (never list it)."""
    data.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(data.stat().st_mode)
    if mode & 0o011 != 0o011:
        data.chmod(mode | 0o011)


# --- nbgrader plugins (used by root's CLI, teachers' and students' servers) ----------

def course_settings(course_root: str | Path) -> dict[str, Any]:
    """``isolated`` and ``system_user_prefix`` recorded in the course's ``course.yaml``."""
    try:
        info = yaml.safe_load((Path(course_root) / "course.yaml").read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    return {k: info.get(k) for k in ("isolated", "system_user_prefix")}


class _Checked:
    """Mixin: never chmod the exchange root (nbgrader makes it 0777), turn access
    problems into our errors (ExchangeError, so nbgrader's apps print them)."""

    def ensure_root(self) -> None:
        try:
            os.stat(self.root)
        except PermissionError:  # a folder above it is closed to this account
            self._fail_with(ExchangeUnreachable(user=whoami(), path=self.root))
        except OSError:
            self._fail_with(ExchangeNotPrepared(cls=self.coursedir.course_id or "?", path=self.root))

    def _fail_with(self, err: YouthLabError) -> None:
        self.log.error("%s", err.user_text())
        raise ExchangeError(err.user_text())

    def _course_exchange(self) -> str:
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        return os.path.join(self.root, self.coursedir.course_id)

    def _member(self, action: str) -> str:
        path = self._course_exchange()
        try:
            require_member(Path(path), self.coursedir.course_id, action)
        except YouthLabError as err:
            self._fail_with(err)
        return path

    def _teacher(self, action: str, path: str) -> None:
        try:
            require_teacher(Path(path), self.coursedir.course_id, action)
        except YouthLabError as err:
            self._fail_with(err)


class ReleaseAssignment(_Checked, ExchangeReleaseAssignment):
    def init_dest(self) -> None:
        course_ex = self._member(t("grading.action.release"))
        self._teacher(t("grading.action.release"), os.path.join(course_ex, "outbound"))
        self.course_path = course_ex
        self.outbound_path = os.path.join(course_ex, "outbound")
        self.inbound_path = os.path.join(course_ex, "inbound")
        self.dest_path = os.path.join(self.outbound_path, self.coursedir.assignment_id)


class FetchAssignment(_Checked, ExchangeFetchAssignment):
    def init_src(self) -> None:
        self._member(t("grading.action.fetch"))
        super().init_src()


class List(_Checked, ExchangeList):
    pass


class Submit(_Checked, ExchangeSubmit):
    def init_dest(self) -> None:
        self._member(t("grading.action.submit"))
        super().init_dest()

    def copy_files(self) -> None:
        """nbgrader's submit, but the entry is readable by the class's teachers only
        (nbgrader makes it 0777 "so the instructor can delete it")."""
        import secrets

        self.init_release()
        submission_secret = secrets.token_hex(64)
        dest_path = os.path.join(self.inbound_path, self.assignment_filename)
        cache_name = self.assignment_filename.rsplit("+", 1)[0] if self.add_random_string else self.assignment_filename
        cache_path = os.path.join(self.cache_path, cache_name)
        self.check_filename_diff()
        # Every file must be made while its folder still has the inbound's setgid bit (so it
        # gets the teachers' group): copytree's final copystat drops that bit, and a student
        # cannot give a file a group they are not in afterwards. So: folder, then the two
        # small files, then the notebooks into the existing folder.
        from nbgrader.utils import ignore_patterns

        size = self.get_size(self.src_path)
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, "
                               f"maximum size is {1000 * self.coursedir.max_dir_size}")
        old = os.umask(0o027)
        try:
            os.mkdir(dest_path)
            for name, text in (("timestamp.txt", self.timestamp), ("submission_secret.txt", submission_secret)):
                with open(os.path.join(dest_path, name), "w") as fh:
                    fh.write(text)
            shutil.copytree(self.src_path, dest_path, dirs_exist_ok=True, ignore=ignore_patterns(
                exclude=self.coursedir.ignore + ["timestamp.txt", "submission_secret.txt"],
                include=self.coursedir.include, max_file_size=self.coursedir.max_file_size, log=self.log))
        except BaseException as exc:
            # A half-copied entry (a full disk, a quota) would be collected as the newest
            # submission over the last complete one: remove it (issue 14).
            shutil.rmtree(dest_path, ignore_errors=True)
            if isinstance(exc, (OSError, shutil.Error)) and _disk_full(exc):
                self._fail_with(SubmitDiskFull(path=self.inbound_path))
            raise
        finally:
            os.umask(old)
        self.set_perms(dest_path, fileperms=SUBMISSION_FILE_MODE, dirperms=SUBMISSION_DIR_MODE)
        os.makedirs(self.cache_path, exist_ok=True)
        self.do_copy(self.src_path, cache_path)
        for name, text in (("timestamp.txt", self.timestamp), ("submission_secret.txt", submission_secret)):
            with open(os.path.join(cache_path, name), "w") as fh:
                fh.write(text)
        self.log.info("Submitted as: %s %s %s", self.coursedir.course_id, self.coursedir.assignment_id,
                      self.timestamp)


class SubmitDiskFull(YouthLabError):
    key = "disk.full.submit"
    hint_key = "disk.full.save.hint"


def _disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT, also inside shutil.copytree's collected errors."""
    import errno

    if isinstance(exc, shutil.Error):
        return any("No space left" in str(e) or "quota" in str(e).lower() for e in exc.args[0])
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _no_links(ignore):
    """copytree ignore function that also leaves out symbolic links."""
    def both(src, names):
        skip = set(ignore(src, names)) if ignore else set()
        return skip | {n for n in names if os.path.islink(os.path.join(src, n))}
    return both


class Collect(_Checked, ExchangeCollect):
    def init_src(self) -> None:
        course_ex = self._member(t("grading.action.collect"))
        self.course_path = course_ex
        self.inbound_path = os.path.join(course_ex, "inbound")
        if not os.path.isdir(self.inbound_path):
            self._fail_with(ExchangeNotPrepared(cls=self.coursedir.course_id, path=self.inbound_path))
        if not check_mode(self.inbound_path, read=True, execute=True):
            self._teacher(t("grading.action.collect"), self.inbound_path)
        settings = course_settings(self.coursedir.root)
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = os.path.join(self.inbound_path, "{}+{}+*".format(student_id, self.coursedir.assignment_id))
        records, self.refused = [], []
        for path in glob.glob(pattern):
            record = self._path_to_record(path)
            why = self._refuse(path, record["username"], settings) if settings.get("isolated") else None
            if why:
                self.refused.append({"entry": record["filename"], "student": record["username"], **why})
                self.log.error("%s", t("grading.collect.refused", entry=record["filename"],
                                       student=record["username"], **why))
            else:
                records.append(record)
        self._save_refused()
        usergroups = defaultdict(list)
        for record in records:
            usergroups[record["username"]].append(record)
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for group in usergroups.values():
            group = self._sort_by_timestamp(group)
            if self.duedate is not None and self.before_duedate:
                before = [r for r in group if r["timestamp"] <= self.duedate]
                group = before or group
            self.src_records.append(group[0])

    @staticmethod
    def _refuse(path: str, student: str, settings: dict[str, Any]) -> dict[str, str] | None:
        expected = system_user_for(student, settings.get("system_user_prefix"))
        st = os.lstat(path)
        try:
            owner = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            owner = str(st.st_uid)
        if not stat.S_ISDIR(st.st_mode):
            return {"owner": owner, "expected": expected}
        try:
            uid = pwd.getpwnam(expected).pw_uid
        except KeyError:
            uid = None
        return None if uid == st.st_uid else {"owner": owner, "expected": expected}

    def _save_refused(self) -> None:
        path = Path(self.coursedir.root) / REFUSED_REPORT.format(lab=self.coursedir.assignment_id)
        try:
            if self.refused:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(self.refused, ensure_ascii=False, indent=1), encoding="utf-8")
            elif path.exists():
                path.unlink()
        except OSError as exc:
            self.log.warning("could not write %s: %s", path, exc)

    def do_copy(self, src, dest, log=None) -> None:
        """nbgrader's copy (size limit, ignore/include rules, group-shared modes), but
        symbolic links are left out instead of followed."""
        from nbgrader.utils import ignore_patterns

        size = self.get_size(src)
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, "
                               f"maximum size is {1000 * self.coursedir.max_dir_size}")
        shutil.copytree(src, dest, ignore=_no_links(ignore_patterns(
            exclude=self.coursedir.ignore, include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size, log=self.log)))
        if self.coursedir.groupshared:
            for dirname, _, filenames in os.walk(dest):
                os.chmod(dirname, (os.stat(dirname).st_mode | 0o2770) & 0o2777)
                for filename in filenames:
                    path = os.path.join(dirname, filename)
                    os.chmod(path, (os.stat(path).st_mode | 0o660) & 0o777)


class ReleaseFeedback(_Checked, ExchangeReleaseFeedback):
    def init_dest(self) -> None:
        course_ex = self._member(t("grading.action.feedback"))
        self.course_path = course_ex
        self.outbound_feedback_path = self.dest_path = os.path.join(course_ex, "feedback")
        if not os.path.isdir(self.dest_path):
            self._fail_with(ExchangeNotPrepared(cls=self.coursedir.course_id, path=self.dest_path))
        self._teacher(t("grading.action.feedback"), self.dest_path)

    def copy_files(self) -> None:
        super().copy_files()
        for name in os.listdir(self.dest_path):  # each student opens only their own (by name)
            path = os.path.join(self.dest_path, name)
            if os.stat(path).st_uid == os.geteuid():
                os.chmod(path, FEEDBACK_FILE_MODE)


class FetchFeedback(_Checked, ExchangeFetchFeedback):
    def init_src(self) -> None:
        self._member(t("grading.action.fetch_feedback"))
        super().init_src()
