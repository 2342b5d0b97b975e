"""Crash recovery and a clean stop (issue 14), on a real hub as root, loopback.

As the operator did: the hub (and its `youthlab up`) is killed with SIGKILL while two
students work; the proxy, the services and both servers live on. `youthlab doctor` must
say so; the next `youthlab up` on the same data folder must start (no "port in use"),
stop the dead hub's proxy and services, and take the students' servers over: their
saved file is there, their kernel still holds its variable, through the new proxy. Then
a SIGTERM (a service manager's stop) must bring everything down within the bound, with
nothing of the data folder left running.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from youthlab.hub import recovery

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")


def _needs_root():
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("needs root and useradd (isolated mode)")


def _of_this_run(data: Path, prefix: str) -> list[str]:
    """Every process that mentions the data folder or runs as one of the run's users."""
    found = []
    own = {os.getpid()}
    for p in psutil.process_iter(["pid", "username", "cmdline", "status"]):
        if p.pid in own or p.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmd = " ".join(p.info["cmdline"] or [])
        try:
            env = p.environ()
            cwd = p.cwd()
        except psutil.Error:
            env, cwd = {}, ""
        if (p.info["username"] or "").startswith(prefix) or str(data) in cmd or \
                env.get("YOUTHLAB_DATA_DIR") == str(data) or cwd.startswith(str(data)):
            found.append(f"{p.pid} {p.info['username']} {cmd[:120]}")
    return found


def _hub_pid(launcher: subprocess.Popen) -> int:
    for child in psutil.Process(launcher.pid).children(recursive=True):
        if any(Path(part).name == "jupyterhub" for part in child.cmdline()[:2]):
            return child.pid
    raise AssertionError("no jupyterhub under youthlab up")


def _start_server(hub, session, user: str) -> None:
    r = session.post(f"{hub.url}hub/api/users/{user}/server", timeout=180)
    assert r.status_code in (201, 202, 400, 500), r.text  # 500/400: slow spawn or already running
    hub.wait_ready(session, user, timeout=180)
    _open_lab(hub, session, user)


def _open_lab(hub, session, user: str) -> None:
    """As the browser does: open Lab (the OAuth handshake with the hub), take its XSRF cookie."""
    for _ in range(3):  # on a loaded machine the first OAuth callback may answer 500: reload, as a browser user
        lab = session.get(f"{hub.url}user/{user}/lab", timeout=60)
        if lab.status_code == 200:
            break
        time.sleep(2)
    assert lab.status_code == 200 and "JupyterLab" in lab.text, lab.status_code
    session.headers["X-XSRFToken"] = session.cookies.get("_xsrf", path=f"/user/{user}/") or \
        session.headers["X-XSRFToken"]


def _kernel(hub, session, user: str) -> str:
    r = session.post(f"{hub.url}user/{user}/api/kernels", json={"name": "python3"}, timeout=60)
    r.raise_for_status()
    return r.json()["id"]


@pytest.fixture
def crash_data():
    _needs_root()
    data = Path(tempfile.mkdtemp(prefix="youthlab-crash-"))
    prefix = f"ylt{os.urandom(2).hex()}-"
    hubs = []
    yield data, prefix, hubs
    for hub in hubs:  # whatever the test did: stop every hub and what it left, remove users
        for pid in hub.all_pids():
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass
        hub.proc.poll()
    recovery.stop_everything(data, grace=2)
    from tests.hub.hubrunner import remove_system_accounts

    remove_system_accounts(prefix)
    from youthlab.hub.limits import make_backend

    import hashlib

    try:
        make_backend("auto", hub_id=hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:8]).cleanup_stale()
    except Exception:  # noqa: BLE001
        pass
    if not os.environ.get("YOUTHLAB_KEEP_TEST_DATA"):
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.timeout(2400)
def test_kill_9_then_up_again_takes_the_students_over_and_sigterm_stops_everything(crash_data):
    from tests.hub.hubrunner import run_code, start_hub

    data, prefix, hubs = crash_data
    env = {"YOUTHLAB_SYSTEM_USER_PREFIX": prefix, "YOUTHLAB_CULL_IDLE": "3600"}
    first = start_hub(data, env)
    hubs.append(first)
    students = ("student1", "student2")
    kernels = {}
    sessions = first.start_servers(*students, timeout=180)  # both at once, as a class arrives
    for user in students:
        _open_lab(first, sessions[user], user)
    for user in students:
        s = sessions[user]
        r = s.put(f"{first.url}user/{user}/api/contents/before-crash.txt",
                  json={"type": "file", "format": "text", "content": f"saved by {user}"}, timeout=30)
        assert r.status_code in (200, 201), r.text
        kernels[user] = _kernel(first, s, user)
        assert "ready" in run_code(f"{first.url}user/{user}/", s, kernels[user],
                                   f"answer = '{user}-42'; print('ready')")
    # The crash: `youthlab up` and the hub both killed, as a terminal closed by force would.
    hub_pid = _hub_pid(first.proc)
    before = recovery.find(data)
    assert before.proxy and before.services and len(before.servers) == 2, before
    os.kill(first.proc.pid, signal.SIGKILL)
    os.kill(hub_pid, signal.SIGKILL)
    first.proc.wait(10)
    assert recovery.wait_gone({hub_pid}, 10)
    orphans = recovery.find(data)
    assert orphans.proxy == before.proxy and set(orphans.servers) == set(before.servers)

    # The operator asks doctor: it names the leftovers and exits 1.
    doc = subprocess.run([YOUTHLAB, "doctor"], env=dict(os.environ, YOUTHLAB_DATA_DIR=str(data), YOUTHLAB_LANG="en",
                                                        YOUTHLAB_SYSTEM_USER_PREFIX=prefix),
                         capture_output=True, text=True, timeout=900)
    assert doc.returncode == 1 and "Processes left by an earlier hub" in doc.stdout, doc.stdout
    assert f"proxy (PID {before.proxy})" in doc.stdout and "youthlab up" in doc.stdout, doc.stdout

    # `youthlab up` again, the same command on the same data folder: it starts, and says what it did.
    args = first.proc.args
    same = tuple(x for opt in ("--port", "--hub-api-port", "--proxy-api-port", "--kiosk-port")
                 for x in (opt, args[args.index(opt) + 1]))  # given last, they win
    second = start_hub(data, env, up_args=same)
    second.url = first.url
    hubs.append(second)
    out = "".join(second.output)
    assert "taken over by the new hub" in out and "Stopped" in out, out
    assert not any(psutil.pid_exists(p) for p in [before.proxy, *before.services]), "dead hub's proxy/services live"
    second.passwords = first.passwords
    for user in students:
        s = second.login(user)
        second.wait_ready(s, user, timeout=60)  # adopted: ready without a new spawn
        _open_lab(second, s, user)
        r = s.get(f"{second.url}user/{user}/api/contents/before-crash.txt", timeout=30)
        assert r.status_code == 200 and r.json()["content"] == f"saved by {user}", r.text
        assert f"{user}-42" in run_code(f"{second.url}user/{user}/", s, kernels[user], "print(answer)")
    assert set(recovery.find(data).servers) == set(before.servers), "servers were restarted, not taken over"

    # A service manager's stop: SIGTERM to `youthlab up`, everything down within the bound.
    t0 = time.monotonic()
    second.proc.send_signal(signal.SIGTERM)
    second.proc.wait(recovery.FIRST_STOP_BOUND + 10)
    took = time.monotonic() - t0
    print(f"SIGTERM stop took {took:.1f} s (bound {recovery.FIRST_STOP_BOUND:.0f} s)")
    assert took <= recovery.FIRST_STOP_BOUND, took
    left = _of_this_run(data, prefix)
    assert not left, "left running:\n" + "\n".join(left)
    assert before.servers and not any(psutil.pid_exists(p) for p in before.servers)


def _kiosk_kernels(data: Path) -> list[int]:
    """Kernels of the kiosk service (Voila's preheated pool), found as the operator would: ps."""
    found = recovery.find(data)
    kiosk = [pid for pid, name in found.services.items() if name == "kiosk"]
    return [c.pid for pid in kiosk for c in psutil.Process(pid).children(recursive=True)
            if "ipykernel" in " ".join(c.cmdline())]


@pytest.mark.timeout(1800)
def test_double_ctrl_c_with_a_kiosk_kernel_and_a_student_kernel_stops_everything_at_once(crash_data):
    from tests.hub.hubrunner import run_code, start_hub

    data, prefix, hubs = crash_data
    hub = start_hub(data, {"YOUTHLAB_SYSTEM_USER_PREFIX": prefix, "YOUTHLAB_KIOSK": "on",
                           "YOUTHLAB_KIOSK_PIN": "730419", "YOUTHLAB_FLIGHT": "on",
                           "YOUTHLAB_FLIGHT_PORT": str(__import__("tests.conftest").conftest.free_port()),
                           "YOUTHLAB_FLIGHT_STATE_PORT": str(__import__("tests.conftest").conftest.free_port())},
                    timeout=300)
    hubs.append(hub)
    s = hub.login("student1")
    _start_server(hub, s, "student1")
    kernel = _kernel(hub, s, "student1")
    assert "1" in run_code(f"{hub.url}user/student1/", s, kernel, "print(1)")
    deadline = time.monotonic() + 240
    while not _kiosk_kernels(data) and time.monotonic() < deadline:  # the kiosk preheats its apps
        time.sleep(2)
    assert _kiosk_kernels(data), "the kiosk started no kernel"
    running = recovery.find(data)
    assert {"kiosk", "flight"} <= set(running.services.values()) and running.servers, running

    t0 = time.monotonic()
    hub.proc.send_signal(signal.SIGINT)  # Ctrl-C …
    time.sleep(1.0)
    t1 = time.monotonic()
    hub.proc.send_signal(signal.SIGINT)  # … and Ctrl-C again
    hub.proc.wait(recovery.FIRST_STOP_BOUND + 10)
    second, total = time.monotonic() - t1, time.monotonic() - t0
    print(f"double Ctrl-C: down {second:.1f} s after the second (bound {recovery.SECOND_STOP_BOUND:.0f} s), "
          f"{total:.1f} s in all")
    assert second <= recovery.SECOND_STOP_BOUND, second
    left = _of_this_run(data, prefix)
    assert not left, "left running:\n" + "\n".join(left)


@pytest.mark.timeout(1200)
def test_hub_killed_under_youthlab_up_is_reported_as_stopped_unexpectedly_and_leaves_nothing(crash_data):
    from tests.hub.hubrunner import start_hub

    data, prefix, hubs = crash_data
    hub = start_hub(data, {"YOUTHLAB_SYSTEM_USER_PREFIX": prefix})
    hubs.append(hub)
    s = hub.login("student1")
    _start_server(hub, s, "student1")
    assert recovery.find(data).servers
    os.kill(_hub_pid(hub.proc), signal.SIGKILL)
    rest = hub.proc.stdout.read()
    code = hub.proc.wait(recovery.FIRST_STOP_BOUND + 10)
    assert code != 0 and "The hub stopped unexpectedly" in rest and "could not start" not in rest, rest
    left = _of_this_run(data, prefix)
    assert not left, "left running:\n" + "\n".join(left)
