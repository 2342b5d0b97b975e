"""Serial devices for students' kernels in isolated mode.

A USB board shows up as ``/dev/ttyUSB0`` / ``/dev/ttyACM0`` owned by ``root:dialout``,
mode 0660 (Debian, Ubuntu). When each account is its own system user, a student's kernel
can open the station's board only if that user is in ``dialout``: the spawner adds it
(:func:`add_to_device_groups`) before the server starts, and the server process takes
its supplementary groups from the group database (``initgroups``) when it drops root.
Which groups: ``YOUTHLAB_DEVICE_GROUPS`` (comma-separated, default ``dialout``; empty
for none). Groups the machine does not have are skipped.
"""

from __future__ import annotations

import grp
import subprocess
import time
from typing import Iterable, Mapping

from youthlab.boards.settings import BoardSettings


def device_groups(environ: Mapping[str, str] | None = None) -> list[str]:
    """The groups for serial devices from ``YOUTHLAB_DEVICE_GROUPS`` (default ``dialout``)."""
    value = BoardSettings.setting("device_groups", environ)
    return [g.strip() for g in value.split(",") if g.strip()]


def add_to_device_groups(user: str, groups: Iterable[str]) -> list[str]:
    """Make ``user`` a member of each existing group in ``groups``; returns the groups it
    was added to now (already a member, or no such group: nothing to do)."""
    added = []
    for name in groups:
        try:
            members = grp.getgrnam(name).gr_mem
        except KeyError:
            continue
        if user in members:
            continue
        for attempt in range(20):  # a class starting at once: another usermod/useradd may hold the lock
            r = subprocess.run(["usermod", "--append", "--groups", name, user], capture_output=True, text=True)
            if r.returncode == 0 or "lock" not in r.stderr.lower():
                break
            time.sleep(0.1 * (attempt + 1))
        if r.returncode != 0:
            raise subprocess.CalledProcessError(r.returncode, r.args, r.stdout, r.stderr)
        added.append(name)
    return added
