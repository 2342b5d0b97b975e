"""Where the project's folders are: labs, hardware, games, curricula, hub_config, data."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout that holds ``labs/`` and ``hub_config/`` (override: ``YOUTHLAB_ROOT``)."""
    env = os.environ.get("YOUTHLAB_ROOT")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parent


def labs_dir() -> Path:
    """The labs (override: ``YOUTHLAB_LABS_DIR``, e.g. a centre's own lab collection)."""
    env = os.environ.get("YOUTHLAB_LABS_DIR")
    return Path(env).resolve() if env else project_root() / "labs"


def hardware_dir() -> Path:
    return project_root() / "hardware"


def games_dir() -> Path:
    return project_root() / "games"


def curricula_dir() -> Path:
    return project_root() / "curricula"


def hub_config_dir() -> Path:
    return project_root() / "hub_config"


def data_dir() -> Path:
    """Runtime state (hub database, secrets, student homes); ``YOUTHLAB_DATA_DIR`` or ``var/``."""
    env = os.environ.get("YOUTHLAB_DATA_DIR")
    return Path(env).resolve() if env else project_root() / "var"


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
