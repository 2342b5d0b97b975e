"""Serial devices for students' kernels in isolated mode.

A USB board shows up as ``/dev/ttyUSB0`` / ``/dev/ttyACM0`` owned by ``root:dialout``,
mode 0660 (Debian, Ubuntu). When each account is its own system user, a student's kernel
can open the station's board only if that user is in ``dialout``: the spawner adds it
(``youthlab.hub.groups.add_to_groups``) before the server starts, and the server process takes
its supplementary groups from the group database (``initgroups``) when it drops root.
Which groups: ``YOUTHLAB_DEVICE_GROUPS`` (comma-separated, default ``dialout``; empty
for none). Groups the machine does not have are skipped.
"""

from __future__ import annotations

from typing import Mapping

from youthlab.boards.settings import BoardSettings


def device_groups(environ: Mapping[str, str] | None = None) -> list[str]:
    """The groups for serial devices from ``YOUTHLAB_DEVICE_GROUPS`` (default ``dialout``)."""
    value = BoardSettings.setting("device_groups", environ)
    return [g.strip() for g in value.split(",") if g.strip()]
