"""`youthlab doctor` and the CLI as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")


def run(*args, env=None):
    return subprocess.run([YOUTHLAB, *args], capture_output=True, text=True, env=env, timeout=120)


def test_doctor_passes_on_the_set_up_machine():
    r = run("--lang", "en", "doctor")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Everything is ready." in r.stdout


def test_doctor_names_a_missing_node_and_says_how_to_fix_it(tmp_path):
    # A PATH with the usual tools but no node: like a fresh machine before setup.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("fc-list", "socat", "chromium"):
        for d in os.environ["PATH"].split(os.pathsep):
            if (Path(d) / tool).exists():
                (bin_dir / tool).symlink_to(Path(d) / tool)
                break
    env = dict(os.environ, PATH=str(bin_dir))
    r = run("--lang", "en", "doctor", env=env)
    assert r.returncode == 1
    assert "Node.js (runs the proxy): missing" in r.stdout
    assert "sudo apt-get install nodejs npm" in r.stdout
    ko = run("--lang", "ko", "doctor", env=env)
    assert "Node.js (프록시 실행용): 없음" in ko.stdout


def test_up_refuses_a_busy_port_with_a_clear_message(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run("--lang", "en", "up", "--port", str(port), "--data-dir", str(tmp_path))
    assert r.returncode == 2
    assert f"Port {port} is already used" in r.stderr and "Traceback" not in r.stderr


def test_up_refuses_a_busy_flight_service_port_before_starting_anything(tmp_path):
    import os
    import socket

    from tests.conftest import free_port

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        r = run("--lang", "en", "up", "--port", str(free_port()), "--data-dir", str(tmp_path),
                env=dict(os.environ, YOUTHLAB_FLIGHT="on", YOUTHLAB_FLIGHT_PORT=str(busy)))
    assert r.returncode == 2
    assert f"Port {busy} is already used" in r.stderr and "Traceback" not in r.stderr


def test_help_lists_the_commands():
    r = run("--help")
    assert r.returncode == 0 and "up" in r.stdout and "doctor" in r.stdout
