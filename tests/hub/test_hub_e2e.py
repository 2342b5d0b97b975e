"""End to end: the real hub, proxy and single-user servers on loopback."""

from __future__ import annotations

import os
import time

import psutil
import pytest
import requests

from tests.hub.hubrunner import run_code, start_hub

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    running = start_hub(tmp_path_factory.mktemp("hubdata"))
    yield running
    running.stop()


def test_first_start_prints_every_demo_account_once(hub):
    assert set(hub.passwords) == {"operator", "teacher", "student1", "student2", "student3"}
    # Only hashes are kept: no plain password is in any file of the data folder.
    for path in hub.data_dir.rglob("*"):
        if path.is_file() and path.suffix != ".log":
            data = path.read_bytes()
            for password in hub.passwords.values():
                assert password.encode() not in data, f"plain password found in {path}"


def test_wrong_password_is_refused(hub):
    s = requests.Session()
    page = s.get(f"{hub.url}hub/login", timeout=10)
    import re

    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = s.post(f"{hub.url}hub/login", data={"username": "student1", "password": "not-it-123",
               "_xsrf": xsrf}, timeout=10)
    assert r.status_code == 403 or "Invalid" in r.text or "invalid" in r.text
    assert s.get(f"{hub.url}hub/api/user", timeout=10).status_code in (401, 403)


def test_student_logs_in_spawns_opens_welcome_lab_and_runs_a_cell(hub):
    s = hub.login("student1")
    r = s.post(f"{hub.url}hub/api/users/student1/server", timeout=60)
    assert r.status_code in (201, 202, 500), r.text  # 500: slow spawn, still going on
    hub.wait_ready(s, "student1")

    base = f"{hub.url}user/student1/"
    # The first visit runs the hub's OAuth handshake; the server opens JupyterLab.
    lab = s.get(f"{base}lab", timeout=30)
    assert lab.status_code == 200 and "JupyterLab" in lab.text
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/user/student1/") or s.headers["X-XSRFToken"]

    nb = s.get(f"{base}api/contents/00-welcome/welcome.ipynb", timeout=30)
    assert nb.status_code == 200
    cells = nb.json()["content"]["cells"]
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert "안녕하세요" in first_code["source"]

    kernel = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60)
    assert kernel.status_code == 201, kernel.text
    out = run_code(base, s, kernel.json()["id"], first_code["source"])
    assert "안녕하세요, 우체국!" in out and "Hello, 우체국!" in out

    # A YouthLab error in a student's cell reads as a friendly message, not a traceback.
    out = run_code(base, s, kernel.json()["id"],
                   "from youthlab.errors import ConfigError\nraise ConfigError(detail='x')")
    assert "youthlab-error" in out and "Traceback" not in out and "ConfigError:" not in out

    # JupyterLab speaks Korean by default.
    settings = s.get(f"{base}lab/api/settings/@jupyterlab/translation-extension:plugin", timeout=30)
    assert settings.ok and settings.json()["settings"].get("locale") == "ko_KR"


def test_memory_limit_stops_a_runaway_allocation_not_the_server(hub):
    s = hub.login("student1")
    hub.wait_ready(s, "student1")
    base = f"{hub.url}user/student1/"
    s.get(f"{base}lab", timeout=30)
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/user/student1/") or s.headers["X-XSRFToken"]
    kernel = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60).json()
    # Per-process rlimits turn the allocation into a MemoryError; the account's cgroup
    # (youthlab.hub.limits) stops it by ending that kernel. Either way the server lives on.
    try:
        out = run_code(base, s, kernel["id"], "x = bytearray(3 * 1024**3)\nprint('ALLOCATED')", timeout=60)
    except Exception as exc:  # noqa: BLE001 — the kernel's websocket went away with it
        out = f"kernel ended: {exc!r}"
    assert "ALLOCATED" not in out, out
    if "MemoryError" not in out:  # the kernel was ended (and restarted empty), not still allocating
        time.sleep(3)
        state = s.get(f"{base}api/kernels/{kernel['id']}", timeout=30)
        assert state.status_code == 404 or state.json()["execution_state"] != "busy", state.text
    assert s.get(f"{base}api/status", timeout=30).status_code == 200  # the server is still there
    fresh = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60).json()
    assert "ok" in run_code(base, s, fresh["id"], "print('ok')")


def test_students_cannot_reach_each_other_but_their_teacher_can(hub):
    s1 = hub.login("student1")
    hub.wait_ready(s1, "student1")
    student2 = {"Authorization": f"token {hub.token('student2')}"}
    teacher = {"Authorization": f"token {hub.token('teacher')}"}
    contents = f"{hub.url}user/student1/api/contents/00-welcome"

    # student2 cannot read student1's files nor manage their server
    assert requests.get(contents, headers=student2, timeout=30).status_code == 403
    assert requests.get(f"{hub.url}hub/api/users/student1", headers=student2, timeout=10).status_code in (403, 404)
    assert requests.delete(f"{hub.url}hub/api/users/student1/server", headers=student2,
                           timeout=10).status_code in (403, 404)

    # the teacher of the class sees the student and can open their files
    r = requests.get(f"{hub.url}hub/api/users/student1", headers=teacher, timeout=10)
    assert r.status_code == 200 and r.json()["servers"][""]["ready"]
    assert requests.get(contents, headers=teacher, timeout=30).status_code == 200
    listed = requests.get(f"{hub.url}hub/api/users", headers=teacher, timeout=10).json()
    assert {u["name"] for u in listed} <= {"student1", "student2", "student3", "teacher"}
    # …but is not a hub admin: no access to the operator or to creating users
    assert requests.get(f"{hub.url}hub/api/users/operator", headers=teacher, timeout=10).status_code in (403, 404)
    assert requests.post(f"{hub.url}hub/api/users/intruder", headers=teacher, timeout=10).status_code == 403
    me = requests.get(f"{hub.url}hub/api/user", headers=teacher, timeout=10).json()
    assert me["admin"] is False


def test_ctrl_c_leaves_no_process(tmp_path):
    hub = start_hub(tmp_path / "data")
    try:
        s = hub.login("student2")
        s.post(f"{hub.url}hub/api/users/student2/server", timeout=60)
        hub.wait_ready(s, "student2")
        pids = hub.all_pids()
        assert len(pids) >= 4  # youthlab up, hub, proxy, culler, student server
        names = " ".join(" ".join(psutil.Process(p).cmdline()) for p in pids if psutil.pid_exists(p))
        assert "configurable-http-proxy" in names and "jupyterhub-singleuser" in names
    finally:
        hub.proc.send_signal(2)
        hub.proc.wait(60)
    out = hub.proc.stdout.read()
    assert "No processes are left" in out
    psutil.wait_procs([psutil.Process(p) for p in pids if psutil.pid_exists(p)], timeout=10)
    left = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert left == [], f"processes left: {left}"
    hub.stop()

    # A second start keeps the accounts and does not print passwords again.
    again = start_hub(tmp_path / "data")
    try:
        assert again.passwords == {}
        assert any("already exist" in line for line in again.output)
        again.passwords = hub.passwords
        again.login("student2")
    finally:
        again.stop()


def test_the_hub_starts_the_labs_services_it_learns_from_entry_points(tmp_path):
    """kiosk, print, flight and grading: registered by their areas, started by the hub,
    routed by the proxy, announced in the banner, each a process of the hub's tree."""
    from tests.conftest import free_port

    env = {"YOUTHLAB_KIOSK": os.environ.get("YLT_KIOSK", "on"), "YOUTHLAB_KIOSK_POOL": "0", "YOUTHLAB_FLIGHT": "on",
           "YOUTHLAB_FLIGHT_PORT": str(free_port()), "YOUTHLAB_FLIGHT_STATE_PORT": str(free_port()),
           "YOUTHLAB_PRINT": "on", "YOUTHLAB_GRADING_SERVICE": "on",
           "YOUTHLAB_KIOSK_PIN": "730419x", "YOUTHLAB_TEACHER_PIN": "flight-730419"}
    running = start_hub(tmp_path / "data", env)
    try:
        banner = "".join(running.output)
        assert "services/flight/" in banner
        token = running.token("operator")
        names = set(requests.get(f"{running.url}hub/api/services", timeout=10,
                                 headers={"Authorization": f"token {token}"}).json())
        assert {"print", "kiosk-print", "flight", "grading", "idle-culler"} <= names
        pending = {"print", "flight", "grading"}
        if env["YOUTHLAB_KIOSK"] == "on":
            assert "kiosk" in names and "services/kiosk/" in banner
            pending.add("kiosk")
        nobody = requests.get(f"{running.url}services/ylt-nobody/", timeout=10, allow_redirects=False)
        seen = {}
        deadline = time.monotonic() + 90
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                r = requests.get(f"{running.url}services/{name}/", timeout=10, allow_redirects=False)
                seen[name] = (r.status_code, r.headers.get("Location"), r.text[:120])
                # answered by the service itself, not the proxy (503: nobody listens) or the hub
                if r.status_code not in (502, 503) and (r.status_code, r.headers.get("Location")) != (
                        nobody.status_code, nobody.headers.get("Location")):
                    pending.discard(name)
            time.sleep(0.5)
        assert not pending, f"not answering behind the proxy: {seen}"
    finally:
        running.stop()
