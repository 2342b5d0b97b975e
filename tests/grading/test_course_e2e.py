"""End to end with the real hub, proxy, single-user servers and nbgrader on loopback.

A teacher creates the class's course from a curriculum and releases a lab; a student
fetches, answers and submits it through *their own server's* nbgrader API; the teacher
collects, autogrades and exports, and the grade is in the CSV. Students get no
formgrader and cannot reach each other's work.
"""

from __future__ import annotations

import csv
import io
import os
import pwd
import shutil
import tempfile
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import requests

from tests.conftest import ROOT
from tests.grading.fakes import GOOD, LAB, NB
from tests.hub.hubrunner import run_code, start_hub

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CLS = "class-demo"


def youthlab(*args: str, data: Path) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "youthlab"), "--lang", "en", *args, "--data-dir", str(data)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    # the CLI below and the hub use one system-user prefix (isolated mode: class groups)
    prefix = os.environ.get("YOUTHLAB_SYSTEM_USER_PREFIX")
    # in /tmp itself: pytest's own temp folders are closed (0700) to the accounts' system users
    data = Path(tempfile.mkdtemp(prefix="youthlab-course-e2e-"))
    running = start_hub(data, {"YOUTHLAB_SYSTEM_USER_PREFIX": prefix} if prefix else None)
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(data, ignore_errors=True)


def _server(hub, user: str, s: requests.Session | None = None) -> tuple[requests.Session, str]:
    """The user's server, opened in Lab; started here unless ``s`` (their session) asked for it already."""
    if s is None:
        s = hub.login(user)
        r = s.post(f"{hub.url}hub/api/users/{user}/server", timeout=60)
        assert r.status_code in (201, 202, 400, 500), r.text  # 400: already running; 500: slow spawn
    hub.wait_ready(s, user, timeout=240)
    base = f"{hub.url}user/{user}/"
    s.get(f"{base}lab", timeout=30)  # OAuth handshake with the hub
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path=f"/user/{user}/") or s.headers["X-XSRFToken"]
    return s, base


def test_class_course_release_fetch_submit_collect_autograde_export(hub):
    data = hub.data_dir
    r = youthlab("course", "create", "visit-90", "--class", CLS, data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "05-python-basics" in r.stdout and "10-first-flight" in r.stdout  # made / skipped (not written yet)
    r = youthlab("course", "release", LAB, "--class", CLS, data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    # The teacher's servers (their own, and one named after the class: how a teacher of
    # several classes grades each) start meanwhile; they are used at the end.
    t = hub.login("teacher")
    for server in ("server", f"servers/{CLS}"):
        r = t.post(f"{hub.url}hub/api/users/teacher/{server}", timeout=60)
        assert r.status_code in (201, 202, 500), r.text  # 500: slow spawn, still going on

    # The student sees the released lab in their own server's Assignments list: their server
    # fetched it when it started (one copy, under ~/<class>/<lab>); fetch it if it did not.
    s, base = _server(hub, "student1")
    listed = s.get(f"{base}assignments", params={"course_id": CLS}, timeout=60)
    assert listed.ok and isinstance(listed.json()["value"], list), listed.text[-3000:]
    status = {a["assignment_id"]: a["status"] for a in listed.json()["value"]}
    assert status.get(LAB) in ("released", "fetched"), status
    if status[LAB] == "released":
        fetched = s.post(f"{base}assignments/fetch", data={"course_id": CLS, "assignment_id": LAB}, timeout=60)
        assert fetched.ok, fetched.text
    path = f"{CLS}/{LAB}/{NB}"
    nb = s.get(f"{base}api/contents/{path}", timeout=30).json()["content"]
    sources = "".join("".join(c["source"]) for c in nb["cells"])
    assert "BEGIN SOLUTION" not in sources and "HIDDEN TESTS" not in sources
    assert "assert stamp_price(51)" not in sources  # hidden tests never reach the student
    # where a solution was, the student reads where to write, in both languages
    assert "# 여기에 코드를 쓰세요 · write your code here\nraise NotImplementedError()" in sources

    # The student answers in their notebook (saved through their server) and runs the
    # mission check in their own kernel: the checker works there too.
    mine = nbformat.from_dict(nb)
    for cell in mine.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in GOOD:
            cell.source = GOOD[gid]
    put = s.put(f"{base}api/contents/{path}", json={"type": "notebook", "format": "json", "content": mine},
                timeout=30)
    assert put.ok, put.text
    kernel = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60).json()
    out = run_code(base, s, kernel["id"], 'from youthlab.grading.missions import check_mission\n'
                   'print(check_mission("grid", "first-letter", ["E","E","S","S","E"]).passed)')
    assert "True" in out, out

    submitted = s.post(f"{base}assignments/submit", data={"course_id": CLS, "assignment_id": LAB}, timeout=60)
    answer = submitted.json()  # the assignment list on success, {"success": false, …} on failure
    assert submitted.ok and not (isinstance(answer, dict) and answer.get("success") is False), submitted.text
    inbound = list((data / "exchange" / CLS / "inbound").glob(f"student1+{LAB}+*"))
    assert len(inbound) == 1, "the submission is filed under the student's hub name"

    # Teacher: collect, autograde, export.
    r = youthlab("course", "collect", LAB, "--class", CLS, data=data)
    assert r.returncode == 0 and "1 of 3" in r.stdout, r.stdout + r.stderr
    r = youthlab("course", "autograde", LAB, "--class", CLS, data=data)
    assert r.returncode == 0 and "Graded 1" in r.stdout, r.stdout + r.stderr
    assert "tampered" not in r.stdout  # an honest submission is not flagged
    out_csv = data / "grades.csv"
    r = youthlab("course", "export", "--class", CLS, "-o", str(out_csv), data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig")))}
    assert rows["student1"][f"{LAB} score"] == "7" and rows["student1"][f"{LAB} max"] == "7"
    assert float(rows["student1"]["weighted percent"]) > 0
    assert rows["student2"][f"{LAB} score"] == "" and rows["student2"]["passed"] == "no"

    # Feedback goes back to the student through their server.
    r = youthlab("course", "feedback", LAB, "--class", CLS, data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    fb = s.post(f"{base}assignments/fetch_feedback", data={"course_id": CLS, "assignment_id": LAB}, timeout=60)
    assert fb.ok, fb.text
    try:  # isolated mode: the student's system user's home
        home = Path(pwd.getpwnam(hub.prefix + "student1").pw_dir)
    except KeyError:
        home = data / "homes" / "student1"
    feedback = list((home / CLS / LAB / "feedback").rglob("*.html"))
    assert feedback and "7" in feedback[0].read_text()
    assert "stamp_price(51)" not in feedback[0].read_text()  # hidden tests stay hidden (nbgrader#917)

    # The teacher's own server has formgrader, wired to this class's course.
    t, tbase = _server(hub, "teacher", t)
    page = t.get(f"{tbase}formgrader", timeout=60)
    assert page.status_code == 200
    api = t.get(f"{tbase}formgrader/api/assignments", timeout=60)
    assert api.ok and api.text.startswith("["), api.text[:500]  # JSON (formgrader sends it as text/html)
    assert LAB in {a["name"] for a in api.json()}

    # The server named after the class (asked for at the start) has it too.
    for _ in range(240):
        named = t.get(f"{hub.url}hub/api/users/teacher", timeout=30).json()["servers"].get(CLS, {})
        if named.get("ready"):
            break
        time.sleep(0.5)
    nbase = f"{hub.url}user/teacher/{CLS}/"
    t.get(f"{nbase}lab", timeout=30)
    api = t.get(f"{nbase}formgrader/api/assignments", timeout=60)
    assert api.ok and LAB in {a["name"] for a in api.json()}, api.text[:500]

    # The class page is in the teacher's home (not in any student's), and works in the
    # teacher's kernel with the teacher's rights: it lists the class and its progress.
    assert t.get(f"{tbase}api/contents/courses/{CLS}/dashboard.ipynb", timeout=30).ok
    assert s.get(f"{base}api/contents/courses/{CLS}/dashboard.ipynb", timeout=30).status_code == 404
    kernel = t.post(f"{tbase}api/kernels", json={"name": "python3"}, timeout=60).json()
    out = run_code(tbase, t, kernel["id"],
                   "from youthlab.grading.dashboard import Dashboard, hub_client_from_env\n"
                   f"d = Dashboard({CLS!r})\n"
                   "print(hub_client_from_env().members(%r))\n" % CLS +
                   "print([(r.student, r.lab, r.tests_total, r.server, r.score) for r in d.rows()])")
    assert "['student1', 'student2', 'student3']" in out, out
    if os.geteuid() == 0:
        # Isolated (the default as root): the teacher's kernel sees the grade and the server,
        # but cannot open the student's home, so no in-progress counts from their notebook.
        assert f"('student1', None, 0, 'ready', '{LAB} 7/7')" in out, out
    else:
        assert f"('student1', '{LAB}', 3, 'ready', '{LAB} 7/7')" in out, out


def test_students_get_no_formgrader_and_no_one_elses_submission(hub):
    # runs after the first test: student1 has submitted
    s2, base2 = _server(hub, "student2")
    assert s2.get(f"{base2}formgrader", timeout=30).status_code == 404  # not even installed for students
    assert s2.get(f"{hub.url}user/teacher/formgrader", timeout=30).status_code in (403, 404)
    page_config = s2.get(f"{base2}lab", timeout=30).text
    assert "@jupyter/nbgrader:formgrader" in page_config  # listed among disabled extensions
    # extra (named) servers are for teachers, one per class they teach
    extra = s2.post(f"{hub.url}hub/api/users/student2/servers/games", timeout=60,
                    headers={"X-XSRFToken": s2.cookies.get("_xsrf", path="/hub/")})
    assert extra.status_code >= 400 and "teachers" in extra.text, extra.text
    assert "games" not in s2.get(f"{hub.url}hub/api/users/student2", timeout=30).json().get("servers", {})
    # no Voila in a student's server (the kiosk service shows apps), so no start-up time for it
    assert s2.get(f"{base2}voila/render/05-python-basics/python-basics.ipynb", timeout=30).status_code == 404
    assert "@voila-dashboards/jupyterlab-preview" in page_config
    # student2's assignment list shows the lab as released to them, not student1's submission
    listed = s2.get(f"{base2}assignments", params={"course_id": CLS}, timeout=60).json()["value"]
    assert all(a.get("student_id", "student2") != "student1" for a in listed)
    assert not any(a["status"] == "submitted" for a in listed), listed
    # the exchange and other homes are outside student2's file browser; student1's server is closed
    for outside in ("../student1", "../../exchange", "%2E%2E/student1"):
        assert s2.get(f"{base2}api/contents/{outside}", timeout=30).status_code in (400, 403, 404)
    headers = {"Authorization": f"token {hub.token('student2')}"}
    assert requests.get(f"{hub.url}user/student1/api/contents/{CLS}/{LAB}", headers=headers,
                        timeout=30).status_code == 403
