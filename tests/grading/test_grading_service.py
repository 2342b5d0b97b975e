"""The grading service: autograde from a teacher's own server runs sandboxed too.

In process: the request checks and who may grade what (a real tornado app, a stand-in
for the hub's token check). End to end (root, real hub on loopback, one start): the
teacher of class A runs ``youthlab course autograde`` in a terminal-like subprocess of
their own server's kernel (their system user, not root); the hub's grading service
grades, each submission as a sandbox user, and a submission that tries to write the
course folder cannot; a student and the teacher of class B are refused (403).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import ROOT
from tests.grading.fakes import GOOD, LAB, submit
from youthlab.grading.service import Grader, GradingDesk, grader_from_hub_model, make_app, parse_request
from youthlab.grading.service_errors import GradingRequestError
from youthlab.hub.accounts import AccountPlan

PLAN = AccountPlan("op", {"ta": ["class-a"], "tb": ["class-b"]}, {"class-a": ["sa1", "sa2"], "class-b": ["sb1"]})


# ---- in process ----------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"", b"[]", b"{\"class\": 5, \"lab\": \"x\"}", b"\xff\xfe",
                                 b'{"class": "../etc", "lab": "x"}', b'{"class": "a", "lab": "x/../y"}',
                                 b'{"class": "a", "lab": "x", "timeout": 100000}',
                                 b'{"class": "a", "lab": "x", "workers": true}', b'{"class": "a", "lab": "x", "wait": 1}'])
def test_bad_requests_are_400_with_both_languages(raw):
    with pytest.raises(GradingRequestError) as err:
        parse_request(raw)
    assert err.value.message("ko") and err.value.message("en") and err.value.hint("ko")


def test_who_may_grade_what():
    assert grader_from_hub_model({"name": "sa1", "kind": "user"}, PLAN) is None
    assert grader_from_hub_model({"name": "kiosk-print", "kind": "service"}, PLAN) is None
    ta = grader_from_hub_model({"name": "ta", "kind": "user"}, PLAN)
    assert ta.may_grade("class-a") and not ta.may_grade("class-b")
    assert grader_from_hub_model({"name": "op", "kind": "user"}, PLAN).may_grade("class-b")
    assert grader_from_hub_model({"name": "someone", "kind": "user", "admin": True}, PLAN).staff


class FakeHubAuth:
    """Stands in for HubAuth: token -> user model (scope check passes for known tokens)."""

    access_scopes = {"access:services!service=grading"}

    def __init__(self, tokens: dict[str, dict]):
        self.tokens = tokens

    async def user_for_token(self, token: str, sync: bool = False):
        return self.tokens.get(token)

    def check_scopes(self, scopes, model) -> bool:
        return True


@pytest.fixture
def service(tmp_path, monkeypatch):
    """A running app on loopback whose 'grading' waits until released (to see 409)."""
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    from tests.conftest import free_port
    from youthlab.grading import course as course_mod

    class FakeCourse:
        labs = [LAB]
        name = "class-a"

    monkeypatch.setattr(course_mod, "open_course", lambda data, cls: FakeCourse())
    release = threading.Event()

    def grade(course, lab, progress, **kw):
        from youthlab.grading.autograde import AutogradeReport

        progress(0, 2)
        release.wait(20)
        progress(2, 2)
        return AutogradeReport(lab, graded=["sa1", "sa2"], isolated=True, sandbox_users=["x-sandbox-0"])

    desk = GradingDesk(tmp_path, PLAN, grade=grade)
    tokens = {"T-ta": {"name": "ta", "kind": "user"}, "T-tb": {"name": "tb", "kind": "user"},
              "T-sa1": {"name": "sa1", "kind": "user"}}
    port = free_port()
    ready, loop_box = threading.Event(), {}

    def run() -> None:
        import asyncio

        asyncio.set_event_loop(asyncio.new_event_loop())
        HTTPServer(make_app(desk, "/services/grading/", FakeHubAuth(tokens))).listen(port, "127.0.0.1")
        loop_box["loop"] = IOLoop.current()
        ready.set()
        IOLoop.current().start()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    url = f"http://127.0.0.1:{port}/services/grading/"
    try:
        yield url, release
    finally:
        release.set()
        loop_box["loop"].add_callback(loop_box["loop"].stop)
        thread.join(10)


def _post(url, token, body, raw=None):
    return requests.post(url + "api/autograde", headers={"Authorization": f"token {token}"},
                         data=raw if raw is not None else json.dumps(body), timeout=30)


def test_service_answers_in_json_and_refuses_in_both_languages(service):
    url, release = service
    r = _post(url, "nope", {"class": "class-a", "lab": LAB})
    assert r.status_code == 403 and r.json()["message"]["ko"]
    r = _post(url, "T-sa1", {"class": "class-a", "lab": LAB})
    assert r.status_code == 403 and "sa1" in r.json()["message"]["en"]
    r = _post(url, "T-tb", {"class": "class-a", "lab": LAB})
    assert r.status_code == 403 and "class-a" in r.json()["message"]["en"], r.text
    r = requests.get(url + f"api/autograde/class-a/{LAB}", headers={"Authorization": "token T-tb"}, timeout=30)
    assert r.status_code == 403
    r = _post(url, "T-ta", None, raw=b"{not json")
    assert r.status_code == 400 and r.json()["message"]["ko"] and r.json()["hint"]["en"]
    r = _post(url, "T-ta", {"class": "class-zz", "lab": LAB})
    assert r.status_code == 404 and "class-zz" in r.json()["message"]["en"]
    r = _post(url, "T-ta", {"class": "class-a", "lab": "99-nothing"})
    assert r.status_code == 404 and "99-nothing" in r.json()["message"]["en"]
    r = requests.get(url + "api/nothing", headers={"Authorization": "token T-ta"}, timeout=30)
    assert r.status_code == 404 and r.json()["message"]["en"]
    r = requests.delete(url + "api/autograde", headers={"Authorization": "token T-ta"}, timeout=30)
    assert r.status_code == 405 and "Traceback" not in r.text and r.json()["message"]["en"]

    # one job per class: a second start while the first runs is 409; progress meanwhile
    r = _post(url, "T-ta", {"class": "class-a", "lab": LAB, "wait": False})
    assert r.status_code == 202 and r.json()["state"] == "running"
    r = _post(url, "T-ta", {"class": "class-a", "lab": LAB})
    assert r.status_code == 409 and "class-a" in r.json()["message"]["en"] and r.json()["message"]["ko"]
    r = requests.get(url + f"api/autograde/class-a/{LAB}", headers={"Authorization": "token T-ta"}, timeout=30)
    assert r.json()["state"] == "running" and r.json()["total"] == 2
    release.set()
    for _ in range(100):
        view = requests.get(url + f"api/autograde/class-a/{LAB}", headers={"Authorization": "token T-ta"},
                            timeout=30).json()
        if view["state"] != "running":
            break
        time.sleep(0.1)
    assert view["state"] == "done" and view["report"]["graded"] == ["sa1", "sa2"] and view["by"] == "ta"


# ---- end to end, as root -------------------------------------------------------------
ATTEMPT = """def stamp_price(grams):
    import os
    for target in [{course!r} + "/pwned.txt", {course!r} + "/gradebook.db"]:
        try:
            open(target, "a").write("pwned")
        except OSError:
            pass
    return 0
"""


def _server(hub, user: str) -> tuple[requests.Session, str]:
    s = hub.login(user)
    r = s.post(f"{hub.url}hub/api/users/{user}/server", timeout=60)
    assert r.status_code in (201, 202, 400, 500), r.text  # 400: already running; 500: slow spawn
    hub.wait_ready(s, user, timeout=300)
    base = f"{hub.url}user/{user}/"
    s.get(f"{base}lab", timeout=30)  # OAuth handshake with the hub
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path=f"/user/{user}/") or s.headers["X-XSRFToken"]
    return s, base


RUN_CLI = """import subprocess
r = subprocess.run(["youthlab", "--lang", "en", "course", "autograde", {lab!r}, "--class", "class-a"],
                   capture_output=True, text=True, timeout=580)
import os
print("UID", os.getuid())
print("RC", r.returncode)
print(r.stdout)
print(r.stderr[-3000:])
"""


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(os.geteuid() != 0, reason="isolated mode: the hub runs as root")
def test_teacher_autogrades_from_own_server_through_the_sandboxed_service():
    from nbgrader.api import Gradebook

    from tests.hub.hubrunner import remove_system_accounts, run_code, start_hub
    from youthlab.grading.exchange import share_course_folder
    from youthlab.hub.groups import remove_class_groups

    prefix = f"ylt{secrets.token_hex(2)}-"
    data = Path(tempfile.mkdtemp(prefix="youthlab-grading-service-"))  # /tmp: open to the accounts
    conf = Path(tempfile.mkdtemp(prefix="youthlab-grading-service-conf-"))
    conf.chmod(0o755)
    accounts = conf / "accounts.yaml"
    accounts.write_text(yaml.safe_dump({
        "operator": {"username": "op"},
        "teachers": [{"username": "ta", "classes": ["class-a"]}, {"username": "tb", "classes": ["class-b"]}],
        "classes": {"class-a": {"students": ["sa1", "sa2"]}, "class-b": {"students": ["sb1"]}}}))
    accounts.chmod(0o644)
    env = {"YOUTHLAB_SYSTEM_USER_PREFIX": prefix, "YOUTHLAB_ACCOUNTS": str(accounts)}
    hub = None
    try:
        hub = start_hub(data, env)
        cli_env = dict(os.environ, YOUTHLAB_LANG="en", **env)
        r = subprocess.run([str(Path(sys.executable).parent / "youthlab"), "course", "create", "visit-90",
                            "--class", "class-a", "--data-dir", str(data)],
                           cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        course = data / "courses" / "class-a"
        # as collect leaves them: an honest submission, and one that tries to write the course
        submit(course, "sa1")
        submit(course, "sa2", dict(GOOD, stamp_price=ATTEMPT.format(course=str(course))))
        share_course_folder(course, "class-a", prefix)
        before = (course / "gradebook.db").stat().st_mtime_ns

        # The teacher, in a terminal of their own server (their system user, not root).
        t, tbase = _server(hub, "ta")
        kernel = t.post(f"{tbase}api/kernels", json={"name": "python3"}, timeout=60).json()
        out = run_code(tbase, t, kernel["id"], RUN_CLI.format(lab=LAB), timeout=600)
        print(out)
        assert "UID 0" not in out and "RC 0" in out, out
        assert "Graded 2 students" in out, out
        assert "Graded by the hub's grading service" in out, out
        assert f"isolated sandbox user ({prefix}sandbox-" in out, out
        assert "NOT isolated" not in out, out
        assert not (course / "pwned.txt").exists()
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "class-a") as gb:
            assert gb.find_submission(LAB, "sa1").score == 7
            assert gb.find_submission(LAB, "sa2").score < 7  # its own points: the attempt returned 0
        assert (course / "gradebook.db").stat().st_mtime_ns != before

        url = f"{hub.url}services/grading/"
        refused = {}
        for who in ("sa1", "tb"):
            token = hub.token(who)
            r = requests.post(url + "api/autograde", headers={"Authorization": f"token {token}"},
                              json={"class": "class-a", "lab": LAB}, timeout=60)
            refused[f"{who}: autograde class-a"] = r.status_code == 403 and bool(r.json()["message"]["ko"])
            r = requests.get(url + f"api/autograde/class-a/{LAB}", headers={"Authorization": f"token {token}"},
                             timeout=60)
            refused[f"{who}: read class-a's report"] = r.status_code == 403 and "graded" not in r.text
        ta = {"Authorization": f"token {hub.token('ta')}"}
        r = requests.post(url + "api/autograde", headers=ta, data=b"{\"class\": [1]}", timeout=60)
        refused["ta: bad request"] = r.status_code == 400 and bool(r.json()["message"]["en"])
        r = requests.post(url + "api/autograde", headers=ta, json={"class": "class-b", "lab": LAB}, timeout=60)
        refused["ta: class-b"] = r.status_code == 403
        print(f"\nrefused {sum(refused.values())} of {len(refused)}: {refused}")
        assert all(refused.values()), refused
        last = requests.get(url + f"api/autograde/class-a/{LAB}", headers=ta, timeout=60)
        assert last.status_code == 200 and last.json()["state"] == "done"
        assert sorted(last.json()["report"]["graded"]) == ["sa1", "sa2"] and last.json()["by"] == "ta"
    finally:
        if hub is not None:
            hub.stop()
        remove_system_accounts(prefix)
        remove_class_groups(PLAN, prefix=prefix)
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(conf, ignore_errors=True)


def test_the_teachers_cli_client_follows_progress_and_shows_refusals(service, monkeypatch):
    from youthlab.grading.service_client import remote_autograde
    from youthlab.grading.service_errors import GradingServiceRefused, GradingServiceUnreachable

    url, release = service
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "T-ta")
    seen = []
    threading.Timer(1.0, release.set).start()
    report = remote_autograde("class-a", LAB, url, progress=lambda d, t: seen.append((d, t)), poll=0.1)
    assert report.graded == ["sa1", "sa2"] and report.isolated and (2, 2) in seen
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "T-sa1")
    with pytest.raises(GradingServiceRefused) as err:
        remote_autograde("class-a", LAB, url)
    assert err.value.status == 403 and "sa1" in err.value.message("en") and err.value.message("ko") != err.value.message("en")
    with pytest.raises(GradingServiceUnreachable):
        remote_autograde("class-a", LAB, "http://127.0.0.1:9/services/grading/")
