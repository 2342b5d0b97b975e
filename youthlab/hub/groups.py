"""System groups of the classes, for isolated mode: who may reach a course and its exchange.

Per class (``hub_config/accounts.yaml``) two groups (names from :mod:`youthlab.hub.identity`):

- ``yl-c-<class>``: the class's students and teachers (may enter ``exchange/<class>``);
- ``yl-t-<class>``: the class's teachers (own the course folder, read submissions).

Membership is *set*, not added to: it is made equal to the plan's accounts that already
have a system user, so a teacher taken off a class loses its folders at their next start.
The spawner calls :func:`ensure_account_groups` before it starts a server (the server's
process takes its groups at that moment); ``youthlab course create`` calls
:func:`sync_class_groups` for its class. Needs root (``groupadd``, ``gpasswd``).

Serial devices: a USB board shows up as ``/dev/ttyUSB0`` / ``/dev/ttyACM0`` owned by
``root:dialout``, mode 0660 (Debian, Ubuntu). When each account is its own system user, a
student's kernel can open the station's board only if that user is in ``dialout``: the
spawner adds it (:func:`add_to_groups` with :func:`device_groups`) before the server
starts, and the server process takes its supplementary groups from the group database
(``initgroups``) when it drops root. Which groups: ``YOUTHLAB_DEVICE_GROUPS``
(comma-separated, default ``dialout``; empty for none). Groups the machine does not have
are skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import pwd
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from youthlab.hub.accounts import AccountPlan, load_plan
from youthlab.hub.identity import class_group_for, system_user_for, teachers_group_for
from youthlab.hub.settings import HubSettings
from youthlab.paths import accounts_file

_LOCK = threading.Lock()
_LOCK_FILE = Path(tempfile.gettempdir()) / "youthlab-groups.lock"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One change to /etc/group at a time (gpasswd refuses while another one holds it)."""
    with _LOCK, open(_LOCK_FILE, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _tool(name: str) -> str:
    """groupadd, usermod and gpasswd live in /usr/sbin, which a plain PATH may not have."""
    import os
    import shutil

    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])) or name


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def run_account_tool(args: list[str]) -> subprocess.CompletedProcess:
    """Run useradd/groupadd/usermod, again while another one holds /etc/passwd's or /etc/group's lock."""
    for attempt in range(20):
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode == 0 or "lock" not in r.stderr.lower():
            break
        time.sleep(0.1 * (attempt + 1))
    return r


def device_groups(environ: Mapping[str, str] | None = None) -> list[str]:
    """The groups for serial devices from ``YOUTHLAB_DEVICE_GROUPS`` (default ``dialout``)."""
    value = HubSettings.setting("device_groups", environ)
    return [g.strip() for g in value.split(",") if g.strip()]


def add_to_groups(user: str, groups: Iterable[str]) -> list[str]:
    """Make system user ``user`` a member of each existing group in ``groups`` (``usermod
    --append``); returns the groups it was added to now (already a member, or no such
    group: nothing to do). The spawner gives each account the station's device groups
    (:func:`device_groups`) this way."""
    added = []
    for name in groups:
        try:
            members = grp.getgrnam(name).gr_mem
        except KeyError:
            continue
        if user in members:
            continue
        r = run_account_tool([_tool("usermod"), "--append", "--groups", name, user])
        if r.returncode != 0:
            raise subprocess.CalledProcessError(r.returncode, r.args, r.stdout, r.stderr)
        added.append(name)
    return added


def ensure_group(name: str, gid: int | None = None) -> int:
    """The gid of group ``name``, made with ``groupadd`` if missing (with id ``gid`` when
    given and free)."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        pass
    args = [_tool("groupadd")]
    if gid is not None:
        try:
            grp.getgrgid(gid)
        except KeyError:
            args += ["--gid", str(gid)]
    r = run_account_tool([*args, name])
    if r.returncode not in (0, 9):  # 9: another made it meanwhile
        raise subprocess.CalledProcessError(r.returncode, r.args, r.stdout, r.stderr)
    return grp.getgrnam(name).gr_gid


def _set_members(group: str, users: list[str]) -> None:
    if sorted(grp.getgrnam(group).gr_mem) != sorted(users):
        subprocess.run([_tool("gpasswd"), "-M", ",".join(users), group], check=True, capture_output=True)


def class_members(plan: AccountPlan, cls: str) -> tuple[list[str], list[str]]:
    """(class members, teachers) of ``cls`` as hub account names."""
    teachers = sorted(t for t, classes in plan.teachers.items() if cls in classes)
    return sorted(set(plan.classes.get(cls, [])) | set(teachers)), teachers


def sync_class_groups(plan: AccountPlan, classes: list[str] | None = None,
                      prefix: str | None = None) -> dict[str, tuple[str, str]]:
    """Make the groups of ``classes`` (default: all) and set their members; returns
    class -> (class group, teachers group)."""
    made = {}
    with _locked():
        for cls in plan.classes if classes is None else classes:
            members, teachers = class_members(plan, cls)
            cgroup, tgroup = class_group_for(cls, prefix), teachers_group_for(cls, prefix)
            ensure_group(cgroup)
            ensure_group(tgroup)
            _set_members(cgroup, [u for u in (system_user_for(a, prefix) for a in members) if _user_exists(u)])
            _set_members(tgroup, [u for u in (system_user_for(a, prefix) for a in teachers) if _user_exists(u)])
            made[cls] = (cgroup, tgroup)
    return made


def classes_of(plan: AccountPlan, account: str) -> list[str]:
    """Classes ``account`` studies in or teaches."""
    return sorted({cls for cls, students in plan.classes.items() if account in students}
                  | set(plan.teachers.get(account, [])))


def ensure_account_groups(plan: AccountPlan, account: str, prefix: str | None = None) -> list[str]:
    """Before ``account``'s server starts: the groups of its classes exist and hold exactly
    the right members (its own system user must exist already). Returns the classes."""
    classes = [c for c in classes_of(plan, account) if c in plan.classes]
    if classes:
        sync_class_groups(plan, classes, prefix)
    return classes


def remove_class_groups(plan: AccountPlan, classes: list[str] | None = None, prefix: str | None = None) -> None:
    """Delete the classes' groups (tests' teardown; a class taken out of the plan)."""
    with _locked():
        for cls in plan.classes if classes is None else classes:
            for group in (class_group_for(cls, prefix), teachers_group_for(cls, prefix)):
                subprocess.run([_tool("groupdel"), group], capture_output=True)


def ensure_groups_for_spawn(account: str, prefix: str | None = None) -> list[str]:
    """:func:`ensure_account_groups` with the hub's plan (``YOUTHLAB_ACCOUNTS`` or
    ``hub_config/accounts.yaml``): what the spawner calls before a server starts."""
    plan = load_plan(accounts_file())
    return ensure_account_groups(plan, account, prefix)
