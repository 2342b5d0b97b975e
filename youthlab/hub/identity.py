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

ISOLATED = "system-users"
DEMO = "demo"
_ALIASES = {"simple": DEMO, "demo": DEMO, "system-users": ISOLATED, "isolated": ISOLATED}
DEFAULT_PREFIX = "yl-"
NAME_MAX = 32  # useradd's limit on user and group names


def spawner_mode(environ: dict[str, str] | None = None) -> str:
    """``system-users`` or ``demo``: ``YOUTHLAB_SPAWNER`` if set, else isolated when root."""
    env = os.environ if environ is None else environ
    value = env.get("YOUTHLAB_SPAWNER", "").strip().lower()
    if value:
        if value not in _ALIASES:
            raise ValueError(f"YOUTHLAB_SPAWNER={value!r}: expected 'system-users' or 'demo'")
        return _ALIASES[value]
    return ISOLATED if os.geteuid() == 0 else DEMO


def isolated_mode(environ: dict[str, str] | None = None) -> bool:
    return spawner_mode(environ) == ISOLATED


def system_user_prefix(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("YOUTHLAB_SYSTEM_USER_PREFIX", DEFAULT_PREFIX)


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
