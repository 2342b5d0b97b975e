"""Grading in isolated mode: real nbgrader, real system users, no hub.

Two students of class A (ana, bo), one of class B (cy), a teacher of A (tea) and one of
B (tom), each a system user with a random prefix. The operator makes the courses and
releases with the real ``youthlab course`` command as root (PATH without the venv);
students fetch, submit and fetch feedback with nbgrader's own commands as their system
users, configured the way the hub configures their servers; the teacher collects,
autogrades and releases feedback as ``<prefix>tea``, and root's CLI does the same on the
same course. Then the attacks, each as the user who would try it; the test prints
``refused N of N``.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.grading.fakes import GOOD, LAB, NB, answered
from youthlab.hub.accounts import AccountPlan
from youthlab.hub.groups import remove_class_groups

VENV_BIN = Path(sys.executable).parent
ACCOUNTS = ["ana", "bo", "cy", "tea", "tom"]
PLAN = AccountPlan("op", {"tea": ["cA"], "tom": ["cB"]}, {"cA": ["ana", "bo"], "cB": ["cy"]})

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="makes system users: needs root")
# ~30 nbgrader and youthlab processes in a row (each 3-5 s to start on 2 shared cores)



class Hall:
    def __init__(self, prefix: str, data: Path, runtime):
        self.prefix, self.data = prefix, data
        # what accounts run: the hub's runtime (a mirror under /opt/youthlab when the venv
        # or its Python sit in folders closed to other users, e.g. pyenv under /root)
        self.bin, self.project = runtime.bin, runtime.root
        self.accounts_file = data / "accounts.yaml"
        self.exchange = data / "exchange"
        self.course = data / "courses" / "cA"

    def user(self, account: str) -> pwd.struct_passwd:
        return pwd.getpwnam(self.prefix + account)

    def home(self, account: str) -> Path:
        return Path(self.user(account).pw_dir)

    def env(self, account: str | None) -> dict[str, str]:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "YOUTHLAB_LANG": "en",
               "YOUTHLAB_SPAWNER": "system-users", "YOUTHLAB_SYSTEM_USER_PREFIX": self.prefix,
               "YOUTHLAB_ACCOUNTS": str(self.accounts_file), "YOUTHLAB_DATA_DIR": str(self.data)}
        if account:  # what the hub gives a server: its user, home and the config path
            env.update(HOME=str(self.home(account)), USER=self.prefix + account, JUPYTERHUB_USER=account,
                       PATH=f"{self.bin}:/usr/bin:/bin", YOUTHLAB_ROOT=str(self.project),
                       JUPYTER_CONFIG_PATH=str(self.project / "hub_config"))
        return env

    def run(self, account: str | None, argv: list[str], check: bool = True, cwd: Path | None = None,
            extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run as root (``account`` None: the operator's shell) or as the account's system user."""
        who = {}
        if account:  # as login does (initgroups, setgid, setuid); safe from threads, unlike preexec_fn
            entry = self.user(account)
            who = {"user": entry.pw_uid, "group": entry.pw_gid,
                   "extra_groups": os.getgrouplist(entry.pw_name, entry.pw_gid)}
        proc = subprocess.run(argv, env={**self.env(account), **(extra or {})}, **who,
                              cwd=cwd or (self.home(account) if account else self.data),
                              capture_output=True, text=True, timeout=600)
        if check:
            assert proc.returncode == 0, f"{argv} as {account}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def youthlab(self, account: str | None, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        tools = self.bin if account else VENV_BIN
        return self.run(account, [str(tools / "youthlab"), "course", *args, "--data-dir", str(self.data)],
                        check=check)

    def nbgrader(self, account: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(account, [str(self.bin / "nbgrader"), *args], check=check)

    def python(self, account: str, code: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(account, [str(self.bin / "python"), "-c", code], check=check)


def _together(*steps) -> list:
    """Run independent steps (each a different account's own commands) at the same time;
    their results in order. Each step mostly waits on its process's start."""
    with ThreadPoolExecutor(len(steps)) as pool:
        return [f.result() for f in [pool.submit(step) for step in steps]]


def _answer(hall: Hall, account: str, answers: dict[str, str]) -> None:
    """The student edits the fetched notebook (written as them, in their home)."""
    path = hall.home(account) / "cA" / LAB / NB
    nb = answered(path, answers)
    text = nbformat.writes(nb)
    hall.python(account, f"import pathlib; pathlib.Path({str(path)!r}).write_text({text!r})")


def _score(hall: Hall, student: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{hall.course / 'gradebook.db'}", "cA") as gb:
        return gb.find_submission(LAB, student).score


def _feedback(hall: Hall, account: str) -> list[Path]:
    return sorted((hall.home(account) / "cA" / LAB / "feedback").glob(f"*/{Path(NB).stem}.html"))


@pytest.fixture(scope="module")
def hall():
    from youthlab.hub.runtime import student_runtime

    prefix = f"ylt{secrets.token_hex(2)}-"
    runtime = student_runtime()
    data = Path(tempfile.mkdtemp(prefix="youthlab-isolated-grading-"))
    made: list[str] = []
    saved = {k: os.environ.get(k) for k in ("YOUTHLAB_SPAWNER", "YOUTHLAB_SYSTEM_USER_PREFIX")}
    os.environ.update(YOUTHLAB_SPAWNER="system-users", YOUTHLAB_SYSTEM_USER_PREFIX=prefix)
    try:
        for account in ACCOUNTS:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", prefix + account],
                           check=True, capture_output=True)
            made.append(account)
            os.chmod(pwd.getpwnam(prefix + account).pw_dir, 0o700)
        h = Hall(prefix, data, runtime)
        h.accounts_file.write_text(yaml.safe_dump({
            "operator": {"username": "op"},
            "teachers": [{"username": "tea", "classes": ["cA"]}, {"username": "tom", "classes": ["cB"]}],
            "classes": {"cA": {"students": ["ana", "bo"]}, "cB": {"students": ["cy"]}}}))
        h.accounts_file.chmod(0o644)
        yield h
    finally:
        for account in made:
            subprocess.run(["userdel", "--remove", prefix + account], capture_output=True)
        remove_class_groups(PLAN, prefix=prefix)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if not os.environ.get("YOUTHLAB_KEEP_TEST_DATA"):
            shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def flow(hall):
    """The whole teacher and student flow; returns the inbound entry names of the students."""
    # The operator, as root, with a PATH that does not have the venv (alembic, nbgrader).
    out = hall.youthlab(None, "create", "visit-90", "--class", "cA")
    assert "cA" in out.stdout
    hall.youthlab(None, "create", "visit-90", "--class", "cB")
    _together(lambda: hall.youthlab(None, "release", LAB, "--class", "cA"),
              lambda: hall.youthlab(None, "release", LAB, "--class", "cB"))

    def fetch_answer_submit(student: str, answers: dict[str, str]) -> None:
        hall.nbgrader(student, "fetch_assignment", LAB)
        assert (hall.home(student) / "cA" / LAB / NB).exists()
        _answer(hall, student, answers)
        hall.nbgrader(student, "submit", LAB)

    _together(lambda: fetch_answer_submit("ana", GOOD),
              lambda: fetch_answer_submit("bo", dict(GOOD, route='route = ["S", "E"]')))  # bo misses the house
    entries = {s: sorted(p.name for p in (hall.exchange / "cA" / "inbound").glob(f"{s}+*")) for s in ("ana", "bo")}

    # The teacher, from their own identity: nbgrader's own commands, as their server runs them.
    # Autograde is refused there (it would run students' code as the teacher, outside the
    # sandbox); the sandboxed grading the hub's service does for them is root's CLI here.
    hall.nbgrader("tea", "collect", LAB)
    refused = hall.nbgrader("tea", "autograde", LAB, "--force", check=False)
    autograded_after_refusal = sorted(p.name for p in (hall.course / "autograded").glob("*/*")) \
        if (hall.course / "autograded").exists() else []
    hall.youthlab(None, "autograde", LAB, "--class", "cA")
    hall.nbgrader("tea", "generate_feedback", LAB, "--force")
    hall.nbgrader("tea", "release_feedback", LAB)
    scores = {"teacher": {s: _score(hall, s) for s in ("ana", "bo")}}

    # bo does better (while ana fetches her feedback); this time root's CLI collects,
    # grades and hands back.
    def resubmit() -> None:
        _answer(hall, "bo", GOOD)
        hall.nbgrader("bo", "submit", LAB)

    _together(lambda: hall.nbgrader("ana", "fetch_feedback", LAB), resubmit)
    collected = hall.youthlab(None, "collect", LAB, "--class", "cA")
    graded = hall.youthlab(None, "autograde", LAB, "--class", "cA")
    hall.youthlab(None, "feedback", LAB, "--class", "cA")
    hall.nbgrader("bo", "fetch_feedback", LAB)
    scores["root"] = {s: _score(hall, s) for s in ("ana", "bo")}

    # And the teacher again, on what root's CLI made.
    hall.nbgrader("tea", "collect", LAB, "--update")
    hall.nbgrader("tea", "generate_feedback", LAB, "--force")
    hall.nbgrader("tea", "release_feedback", LAB)
    return {"entries": entries, "scores": scores, "collected": collected.stdout, "graded": graded.stdout,
            "refused": refused, "autograded_after_refusal": autograded_after_refusal,
            "bo_submitted": (hall.course / "submitted" / "bo" / LAB / NB).read_text()}


@pytest.mark.slow
@pytest.mark.timeout(900)
@needs_root
def test_teacher_and_root_grade_the_same_course(hall, flow):
    assert flow["scores"]["teacher"] == {"ana": 7, "bo": 4}
    refused = flow["refused"]
    assert refused.returncode != 0 and "outside the sandbox" in refused.stderr + refused.stdout, refused
    assert flow["autograded_after_refusal"] == []  # nothing of the students' code ran as the teacher
    assert flow["scores"]["root"] == {"ana": 7, "bo": 7}, (flow["graded"], [
        line for line in flow["bo_submitted"].splitlines() if "route =" in line])
    assert "2 of 2" in flow["collected"] or "2/2" in flow["collected"]
    ana_fb, bo_fb = _feedback(hall, "ana"), _feedback(hall, "bo")
    assert ana_fb and bo_fb
    assert "BEGIN SOLUTION" not in bo_fb[-1].read_text()
    # what the OS enforces: the exchange root is root's alone, a class's folder its members'
    import grp

    assert stat.S_IMODE(hall.exchange.stat().st_mode) == 0o755 and hall.exchange.stat().st_uid == 0
    course_ex = (hall.exchange / "cA").stat()
    assert stat.S_IMODE(course_ex.st_mode) == 0o2750 and grp.getgrgid(course_ex.st_gid).gr_name == f"{hall.prefix}c-ca"
    writable = [p for p in hall.exchange.rglob("*") if p.stat().st_mode & stat.S_IWOTH]
    assert writable == [hall.exchange / "cA" / "inbound", hall.exchange / "cB" / "inbound"] or \
        sorted(writable) == sorted([hall.exchange / "cA" / "inbound", hall.exchange / "cB" / "inbound"])
    assert stat.S_IMODE((hall.exchange / "cA" / "inbound").stat().st_mode) == 0o3753
    for entry in (hall.exchange / "cA" / "inbound").iterdir():  # teachers' group may read, no one else
        assert stat.S_IMODE(entry.stat().st_mode) == 0o750, entry


FS_ATTACKS = r'''
import json, os, shutil, sys
ex, course, bo_entry, bo_home = sys.argv[1:5]
tries = {
  "list inbound": lambda: os.listdir(f"{ex}/cA/inbound"),
  "read bo's submission": lambda: open(f"{ex}/cA/inbound/{bo_entry}/python-basics.ipynb").read(),
  "read bo's submission secret": lambda: open(f"{ex}/cA/inbound/{bo_entry}/submission_secret.txt").read(),
  "overwrite bo's submission": lambda: open(f"{ex}/cA/inbound/{bo_entry}/python-basics.ipynb", "w").write("{}"),
  "delete bo's submission": lambda: shutil.rmtree(f"{ex}/cA/inbound/{bo_entry}"),
  "rename bo's submission": lambda: os.rename(f"{ex}/cA/inbound/{bo_entry}", f"{ex}/cA/inbound/x"),
  "list feedback": lambda: os.listdir(f"{ex}/cA/feedback"),
  "read bo's cached secret": lambda: os.listdir(f"{bo_home}/.local/share/jupyter/nbgrader_cache/cA"),
  "create exchange/class-evil": lambda: os.mkdir(f"{ex}/class-evil"),
  "create exchange/cA/evil": lambda: os.mkdir(f"{ex}/cA/evil"),
  "change the released lab": lambda: open(f"{ex}/cA/outbound/05-python-basics/python-basics.ipynb", "a").write("x"),
  "add to the released labs": lambda: os.mkdir(f"{ex}/cA/outbound/evil"),
  "read source notebooks": lambda: open(f"{course}/source/05-python-basics/python-basics.ipynb").read(),
  "list the course": lambda: os.listdir(course),
  "read the gradebook": lambda: open(f"{course}/gradebook.db", "rb").read(),
  "read bo's collected work": lambda: os.listdir(f"{course}/submitted/bo"),
  "read bo's autograded work": lambda: os.listdir(f"{course}/autograded/bo"),
  "read bo's feedback in the course": lambda: os.listdir(f"{course}/feedback/bo"),
}
out = {}
for name, attempt in tries.items():
    try:
        attempt()
        out[name] = "ALLOWED"
    except PermissionError:
        out[name] = "refused"
    except OSError as exc:
        out[name] = f"other error: {exc}"
print(json.dumps(out))
'''


@pytest.mark.slow
@pytest.mark.timeout(900)
@needs_root
def test_attacks_are_refused(hall, flow):
    refused: dict[str, bool] = {}
    bo_entry = flow["entries"]["bo"][0]
    out = hall.run("ana", [str(hall.bin / "python"), "-c", FS_ATTACKS, str(hall.exchange), str(hall.course),
                           bo_entry, str(hall.home("bo"))])
    for name, result in json.loads(out.stdout).items():
        refused[f"ana: {name}"] = result == "refused"

    # ana submits in bo's name (nbgrader takes the id from config she controls): the entry
    # is made, but collect refuses it because ana's system user made it.
    _answer(hall, "ana", dict(GOOD, route='route = ["E", "E", "S", "S", "E"]  # ana-was-here'))
    hall.nbgrader("ana", "submit", LAB, "--CourseDirectory.student_id=bo")
    # ana's entry whose notebook is a link to the solutions (the teacher's collect could read them)
    fake = hall.exchange / "cA" / "inbound" / f"ana+{LAB}+2099-01-01 00:00:00.000000 UTC+evil"
    hall.python("ana", f"import os; d={str(fake)!r}; os.mkdir(d);"
                       f"os.symlink({str(hall.course / 'source' / LAB / NB)!r}, d + '/{NB}');"
                       "open(d + '/timestamp.txt', 'w').write('2099-01-01 00:00:00.000000 UTC')")
    collected = hall.youthlab(None, "collect", LAB, "--class", "cA")
    bo_sub = (hall.course / "submitted" / "bo" / LAB / NB).read_text()
    refused["ana: submit as bo"] = (f"{hall.prefix}ana" in collected.stdout and "ana-was-here" not in bo_sub
                                    and "stamp_price" in bo_sub)
    ana_sub = hall.course / "submitted" / "ana" / LAB / NB
    refused["ana: link to the solutions collected"] = (not ana_sub.exists()
                                                       or "BEGIN SOLUTION" not in ana_sub.read_text())
    hall.nbgrader("tea", "collect", LAB, "--update")  # the teacher's own collect refuses it too
    refused["ana: link to the solutions (teacher's collect)"] = (not ana_sub.exists()
                                                                 or "BEGIN SOLUTION" not in ana_sub.read_text())
    # ana asks nbgrader for bo's feedback: she has no secret of his, so gets nothing of his
    before = set(_feedback(hall, "ana"))
    hall.nbgrader("ana", "fetch_feedback", LAB, "--CourseDirectory.student_id=bo", check=False)
    got = set(_feedback(hall, "ana")) - before
    refused["ana: fetch bo's feedback"] = not got  # no page arrived: none of bo's is reachable

    # cy (class B) fetches class A's lab
    cy = hall.nbgrader("cy", "fetch_assignment", LAB, "--course", "cA", check=False)
    refused["cy (class B): fetch class A's lab"] = (cy.returncode != 0 and "not in class 'cA'" in cy.stdout + cy.stderr
                                                    and not (hall.home("cy") / "cA").exists())
    cy_list = hall.python("cy", f"import os; os.listdir({str(hall.exchange / 'cA')!r})", check=False)
    refused["cy (class B): list class A's exchange"] = "PermissionError" in cy_list.stderr

    # tom teaches class B: class A's course is not his, from the CLI or from nbgrader
    tom = hall.youthlab("tom", "collect", LAB, "--class", "cA", check=False)
    refused["tom (teacher of B): youthlab course collect for A"] = (
        tom.returncode == 2 and "is not a teacher of class 'cA'" in tom.stderr and "Traceback" not in tom.stderr)
    tom_nb = hall.nbgrader("tom", "collect", LAB, "--course", "cA", check=False)
    refused["tom (teacher of B): nbgrader collect for A"] = (
        tom_nb.returncode != 0 and "not in class 'cA'" in tom_nb.stdout + tom_nb.stderr)

    n, total = sum(refused.values()), len(refused)
    print(f"\nrefused {n} of {total}")
    for name, ok in refused.items():
        print(f"  {'refused' if ok else 'ALLOWED'}: {name}")
    assert n == total, ([name for name, ok in refused.items() if not ok], tom.stderr[-2000:], tom_nb.stderr[-2000:])


@needs_root
def test_class_groups_follow_the_plan():
    """Groups hold exactly the plan's accounts that have a system user; a teacher taken
    off a class leaves its groups at the next sync (the spawner syncs at every start)."""
    import grp

    from youthlab.hub.groups import ensure_account_groups

    prefix = f"ylt{secrets.token_hex(2)}-"
    plan = AccountPlan("op", {"tea": ["cA"]}, {"cA": ["ana", "bo"]})  # bo never logged in
    try:
        for account in ("ana", "tea"):
            subprocess.run(["useradd", "--no-create-home", prefix + account], check=True, capture_output=True)
        assert ensure_account_groups(plan, "ana", prefix) == ["cA"]
        assert sorted(grp.getgrnam(f"{prefix}c-ca").gr_mem) == [prefix + "ana", prefix + "tea"]
        assert grp.getgrnam(f"{prefix}t-ca").gr_mem == [prefix + "tea"]
        ensure_account_groups(AccountPlan("op", {"tea": []}, {"cA": ["ana", "bo"]}), "ana", prefix)
        assert grp.getgrnam(f"{prefix}c-ca").gr_mem == [prefix + "ana"]
        assert grp.getgrnam(f"{prefix}t-ca").gr_mem == []
    finally:
        for account in ("ana", "tea"):
            subprocess.run(["userdel", prefix + account], capture_output=True)
        remove_class_groups(plan, prefix=prefix)


def test_course_create_changes_nothing_when_nbgrader_tools_are_missing(tmp_path, monkeypatch):
    from youthlab.grading import access
    from youthlab.grading.course import create_course
    from youthlab.grading.curriculum import load

    monkeypatch.setenv("YOUTHLAB_SPAWNER", "demo")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(access, "venv_bin", lambda: tmp_path / "no-venv")  # a broken install
    with pytest.raises(access.NbgraderToolMissing) as err:
        create_course(load("visit-90"), "cA", PLAN, tmp_path / "data")
    assert "alembic" in err.value.message("en") and "Nothing was changed" in err.value.message("en")
    assert not (tmp_path / "data").exists()


def test_demo_mode_exchange_is_not_world_writable(tmp_path, monkeypatch):
    """Demo mode (every account one system user) works as before, without mode 777; the
    OS cannot keep its students apart, and the course says it is not isolated."""
    from youthlab.grading.course import create_course, release
    from youthlab.grading.curriculum import load

    monkeypatch.setenv("YOUTHLAB_SPAWNER", "demo")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    course, _ = create_course(load("visit-90"), "cA", PLAN, tmp_path)
    release(course, LAB)
    assert not course.isolated
    assert (tmp_path / "exchange" / "cA" / "outbound" / LAB / NB).exists()
    writable = [p for p in [tmp_path / "exchange", *(tmp_path / "exchange").rglob("*")]
                if p.stat().st_mode & stat.S_IWOTH]
    assert writable == []
