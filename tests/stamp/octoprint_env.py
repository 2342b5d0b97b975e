"""A real OctoPrint 1.11.8 with its Virtual Printer for the print-queue tests.

OctoPrint lives in its own venv (``var/octoprint-venv``, created once with pip, ~40 s),
never in the project's. Each server gets a fresh base dir, an admin user with a known API
key, the Virtual Printer on the serial port ``VIRTUAL`` (autoconnect), loopback only, and
is stopped by PID afterwards.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1.11.8"


def venv_dir() -> Path:
    return Path(os.environ.get("YOUTHLAB_OCTOPRINT_VENV", ROOT / "var" / "octoprint-venv"))


def ensure_octoprint() -> Path:
    """The ``octoprint`` executable, installing it into its own venv the first time."""
    venv = venv_dir()
    exe = venv / "bin" / "octoprint"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / ".octoprint-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs must not install at once
        if exe.is_file() and (venv / f".installed-{VERSION}").is_file():
            return exe
        if not (venv / "bin" / "python").is_file():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"octoprint=={VERSION}"], check=True)
        (venv / f".installed-{VERSION}").touch()
    return exe


def configure(basedir: Path, exe: Path) -> str:
    """Non-interactive setup: admin user with an API key, Virtual Printer, no wizard, no
    online checks. Returns the API key."""
    basedir.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(exe), "--basedir", str(basedir), "user", "add", "--password",
                    secrets.token_urlsafe(12), "--admin", "admin"], check=True,
                   capture_output=True, timeout=120)
    key = secrets.token_hex(16).upper()
    users_path = basedir / "users.yaml"
    users = yaml.safe_load(users_path.read_text()) or {}
    users["admin"]["apikey"] = key
    users_path.write_text(yaml.safe_dump(users))
    cfg_path = basedir / "config.yaml"
    cfg = yaml.safe_load(cfg_path.read_text()) if cfg_path.is_file() else {}
    cfg = cfg or {}
    cfg.update({
        "server": {"firstRun": False, "onlineCheck": {"enabled": False},
                   "pluginBlacklist": {"enabled": False}, "seenWizards": {"corewizard": 4}},
        "serial": {"port": "VIRTUAL", "baudrate": 0, "autoconnect": True},
        "plugins": {"virtual_printer": {"enabled": True},
                    "tracking": {"enabled": False},
                    "announcements": {"enabled_channels": []},
                    "softwareupdate": {"check_overlay_url": "", "notify_users": False},
                    "pluginmanager": {"repository": "", "notices": ""}},
    })
    cfg_path.write_text(yaml.safe_dump(cfg))
    return key


@contextmanager
def octoprint_server(basedir: Path, port: int, timeout: float = 120) -> Iterator[tuple[str, str]]:
    """Start OctoPrint on 127.0.0.1:port; yields (url, api_key); stops it by PID."""
    from tests.conftest import kill_tree

    exe = ensure_octoprint()
    key = configure(basedir, exe)
    cmd = [str(exe), "--basedir", str(basedir), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if os.geteuid() == 0:
        cmd.append("--iknowwhatimdoing")  # OctoPrint refuses to run as root otherwise
    log = open(basedir / "serve.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"octoprint exited: {(basedir / 'serve.log').read_text()[-2000:]}")
            try:
                r = requests.get(f"{url}/api/connection", headers={"X-Api-Key": key}, timeout=2)
                if r.ok and r.json()["current"]["state"].startswith("Operational"):
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("OctoPrint did not become operational")
            time.sleep(0.5)
        yield url, key
    finally:
        kill_tree(proc.pid)
        log.close()
