"""Issue 12's acceptance probe: a curious student on a hub started as `youthlab up` starts it.

As root, with no setting, the hub is isolated (each account its own system user). Two
students and a teacher of ``class-demo``: the teacher (here the operator's CLI, then the
teacher's own server) releases a lab, both students fetch and submit it through their own
servers, then student1's kernel tries what a curious teenager would — other homes, the
hub's secrets and processes, the exchange, the course's solutions and gradebook, other
accounts' tokens — and every attempt must be refused. The test prints ``refused N of N``.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import psutil
import pytest
import requests

from tests.conftest import ROOT
from tests.grading.fakes import GOOD, LAB, NB
from tests.hub.hubrunner import run_code, start_hub

pytestmark = [
    pytest.mark.e2e, pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None,
                       reason="isolated mode makes system users: needs root and useradd"),
]
CLS = "class-demo"


PREFIX = f"ylt{secrets.token_hex(2)}-"  # the hub's and the operator's CLI's system-user prefix


def youthlab(*args: str, data: Path) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "youthlab"), "--lang", "en", *args, "--data-dir", str(data)]
    env = {k: v for k, v in os.environ.items() if k != "YOUTHLAB_SPAWNER"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**env, "YOUTHLAB_SYSTEM_USER_PREFIX": PREFIX})


@pytest.fixture(scope="module")
def hub():
    # The default mode, as `make up` runs it (no YOUTHLAB_SPAWNER); the data folder in /tmp
    # itself, since pytest's temp folders are closed (0700) to the accounts.
    data = Path(tempfile.mkdtemp(prefix="youthlab-attacks-"))
    running = start_hub(data, {"YOUTHLAB_SPAWNER": "", "YOUTHLAB_SYSTEM_USER_PREFIX": PREFIX})
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(data, ignore_errors=True)


def _server(hub, user: str, s: requests.Session) -> tuple[requests.Session, str]:
    """The user's running server (``s``: their session from ``hub.start_servers``), opened in Lab."""
    base = f"{hub.url}user/{user}/"
    s.get(f"{base}lab", timeout=30)  # OAuth handshake with the hub
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path=f"/user/{user}/") or s.headers["X-XSRFToken"]
    return s, base


def _fetch_answer_submit(s: requests.Session, base: str, answers: dict[str, str]) -> None:
    fetched = s.post(f"{base}assignments/fetch", data={"course_id": CLS, "assignment_id": LAB}, timeout=60)
    assert fetched.ok, fetched.text
    path = f"{CLS}/{LAB}/{NB}"
    nb = nbformat.from_dict(s.get(f"{base}api/contents/{path}", timeout=30).json()["content"])
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    assert s.put(f"{base}api/contents/{path}", json={"type": "notebook", "format": "json", "content": nb},
                 timeout=30).ok
    submitted = s.post(f"{base}assignments/submit", data={"course_id": CLS, "assignment_id": LAB}, timeout=60)
    assert submitted.ok, submitted.text
    answer = submitted.json()
    assert not (isinstance(answer, dict) and answer.get("success") is False), submitted.text


def _pid_of(hub, *words: str) -> int:
    for p in psutil.Process(hub.proc.pid).children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if all(w in cmd for w in words):
            return p.pid
    raise AssertionError(f"no process with {words}")


def _server_pid(hub, account: str) -> int:
    user = hub.system_user(account)
    for p in psutil.process_iter(["username", "cmdline"]):
        if p.info["username"] == user and any("jupyterhub-singleuser" in part for part in p.info["cmdline"] or []):
            return p.pid
    raise AssertionError(f"no server of {account}")


PROBE = r'''
import errno, os, shutil, requests
results = []
def attempt(label, fn):
    try:
        fn()
        results.append((label, "ALLOWED"))
    except (PermissionError, ProcessLookupError) as exc:
        results.append((label, "REFUSED"))
    except OSError as exc:
        results.append((label, "REFUSED" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else f"ERROR {exc!r}"))
def read(path):
    with open(path, "rb") as f:
        f.read(1)
def write(path):
    with open(path, "ab") as f:
        f.write(b"x")
def http(method, url, refused=(401, 403, 404)):
    def go():
        r = requests.request(method, url, headers={"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]},
                             timeout=30)
        if r.status_code in refused:
            raise PermissionError(r.status_code)
    return go
A = %(args)r
attempt("list other student's home", lambda: os.listdir(A["home2"]))
attempt("read other student's notebook", lambda: read(A["home2_nb"]))
attempt("read hub database", lambda: read(A["db"]))
attempt("read cookie secret", lambda: read(A["cookie"]))
attempt("read hub log", lambda: read(A["log"]))
attempt("list the data folder", lambda: os.listdir(A["data"]))
attempt("read the proxy's token (its environment)", lambda: read(f"/proc/{A['proxy']}/environ"))
attempt("read the hub's environment", lambda: read(f"/proc/{A['hub']}/environ"))
attempt("read the teacher's server token (its environment)", lambda: read(f"/proc/{A['teacher_server']}/environ"))
attempt("read other student's server token (its environment)", lambda: read(f"/proc/{A['student2_server']}/environ"))
attempt("list the exchange's submissions", lambda: os.listdir(A["inbound"]))
attempt("read other student's submission", lambda: read(A["sub2_nb"]))
attempt("overwrite other student's submission", lambda: write(A["sub2_nb"]))
attempt("delete other student's submission", lambda: shutil.rmtree(A["sub2"]))
attempt("rename other student's submission", lambda: os.rename(A["sub2"], A["sub2"] + "-gone"))
attempt("make a course folder in the exchange", lambda: os.mkdir(A["exchange_evil"]))
attempt("list the course folder", lambda: os.listdir(A["course"]))
attempt("read the source notebook (solutions, hidden tests)", lambda: read(A["source_nb"]))
attempt("read the gradebook", lambda: read(A["gradebook"]))
attempt("write the gradebook", lambda: write(A["gradebook"]))
attempt("signal the hub", lambda: os.kill(A["hub"], 0))
attempt("signal the proxy", lambda: os.kill(A["proxy"], 0))
attempt("signal the teacher's server", lambda: os.kill(A["teacher_server"], 0))
attempt("list the hub's users with own token", http("GET", A["hub_api"] + "users"))
attempt("read other student's files via the contents API", http("GET", A["user2_api"] + "contents/" + A["lab_path"]))
attempt("start other student's server", http("POST", A["hub_api"] + "users/student2/server", refused=(401, 403, 404)))
for label, result in results:
    print(f"{label}: {result}")
'''


def test_a_curious_student_is_refused_everything(hub):
    data = hub.data_dir
    r = youthlab("course", "create", "visit-90", "--class", CLS, data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    r = youthlab("course", "release", LAB, "--class", CLS, data=data)
    assert r.returncode == 0, r.stdout + r.stderr

    # all three servers at once (each fetches the released lab at its start)
    sessions = hub.start_servers("teacher", "student2", "student1", timeout=180)
    t, tbase = _server(hub, "teacher", sessions["teacher"])  # the teacher's server is up (its token is a target)
    s2, base2 = _server(hub, "student2", sessions["student2"])
    _fetch_answer_submit(s2, base2, GOOD)
    s1, base1 = _server(hub, "student1", sessions["student1"])
    _fetch_answer_submit(s1, base1, {})

    inbound = data / "exchange" / CLS / "inbound"
    sub2 = next(inbound.glob(f"student2+{LAB}+*"))  # as root: the path a student would have to guess
    home2 = Path(os.path.expanduser(f"~{hub.system_user('student2')}"))
    args = {
        "home2": str(home2), "home2_nb": str(home2 / CLS / LAB / NB),
        "db": str(data / "jupyterhub.sqlite"), "cookie": str(data / "jupyterhub_cookie_secret"),
        "log": str(data / "jupyterhub.log"), "data": str(data),
        "proxy": _pid_of(hub, "configurable-http-proxy"), "hub": _pid_of(hub, "jupyterhub", "-f"),
        "teacher_server": _server_pid(hub, "teacher"), "student2_server": _server_pid(hub, "student2"),
        "inbound": str(inbound), "sub2": str(sub2), "sub2_nb": str(sub2 / NB),
        "exchange_evil": str(data / "exchange" / "class-evil"),
        "course": str(data / "courses" / CLS), "source_nb": str(data / "courses" / CLS / "source" / LAB / NB),
        "gradebook": str(data / "courses" / CLS / "gradebook.db"),
        "hub_api": f"{hub.url}hub/api/", "user2_api": f"{hub.url}user/student2/api/",
        "lab_path": f"{CLS}/{LAB}/{NB}",
    }
    assert Path(args["home2_nb"]).exists() and Path(args["source_nb"]).exists()
    kernel = s1.post(f"{base1}api/kernels", json={"name": "python3"}, timeout=60).json()["id"]
    out = run_code(base1, s1, kernel, PROBE % {"args": args}, timeout=120)
    results = dict(line.rsplit(": ", 1) for line in out.strip().splitlines() if ": " in line)
    refused = [label for label, result in results.items() if result == "REFUSED"]
    print(f"\nrefused {len(refused)} of {len(results)}")
    assert len(results) >= 25, out
    assert len(refused) == len(results), out

    # student2's work came through untouched, and the teacher grades it as theirs.
    assert (sub2 / NB).exists() and not (data / "exchange" / "class-evil").exists()
    r = youthlab("course", "collect", LAB, "--class", CLS, data=data)
    assert r.returncode == 0 and "2 of 3" in r.stdout, r.stdout + r.stderr
    r = youthlab("course", "autograde", LAB, "--class", CLS, data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    out_csv = data / "grades.csv"
    r = youthlab("course", "export", "--class", CLS, "-o", str(out_csv), data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig")))}
    assert rows["student2"][f"{LAB} score"] == "7", rows
    assert rows["student1"][f"{LAB} score"] in ("0", "0.0"), rows  # submitted without answers
