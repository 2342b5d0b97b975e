"""Class warm-up against the real hub: a teacher starts their class's servers ahead of time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hub.hubrunner import start_hub
from youthlab.hub.errors import HubRefused
from youthlab.hub.classes import HubClient, server_state, stop_class, warm_up

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def youthlab(*args: str, token: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as a teacher would: the token in YOUTHLAB_HUB_TOKEN (never on the command line)."""
    env = {k: v for k, v in os.environ.items() if k not in ("YOUTHLAB_HUB_TOKEN", "JUPYTERHUB_API_TOKEN")}
    if token is not None:
        env["YOUTHLAB_HUB_TOKEN"] = token
    return subprocess.run([str(Path(sys.executable).parent / "youthlab"), "--lang", "en", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, input=stdin)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    # The hub as `make up` starts it as root: isolated (tests/grading/conftest.py puts the
    # CLI-only grading tests in demo mode; an empty value means "the default").
    running = start_hub(tmp_path_factory.mktemp("hubdata"), {"YOUTHLAB_KIOSK": "off", "YOUTHLAB_SPAWNER": ""})
    yield running
    running.stop()


def test_teacher_warms_up_the_class_sees_status_and_stops_it(hub):
    token = hub.token("teacher")
    r = youthlab("class", "start", "class-demo", "--hub-url", hub.url, "--pace", "2", token=token)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 of 3 ready" in r.stdout
    users = HubClient(hub.url, token).users()
    assert all(server_state(users[s]) == "ready" for s in ("student1", "student2", "student3"))
    assert "teacher" not in r.stdout  # only the students' servers are started

    r = youthlab("class", "status", "class-demo", "--hub-url", hub.url, "--token-file", "-", stdin=token + "\n")
    assert r.returncode == 0 and r.stdout.count("| ready |") == 3, r.stdout

    # A second warm-up finds everyone ready and returns at once.
    r = youthlab("class", "start", "class-demo", "--hub-url", hub.url, token=token)
    assert r.returncode == 0 and "3 of 3 ready" in r.stdout

    r = youthlab("class", "stop", "class-demo", "--hub-url", hub.url, token=token)
    assert r.returncode == 0 and "Stopped 3" in r.stdout


def test_warm_up_starts_several_servers_at_once_and_stops_at_a_refusal(hub):
    client = HubClient(hub.url, hub.token("teacher"))
    students = client.members("class-demo")
    stop_class(client, students)
    deadline = time.monotonic() + 60
    while any(server_state(client.users()[s]) != "off" for s in students) and time.monotonic() < deadline:
        time.sleep(0.5)
    report = warm_up(client, students, pace=3)
    assert sorted(report.ready) == students and not report.failed
    # The hub holds each start request open until that server is up: asked one after
    # another, the class would start one server at a time.
    assert report.most_at_once >= 2, report
    stop_class(client, students)

    with pytest.raises(HubRefused):  # the operator is not in the teacher's class
        warm_up(client, ["operator"], pace=1)


def test_a_student_cannot_start_the_class_and_is_told_why(hub):
    r = youthlab("class", "start", "class-demo", "--hub-url", hub.url, token=hub.token("student1"))
    assert r.returncode == 2
    assert "refused" in r.stderr and "token" in r.stderr and "Traceback" not in r.stderr


def test_unreachable_hub_is_a_clear_error():
    r = youthlab("class", "status", "class-demo", "--hub-url", "http://127.0.0.1:9", token="x")
    assert r.returncode == 2 and "Cannot reach the hub" in r.stderr


def test_a_token_on_the_command_line_is_refused_before_anything_is_sent(tmp_path):
    # Every user can read a process's arguments: the CLI refuses the token there …
    r = youthlab("class", "status", "class-demo", "--hub-url", "http://127.0.0.1:9", "--token", "secret-token")
    assert r.returncode == 2 and "visible to every user" in r.stderr and "--token-file" in r.stderr, r.stderr
    assert "Cannot reach the hub" not in r.stderr  # refused before any request
    # … and reads it from a file instead (here: the unreachable hub is the next thing it says).
    token_file = tmp_path / "token"
    token_file.write_text("x\n")
    r = youthlab("class", "status", "class-demo", "--hub-url", "http://127.0.0.1:9", "--token-file", str(token_file))
    assert r.returncode == 2 and "Cannot reach the hub" in r.stderr, r.stderr
    r = youthlab("class", "status", "class-demo", "--hub-url", "http://127.0.0.1:9", "--token-file",
                 str(tmp_path / "missing"))
    assert r.returncode == 2 and "Cannot read the token file" in r.stderr, r.stderr
