"""Where the project's folders are: labs, hardware, games, curricula, hub_config, data.

The overrides are knobs of :class:`ProjectSettings` (``youthlab config --area project``)
and, for the data folder and the accounts plan, of
:class:`~youthlab.hub.settings.HubSettings`; each is read when asked, so a child process
or a test that sets the variable is seen.
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets import Unicode

from youthlab.config import EnvConfigurable, knob
from youthlab.hub.settings import HubSettings
from youthlab.i18n import LANGUAGE_VAR

PACKAGE_DIR = Path(__file__).resolve().parent


class ProjectSettings(EnvConfigurable):
    """Where the project's files are, when not in this checkout; the language spoken."""

    root = knob(Unicode(""), "YOUTHLAB_ROOT")
    labs_dir = knob(Unicode(""), "YOUTHLAB_LABS_DIR")
    # Listed here for `youthlab config`; youthlab.i18n reads it at each lookup (a kernel's
    # language follows its environment of the moment), and it imports no settings.
    language = knob(Unicode(""), LANGUAGE_VAR)


def project_root() -> Path:
    """The checkout that holds ``labs/`` and ``hub_config/`` (override: ``YOUTHLAB_ROOT``)."""
    root = ProjectSettings.setting("root")
    return Path(root).resolve() if root else PACKAGE_DIR.parent


def labs_dir() -> Path:
    """The labs (override: ``YOUTHLAB_LABS_DIR``, e.g. a centre's own lab collection)."""
    folder = ProjectSettings.setting("labs_dir")
    return Path(folder).resolve() if folder else project_root() / "labs"


def accounts_file() -> Path:
    """The accounts and classes plan (override: ``YOUTHLAB_ACCOUNTS``)."""
    plan = HubSettings.setting("accounts")
    return Path(plan) if plan else hub_config_dir() / "accounts.yaml"


def hardware_dir() -> Path:
    return project_root() / "hardware"


def games_dir() -> Path:
    return project_root() / "games"


def curricula_dir() -> Path:
    return project_root() / "curricula"


def hub_config_dir() -> Path:
    return project_root() / "hub_config"


SHARED_DATA_BASE = Path("/var/lib/youthlab")


def closed_to_others(folder: Path) -> Path | None:
    """The highest folder on the way to ``folder`` that a user with no special rights cannot
    pass through (no ``o+x``), or None if they can reach it."""
    import stat

    folder = Path(os.path.realpath(folder))
    for part in (*reversed(folder.parents), folder):
        try:
            if not part.stat().st_mode & stat.S_IXOTH:
                return part
        except OSError:
            return part
    return None


def passable_by_others(folder: Path) -> bool:
    """Can a user with no special rights pass through ``folder`` and every folder above it?"""
    return closed_to_others(folder) is None


def shared_data_dir(root: Path | None = None) -> Path:
    """``/var/lib/youthlab/<checkout name>-<hash of its path>``: one data folder per checkout
    (the same naming as the runtime mirror under ``/opt/youthlab``)."""
    import hashlib
    import re

    root = (root or project_root()).resolve()
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:8]
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", root.name) or "root"
    return SHARED_DATA_BASE / f"{name}-{digest}"


def data_dir() -> Path:
    """Runtime state (hub database, secrets, student homes).

    ``YOUTHLAB_DATA_DIR`` wins; else ``var/`` in the checkout — unless we run as root in
    isolated mode and the checkout is closed to other users (a checkout under ``/root``,
    mode 0700): the accounts' system users could not reach the exchange or the boards'
    locks there, so the data lives in :func:`shared_data_dir` instead. One rule, so
    ``youthlab up`` and ``youthlab course …`` find the same folder.
    """
    data = HubSettings.setting("data_dir")
    if data:
        return Path(data).resolve()
    root = project_root()
    if os.geteuid() == 0 and not passable_by_others(root):
        from youthlab.hub import identity

        try:
            isolated = identity.isolated_mode()
        except ValueError:  # a bad YOUTHLAB_SPAWNER is reported by `youthlab up`
            isolated = False
        if isolated:
            return shared_data_dir(root)
    return root / "var"


def own_data_dir(part: str) -> Path:
    """``data_dir() / part`` if this process may write there, else the same under
    ``~/.youthlab`` — a student running as their own system user keeps their own state
    (simulate-first record, virtual boards) in their home."""
    shared = data_dir() / part
    probe = shared
    while not probe.exists() and probe != probe.parent:  # the folder that would be written in
        probe = probe.parent
    if os.access(probe, os.W_OK | os.X_OK):
        return shared
    return Path.home() / ".youthlab" / part


def venv_bin() -> Path:
    """The ``bin`` folder of the Python running us (the project's ``.venv``)."""
    import sys

    return Path(sys.executable).parent


def node_bin() -> Path:
    """Where ``npm install`` put the project's node tools (configurable-http-proxy)."""
    return project_root() / "node_modules" / ".bin"
