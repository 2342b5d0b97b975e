"""One copy of each lab (issue 18): on a real hub in isolated mode, a student whose class
has a course finds the released lab already fetched at ~/<class>/<lab> when their
server starts (no second copy in the home), edits it, and submits it from the
Assignments tab's API — served by nbgrader's own handlers, loaded at that first use."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT
from tests.grading.fakes import GOOD, LAB, NB

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")
CLS = "class-demo"

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="isolated mode: the hub runs as root")]


@pytest.fixture
def prefix():
    from tests.hub.hubrunner import remove_system_accounts

    value = f"ylt{secrets.token_hex(2)}-"
    yield value
    remove_system_accounts(value)


@pytest.mark.timeout(900)
def test_the_released_lab_is_there_at_first_login_once_and_is_submitted_from_there(prefix):
    from tests.hub.hubrunner import start_hub

    data = Path(tempfile.mkdtemp(prefix="youthlab-one-copy-"))  # /tmp: the accounts pass through
    env = {"YOUTHLAB_SYSTEM_USER_PREFIX": prefix}

    def youthlab(*args: str) -> str:
        r = subprocess.run([YOUTHLAB, "--lang", "en", *args, "--data-dir", str(data)], cwd=ROOT, capture_output=True,
                           text=True, timeout=600, env=dict(os.environ, **env))
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    hub = start_hub(data, env)
    try:
        youthlab("course", "create", "visit-90", "--class", CLS)
        youthlab("course", "release", LAB, "--class", CLS)
        s = hub.login("student1")
        s.post(f"{hub.url}hub/api/users/student1/server", timeout=60)
        hub.wait_ready(s, "student1", timeout=300)
        base = f"{hub.url}user/student1/"
        s.get(f"{base}lab", timeout=60)
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/user/student1/") or s.headers["X-XSRFToken"]

        # What the student sees in the file browser: the class folder and the ungraded
        # welcome lab, no second copy of the graded lab.
        top = {item["name"] for item in s.get(f"{base}api/contents/", timeout=30).json()["content"]}
        assert CLS in top and "00-welcome" in top and LAB not in top, top
        home = Path(pwd.getpwnam(prefix + "student1").pw_dir)
        lab = home / CLS / LAB
        assert lab.stat().st_uid == pwd.getpwnam(prefix + "student1").pw_uid  # theirs, not root's

        # The Assignments tab lists it as fetched (nbgrader's handlers, loaded now).
        listed = s.get(f"{base}assignments", params={"course_id": CLS}, timeout=120).json()
        assert listed["success"], listed
        assert [(a["assignment_id"], a["status"]) for a in listed["value"]] == [(LAB, "fetched")]

        path = f"{CLS}/{LAB}/{NB}"
        nb = s.get(f"{base}api/contents/{path}", timeout=30).json()["content"]
        for cell in nb["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in GOOD:
                cell["source"] = GOOD[gid]
        assert s.put(f"{base}api/contents/{path}", json={"type": "notebook", "format": "json", "content": nb},
                     timeout=30).ok
        done = s.post(f"{base}assignments/submit", data={"course_id": CLS, "assignment_id": LAB}, timeout=120).json()
        assert done["success"], done
        # nbgrader lists the fetched copy and, next to it, the submission just made
        assert sorted(a["status"] for a in done["value"] if a["assignment_id"] == LAB) == ["fetched", "submitted"]

        youthlab("course", "collect", LAB, "--class", CLS)
        assert "Graded 1" in youthlab("course", "autograde", LAB, "--class", CLS)
        submitted = data / "courses" / CLS / "submitted" / "student1" / LAB / NB
        sources = [c.source for c in nbformat.read(submitted, as_version=4).cells]
        assert any(GOOD["route"] in src for src in sources)  # what they edited is what was graded
    finally:
        hub.stop()
        shutil.rmtree(data, ignore_errors=True)
