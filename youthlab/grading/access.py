"""Who may touch a course and its exchange, and errors that name the real cause.

In isolated mode the operating system decides (folder modes and class groups, see
:mod:`youthlab.grading.exchange`); these checks only ask it first, so that a teacher of
another class or a student of another class reads *why* (ko/en), not ``PermissionError``.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import sys
from pathlib import Path

from youthlab.errors import YouthLabError


class CourseAccessDenied(YouthLabError):
    """The caller is not in the teachers' group of the class."""

    key = "grading.access.not_teacher"
    hint_key = "grading.access.not_teacher.hint"


class ClassAccessDenied(YouthLabError):
    """The caller is not a member (student or teacher) of the class."""

    key = "grading.access.not_member"
    hint_key = "grading.access.not_member.hint"


class ExchangeNotPrepared(YouthLabError):
    key = "grading.access.exchange_missing"
    hint_key = "grading.access.exchange_missing.hint"


class ExchangeUnreachable(YouthLabError):
    """A folder above the exchange is closed to this account (a data folder under /root)."""

    key = "grading.access.exchange_unreachable"
    hint_key = "grading.access.exchange_unreachable.hint"


class NbgraderToolMissing(YouthLabError):
    key = "grading.access.tool_missing"
    hint_key = "grading.access.tool_missing.hint"


def whoami() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _group_name(path: Path) -> str:
    try:
        gid = path.stat().st_gid
    except OSError:
        return "?"
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def require_teacher(course_root: Path, cls: str, action: str, write: bool = True) -> None:
    """Raise :class:`CourseAccessDenied` unless this process may work in the course folder."""
    need = os.R_OK | os.X_OK | (os.W_OK if write else 0)
    if not os.access(course_root, need):
        raise CourseAccessDenied(user=whoami(), cls=cls, group=_group_name(course_root), action=action,
                                 path=str(course_root))


def require_member(course_exchange: Path, cls: str, action: str) -> None:
    """Raise :class:`ClassAccessDenied` unless this process may enter ``exchange/<class>``."""
    if not course_exchange.is_dir() and os.access(course_exchange.parent, os.X_OK):
        raise ExchangeNotPrepared(cls=cls, path=str(course_exchange))
    if not os.access(course_exchange, os.X_OK):
        raise ClassAccessDenied(user=whoami(), cls=cls, group=_group_name(course_exchange), action=action)


def venv_bin() -> Path:
    """The folder of the running interpreter's tools (``alembic``, ``nbgrader``)."""
    return Path(sys.executable).parent


def path_with_venv(path: str | None = None) -> str:
    """``PATH`` with the interpreter's bin folder first (nbgrader starts ``alembic`` by name)."""
    rest = os.environ.get("PATH", "") if path is None else path
    return os.pathsep.join([str(venv_bin()), rest]) if rest else str(venv_bin())


def require_nbgrader_tools() -> None:
    """Fail before anything is made when nbgrader's helper tools are not installed."""
    if shutil.which("alembic", path=path_with_venv()) is None:
        raise NbgraderToolMissing(tool="alembic", bin=str(venv_bin()))


class NeedsRoot(YouthLabError):
    """Making an isolated course (system groups, folder owners) is the operator's job."""

    key = "grading.access.needs_root"
    hint_key = "grading.access.needs_root.hint"
