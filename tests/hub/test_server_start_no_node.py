"""A student's server starts and serves JupyterLab without running Node.js.

Node.js work at a server start (yarn's registry lookup, npm's global prefix, the build
check) costs ~1.5 CPU-s a student, paid 60 times when a class arrives, for extension
installs and builds no student makes. A fake ``node``/``npm`` first on the PATH records
every call and hands it to the real one; the stock ``jupyter lab`` start shows the test
sees them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import kill_tree

ROOT = Path(__file__).resolve().parents[2]
HALL_START = "import sys; from youthlab.hub.singleuser import prepare; prepare(); " \
             "from jupyterlab.labapp import main; sys.exit(main())"
STOCK_START = "import sys; from jupyterlab.labapp import main; sys.exit(main())"


def _recording_bin(folder: Path, calls: Path) -> Path:
    folder.mkdir()
    for tool in ("node", "npm"):
        real = shutil.which(tool)
        if real is None:
            pytest.skip(f"{tool} is not installed")
        script = folder / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\nexec "{real}" "$@"\n')
        script.chmod(0o755)
    return folder


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_lab(tmp_path: Path, code: str, config_path: str) -> tuple[list[str], str]:
    """Start a server, open JupyterLab as its page does; the Node.js calls and the page."""
    tmp_path.mkdir()
    calls = tmp_path / "calls.txt"
    calls.write_text("")
    bin_dir = _recording_bin(tmp_path / "bin", calls)
    home = tmp_path / "home"
    home.mkdir()
    port = _free_port()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(home),
           "JUPYTER_CONFIG_DIR": str(home / ".jupyter"), "JUPYTER_CONFIG_PATH": config_path,
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    proc = subprocess.Popen([sys.executable, "-c", code, "--no-browser", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
                             f"--ServerApp.root_dir={home}", "--allow-root"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(base + "api/status", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            assert proc.poll() is None, "the server exited"
            time.sleep(0.2)
        page = requests.get(base + "lab", timeout=30)
        page.raise_for_status()
        for path in ("api/kernelspecs", "lab/api/settings", "lab/api/extensions"):
            requests.get(base + path, timeout=30).raise_for_status()
        if '"buildCheck": true' in page.text:  # the page would ask for a build check
            requests.get(base + "lab/api/build", timeout=60).raise_for_status()
        return [line for line in calls.read_text().splitlines() if line], page.text
    finally:
        kill_tree(proc.pid)


@pytest.mark.timeout(240)
def test_a_hall_server_opens_jupyterlab_without_node(tmp_path):
    calls, page = _serve_lab(tmp_path / "hall", HALL_START, str(ROOT / "hub_config"))
    assert calls == []
    config = re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    assert '"buildCheck": false' in config and '"buildAvailable": false' in config
    assert '"can_install": false' in config and '"name": "read-only"' in config

    stock, _ = _serve_lab(tmp_path / "stock", STOCK_START, str(tmp_path / "no-config"))
    assert any(call.startswith("node ") for call in stock), stock  # what the hall's start saves
