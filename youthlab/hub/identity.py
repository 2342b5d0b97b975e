"""Who a hub account is on the machine: the one place that maps accounts to system users.

The hall runs in one of two spawner modes (``YOUTHLAB_SPAWNER``):

- ``system-users`` (*isolated*): every account runs as its own system user
  ``<prefix><account>`` (``yl-student1``); classes become system groups so that course
  folders and the nbgrader exchange can be shared with exactly the right people.
  The default whenever the hub runs as root (the hall's server, CI).
- ``demo``: every account's server runs as the hub's own system user, each in its own
  home folder; no isolation between accounts. The default for a laptop run without root,
  and loopback-only unless the operator says otherwise. ``simple`` is an old name for it.

Everything that needs to know the mode or an account's system identity (the spawner,
grading, the print queue, the board locks) asks here, so the rule lives in one place.
"""

from __future__ import annotations

import os
import re
from typing import Mapping

from youthlab.config import SettingError
from youthlab.hub.settings import HubSettings

ISOLATED = "system-users"
DEMO = "demo"
_ALIASES = {"simple": DEMO, "demo": DEMO, "system-users": ISOLATED, "isolated": ISOLATED}
NAME_MAX = 32  # useradd's limit on user and group names


def spawner_mode(environ: Mapping[str, str] | None = None) -> str:
    """``system-users`` or ``demo``: ``YOUTHLAB_SPAWNER`` (:class:`HubSettings` ``spawner``)
    if set, else isolated when root. A value it cannot take is a ValueError (ko/en text)."""
    try:
        value = HubSettings.setting("spawner", environ).strip().lower()
    except SettingError as exc:
        raise ValueError(exc.message()) from None
    if value:
        return _ALIASES[value]
    return ISOLATED if os.geteuid() == 0 else DEMO


def isolated_mode(environ: Mapping[str, str] | None = None) -> bool:
    return spawner_mode(environ) == ISOLATED


def system_user_prefix(environ: Mapping[str, str] | None = None) -> str:
    """``YOUTHLAB_SYSTEM_USER_PREFIX`` (:class:`HubSettings` ``system_user_prefix``)."""
    return HubSettings.setting("system_user_prefix", environ)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", name.lower())


def system_user_for(account: str, prefix: str | None = None) -> str:
    """The system user that account ``account`` runs as in isolated mode (``yl-student1``).

    The prefix keeps hub names apart from the machine's own users: an account called
    ``operator`` or ``root`` must never become that user.
    """
    return ((system_user_prefix() if prefix is None else prefix) + _slug(account))[:NAME_MAX]


def class_group_for(cls: str, prefix: str | None = None) -> str:
    """System group of a class's members (students and teachers): ``yl-c-<class>``."""
    return ((system_user_prefix() if prefix is None else prefix) + "c-" + _slug(cls))[:NAME_MAX]


def teachers_group_for(cls: str, prefix: str | None = None) -> str:
    """System group of a class's teachers (course folder, gradebook): ``yl-t-<class>``."""
    return ((system_user_prefix() if prefix is None else prefix) + "t-" + _slug(cls))[:NAME_MAX]
