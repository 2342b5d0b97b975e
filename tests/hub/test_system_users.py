"""Isolated mode (the default as root): every account runs as its own system user.

Real `useradd`-made users on this machine (a random prefix, removed afterwards), the real
hub started as `youthlab up` starts it, with no mode setting, from this checkout (its
Python is pyenv's under /root, mode 0700: the servers run from the runtime mirror), with
the flight service: a student's kernel runs as ``<prefix>student1``, keeps its
home to itself, cannot read the hub's database or secret, cannot list the data folder,
cannot signal the flight service (its own system user) — and the labs, the simulator and real flights through
the service still work.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, free_port
from tests.drone.conftest import udp_port
from tests.drone.test_board import SQUARE
from tests.hub.hubrunner import run_code, start_hub

pytestmark = [
    pytest.mark.machine_resource("tello-udp-8889"),  # its drone listens on 127.0.0.9:8889
    pytest.mark.e2e, pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None,
                       reason="the hub makes system users: needs root and useradd"),
]


DRONE = "127.0.0.9"  # the classroom drone's address in this test (a Tello emulator)


@pytest.fixture(scope="module")
def drone():
    from youthlab.drone.emulator import TelloEmulator

    emu = TelloEmulator(host=DRONE, port=8889, state_port=udp_port(), time_scale=5.0).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def hub(drone):
    prefix = f"ylt{secrets.token_hex(2)}-"
    data = Path(tempfile.mkdtemp(prefix="youthlab-system-users-"))
    subprocess.run(["useradd", "--system", "--no-create-home", prefix + "flight"], check=True)  # the service's
    env = {k: v for k, v in os.environ.items() if k != "YOUTHLAB_SPAWNER"}  # no mode setting: the default
    # pyenv's Python is under /root (0700) here, so the default already mirrors; "always"
    # keeps that so while another test opens /root for a moment.
    running = start_hub(data, {**env, "YOUTHLAB_SYSTEM_USER_PREFIX": prefix, "YOUTHLAB_RUNTIME_MIRROR": "always",
                               "YOUTHLAB_FLIGHT_USER": prefix + "flight",
                               "YOUTHLAB_FLIGHT": "on", "YOUTHLAB_FLIGHT_PORT": str(free_port()),
                               "YOUTHLAB_FLIGHT_STATE_PORT": str(drone.state_port), "YOUTHLAB_FLIGHT_DRONE": DRONE})
    try:
        yield running, prefix
    finally:
        running.stop()  # removes every <prefix>* user and group (the flight user too)
        if not os.environ.get("YOUTHLAB_KEEP_TEST_DATA"):
            shutil.rmtree(data, ignore_errors=True)


def _kernel(hub, user: str):
    s = hub.login(user)
    s.post(f"{hub.url}hub/api/users/{user}/server", timeout=60)
    hub.wait_ready(s, user, timeout=180)
    base = f"{hub.url}user/{user}/"
    s.get(f"{base}lab", timeout=30)
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path=f"/user/{user}/") or s.headers["X-XSRFToken"]
    kernel = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60)
    assert kernel.status_code == 201, kernel.text
    return base, s, kernel.json()["id"]


def test_each_student_is_their_own_system_user_and_cannot_touch_the_hub_or_the_flight_service(hub):
    running, prefix = hub
    _kernel(running, "student2")  # student2's home exists too
    base, s, kernel = _kernel(running, "student1")
    service = next(p for p in psutil.Process(running.proc.pid).children(recursive=True)
                   if "service" in p.cmdline() and "drone" in p.cmdline())
    assert service.username() == f"{prefix}flight"  # the flight service is its own system user
    service_pid = service.pid
    data = running.data_dir
    probe = f"""
import os, pwd, sys
print("USER", pwd.getpwuid(os.getuid()).pw_name, "UIDS", os.getresuid(), os.getresgid(), os.getgroups())
print("PYTHON", sys.executable)
home = os.path.expanduser("~")
print("HOME", home, oct(os.stat(home).st_mode & 0o777), "00-welcome" in os.listdir(home))
def attempt(label, fn):
    try:
        fn()
        print(label, "ALLOWED")
    except PermissionError:
        print(label, "DENIED")
attempt("database", lambda: open({str(data / 'jupyterhub.sqlite')!r}, "rb").read(1))
attempt("cookie", lambda: open({str(data / 'jupyterhub_cookie_secret')!r}, "rb").read(1))
attempt("list-data", lambda: os.listdir({str(data)!r}))
attempt("log", lambda: open({str(data / 'jupyterhub.log')!r}, "rb").read(1))
attempt("proxy-pid", lambda: open({str(data / 'jupyterhub-proxy.pid')!r}, "rb").read(1))
attempt("hub-pid", lambda: open({str(data / 'jupyterhub.pid')!r}, "rb").read(1))
attempt("other-home", lambda: os.listdir("/home/{prefix}student2"))
attempt("signal-service", lambda: os.kill({service_pid}, 0))
"""
    out = run_code(base, s, kernel, probe, timeout=60)
    assert f"USER {prefix}student1 UIDS" in out, out
    uid = __import__("pwd").getpwnam(f"{prefix}student1").pw_uid
    assert f"UIDS ({uid}, {uid}, {uid})" in out and ", 0," not in out.split("UIDS")[1].split("\n")[0], out
    # pyenv's Python is under /root (0700), never opened: the server runs from the mirror.
    python = out.split("PYTHON ", 1)[1].split()[0]
    assert not python.startswith(("/root", str(ROOT))) and python.startswith("/opt/youthlab/"), out
    assert f"HOME /home/{prefix}student1 0o700 True" in out, out
    refused = [label for label in ("database", "cookie", "list-data", "log", "proxy-pid", "hub-pid",
                                    "other-home", "signal-service") if f"{label} DENIED" in out]
    print(f"refused {len(refused)} of 8")
    assert len(refused) == 8, out
    # The hub's private files were never readable by others, and the folder is traverse-only.
    assert stat.S_IMODE(data.stat().st_mode) == 0o711
    for name in ("jupyterhub.sqlite", "jupyterhub_cookie_secret", "jupyterhub.log", "jupyterhub.pid",
                 "jupyterhub-proxy.pid"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name

    # The labs still work: a simulator flight (its record in the student's own home) …
    out = run_code(base, s, kernel, "from youthlab.drone.program import run_program\n"
                   f"r = run_program({SQUARE!r}, watchdog=False)\nprint('SIM', r['sim_pass'])", timeout=120)
    assert "SIM True" in out, out
    # … and the real drone through the flight service, as themself.
    out = run_code(base, s, kernel, "import subprocess\n"
                   f"open('square.py', 'w').write({SQUARE!r})\n"
                   "r = subprocess.run(['youthlab', '--lang', 'en', 'drone', 'fly', 'square.py', '--backend', 'tello'],"
                   " capture_output=True, text=True)\nprint('RC', r.returncode, r.stdout, r.stderr)", timeout=180)
    assert "RC 0" in out and "The real flight is over" in out, out
    owner = Path(f"/home/{prefix}student1/square.py").stat().st_uid
    assert owner == __import__("pwd").getpwnam(f"{prefix}student1").pw_uid


def _firewall_rules(prefix: str) -> list[list[str]]:
    out = subprocess.run([str(Path(sys.executable).with_name("youthlab")), "drone", "firewall", "--drone", DRONE,
                          "--service-user", prefix + "flight"], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines() if line and not line.startswith("#")]


@pytest.mark.skipif(shutil.which("iptables") is None, reason="needs iptables (make setup installs it)")
def test_with_the_firewall_rules_only_the_flight_service_reaches_the_drone(hub, drone):
    running, prefix = hub
    rules = _firewall_rules(prefix)
    assert rules and all(rule[:2] == ["iptables", "-A"] for rule in rules)
    applied = []
    try:
        for rule in rules:
            subprocess.run(rule, check=True, capture_output=True)
            applied.append(rule)
        base, s, kernel = _kernel(running, "student1")
        sent_before = len(drone.received)
        out = run_code(base, s, kernel, "import socket\n"
                       "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                       "try:\n"
                       f"    s.sendto(b'takeoff', ({DRONE!r}, 8889)); print('SENT')\n"
                       "except OSError as e:\n"
                       "    print('BLOCKED', e.errno)\n", timeout=60)
        assert "BLOCKED" in out, out
        time.sleep(0.5)
        assert len(drone.received) == sent_before  # nothing reached the drone from the kernel
        # … while the service (its own user) still flies the student's program.
        out = run_code(base, s, kernel, "import subprocess\n"
                       f"open('square.py', 'w').write({SQUARE!r})\n"
                       "r = subprocess.run(['youthlab', '--lang', 'en', 'drone', 'fly', 'square.py', '--backend', 'tello'],"
                       " capture_output=True, text=True)\nprint('RC', r.returncode, r.stdout, r.stderr)", timeout=180)
        assert "RC 0" in out and "The real flight is over" in out, out
    finally:
        for rule in applied:
            subprocess.run(["iptables", "-D", *rule[2:]], capture_output=True)
