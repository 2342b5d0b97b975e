"""The hub's data folder: its private files are private from the moment they exist.

The database, cookie secret, hub and proxy pid files, account seeds and the log are
created 0600 by us (``O_CREAT`` with mode 0600; the cookie secret generated here) before
the hub opens them, so they are never readable by others, not even for a moment; files
opened with ``open(path, "w")`` keep the mode of the file they truncate. The proxy's pid
file, which JupyterHub deletes and rewrites, is written by
:class:`youthlab.hub.private_proxy.PrivateFilesProxy`.
This does not depend on the umask, and leaves the umask of the hub (and of what it
starts) alone. The folder is 0700 in demo mode (every server runs as the hub's user) and
0711 in isolated mode (accounts' servers pass through to the few shared folders they
are given by full path — the boards' locks, the Jupyter config — but cannot list it).

This module does not import JupyterHub (~0.6 s and ~500 modules: its database layer and
metrics): the names of the files and the helpers serve ``youthlab doctor``, ``youthlab
recover`` and the launcher too.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DATABASE = "jupyterhub.sqlite"
COOKIE_SECRET = "jupyterhub_cookie_secret"
LOG = "jupyterhub.log"
HUB_PID = "jupyterhub.pid"
PROXY_PID = "jupyterhub-proxy.pid"
SEEDS = "account-seeds.json"  # youthlab.hub.accounts.SEED_FILE
PRIVATE_FILES = (DATABASE, COOKIE_SECRET, LOG, HUB_PID, PROXY_PID, SEEDS)


def data_dir_mode(isolated: bool) -> int:
    return 0o711 if isolated else 0o700


def create_private(path: Path, content: bytes = b"") -> bool:
    """Create ``path`` with mode 0600 (and ``content``) if it does not exist; True if made."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return True


def open_private(path: Path):
    """Open a log for appending; a new one is made 0600."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")


def prepare_data_dir(data: Path, isolated: bool) -> None:
    """Make the data folder for the mode and the hub's private files in it (0600).

    Files of an older install that were made readable by others are closed (0600).
    """
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    data.chmod(data_dir_mode(isolated))
    create_private(data / DATABASE)  # an empty file is a valid new SQLite database
    create_private(data / COOKIE_SECRET, secrets.token_hex(32).encode() + b"\n")
    create_private(data / HUB_PID)
    for name in PRIVATE_FILES:
        path = data / name
        if path.is_file() and not path.is_symlink() and path.stat().st_mode & 0o077:
            path.chmod(0o600)
