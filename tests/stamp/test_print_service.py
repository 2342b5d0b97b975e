"""The print service behind a real hub, in isolated mode (each account its own system user):
who may queue, see and cancel which print job, limits, and files that are not what
they say. Every attack a tester tried on the old shared queue file is tried again here
and must be refused; the test prints ``attacks refused N of N``.

Also the local no-hub queue: it never follows a symlink and refuses raw G-code from
anyone but the machine's operator.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.hub.hubrunner import run_code, start_hub

PLAN = """\
operator:
  username: operator
teachers:
  - username: teacher
    classes: [class-a]
classes:
  class-a:
    title: {ko: "A반", en: "Class A"}
    students: [student1, student2]
  class-b:
    title: {ko: "B반", en: "Class B"}
    students: [student3]
"""
MAX_BYTES = 200_000
HUB_SECRETS = {"YOUTHLAB_FLIGHT_TOKEN": "flight-token-4b4b", "YOUTHLAB_TEACHER_PIN": "teacher-pin-1357",
               "YOUTHLAB_KIOSK_PIN": "kiosk-pin-2468", "YOUTHLAB_PRINTER_KEY": "octoprint-key-beef"}


@pytest.fixture(scope="module")
def stamp_files(tmp_path_factory):
    from youthlab.stamp.compose import text_stamp

    folder = tmp_path_factory.mktemp("stamps")
    stl = text_stamp("AB", 10).save(folder / "ab.stl")
    return {"stl": stl.read_bytes(), "folder": folder}


# ---- the local no-hub queue ------------------------------------------------------------
def test_local_queue_never_follows_a_symlink_and_keeps_its_own_copy(tmp_path):
    from youthlab.stamp.print_errors import SymlinkRefused
    from youthlab.stamp.queue import PrintQueue
    from tests.stamp.test_queue import HallPrinter

    secret = tmp_path / "cookie_secret"
    secret.write_text("TOP-SECRET\n")
    link = tmp_path / "secret.gcode"
    link.symlink_to(secret)
    printer = HallPrinter("p1")
    q = PrintQueue([printer], test_mode=True, state_path=tmp_path / "q" / "queue.json")
    with pytest.raises(SymlinkRefused):
        q.submit("alice", link)
    good = tmp_path / "good.gcode"
    good.write_text("G28\n")
    job = q.submit("alice", good)
    # the queue printed its own copy: swapping the original for a symlink changes nothing
    good.unlink()
    good.symlink_to(secret)
    assert job.gcode.parent == tmp_path / "q" / "print-files" and job.gcode.read_text() == "G28\n"
    # a copy turned into a symlink behind the queue's back is refused at dispatch
    job2 = q.submit("bob", tmp_path / "q" / "print-files" / job.gcode.name)
    job2.gcode.unlink()
    job2.gcode.symlink_to(secret)
    started = q.dispatch()
    assert [j.id for j in started] == [job.id]
    printer.finish()
    q.poll()
    assert q.dispatch() == [] and {j.id: j.status for j in q.status()}[job2.id] == "failed"
    assert "symlink" in (q.jobs[job2.id].error or "") or "link" in (q.jobs[job2.id].error or "")


def test_local_cli_refuses_raw_gcode_from_a_student_server_and_symlinks(tmp_path):
    from youthlab.stamp.slicer import find_slicer  # noqa: F401 — the CLI slices meshes

    secret = tmp_path / "cookie_secret"
    secret.write_text("TOP-SECRET\n")
    (tmp_path / "secret.gcode").symlink_to(secret)
    (tmp_path / "mine.gcode").write_text("G28\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTHLAB_PRINT", "JUPYTERHUB_"))}
    env.update(YOUTHLAB_DATA_DIR=str(tmp_path / "data"), YOUTHLAB_LANG="en")
    cli = [str(Path(sys.executable).parent / "youthlab"), "stamp", "queue", "add", "--owner", "x"]
    r = subprocess.run(cli + [str(tmp_path / "secret.gcode")], env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "not a real file but a link" in r.stdout + r.stderr, r.stdout + r.stderr
    as_student = dict(env, JUPYTERHUB_USER="student1")
    r = subprocess.run(cli + [str(tmp_path / "mine.gcode")], env=as_student, capture_output=True, text=True)
    assert r.returncode != 0 and "G-code files cannot be put" in r.stdout + r.stderr, r.stdout + r.stderr
    assert not (tmp_path / "data" / "stamp" / "print-queue.json").exists()
    if os.geteuid() == 0:  # the machine's operator may queue G-code they sliced themself
        r = subprocess.run(cli + [str(tmp_path / "mine.gcode")], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


# ---- the desk's rules, in process (fast) -----------------------------------------------
def _desk(tmp_path, **kw):
    from youthlab.stamp.print_service import PrintDesk

    def slow_slice(model, gcode):  # a real slicer takes ~1 s: long enough for a race
        time.sleep(0.3)
        gcode.write_text("; sliced\n")

    return PrintDesk(tmp_path / "desk", check_model=lambda path: {}, slice_model=slow_slice, **kw)


def test_concurrent_submissions_cannot_pass_the_limit_together(tmp_path):
    from youthlab.stamp.print_errors import OwnerQueueFull, QueueFull
    from youthlab.stamp.print_service import Caller

    desk = _desk(tmp_path, per_owner=3, total=5)
    a = Caller("student1", "student")

    def one(_):
        try:
            desk.submit(a, "s.stl", b"solid")
            return "ok"
        except OwnerQueueFull:
            return "full"

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(40)))
    assert results.count("ok") == 3 and results.count("full") == 37
    desk.submit(Caller("student2", "student"), "s.stl", b"solid")
    desk.submit(Caller("student3", "student"), "s.stl", b"solid")
    with pytest.raises(QueueFull):  # the hall's total
        desk.submit(Caller("student4", "student"), "s.stl", b"solid")
    assert desk.submit(Caller("operator", "staff"), "s.gcode", b"G28\n")["job"]["owner"] == "operator"
    assert oct((tmp_path / "desk").stat().st_mode & 0o777) == "0o700"
    assert not list((tmp_path / "desk" / "uploads").iterdir())  # nothing left behind


def test_print_queue_settings_are_read_once_and_listed(tmp_path):
    """The queue's knobs: one settings class (env → traits), a bad value named in ko/en,
    the service's environment carries exactly these knobs, and `youthlab config` lists them."""
    from youthlab.config import SettingError
    from youthlab.stamp.print_service import print_service_environment
    from youthlab.stamp.settings import PrintQueueSettings

    printers = tmp_path / "printers.yaml"
    printers.write_text("printers:\n  hall-1:\n    url: http://127.0.0.1:9\n    api_key_env: YLT_KEY_HALL_1\n")
    environ = {"YOUTHLAB_PRINT_PER_USER": "2", "YOUTHLAB_STAMP_TEST_MODE": "on", "YOUTHLAB_PRINTERS": str(printers),
               "YLT_KEY_HALL_1": "k-hall-1", "YOUTHLAB_TEACHER_PIN": "1357"}
    settings = PrintQueueSettings.from_env(environ)
    assert (settings.per_user, settings.total, settings.test_mode) == (2, 100, True)
    with pytest.raises(SettingError) as bad:
        PrintQueueSettings.from_env({"YOUTHLAB_PRINT_TOTAL": "lots"})
    assert "YOUTHLAB_PRINT_TOTAL" in bad.value.message("ko") and "YOUTHLAB_PRINT_TOTAL" in bad.value.message("en")
    handed = print_service_environment(environ, tmp_path / "data")
    assert handed["YOUTHLAB_PRINT_PER_USER"] == "2" and handed["YLT_KEY_HALL_1"] == "k-hall-1"
    assert "YOUTHLAB_TEACHER_PIN" not in handed  # no other secret
    listed = subprocess.run([sys.executable, "-m", "youthlab.cli", "config", "--area", "print-queue"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "YOUTHLAB_PRINT_PER_USER": "2", "YOUTHLAB_LANG": "en"})
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for var in ("YOUTHLAB_PRINTERS", "YOUTHLAB_STAMP_TEST_MODE", "YOUTHLAB_PRINT_PER_USER", "YOUTHLAB_PRINT_TOTAL",
                "YOUTHLAB_PRINT_KIOSK_LIMIT", "YOUTHLAB_PRINT_MAX_BYTES"):
        assert var in listed.stdout
    assert "YOUTHLAB_PRINT_PER_USER = 2" in listed.stdout.replace("\x1b[33m", "").replace("\x1b[0m", "")


def test_who_sees_what(tmp_path):
    from youthlab.hub.accounts import load_plan
    from youthlab.stamp.print_errors import NotYourJob
    from youthlab.stamp.print_service import Caller, caller_from_hub_model

    plan_file = tmp_path / "accounts.yaml"
    plan_file.write_text(PLAN)
    plan = load_plan(plan_file)
    desk = _desk(tmp_path)
    for name in ("student1", "student2", "student3", "teacher"):
        desk.submit(caller_from_hub_model({"name": name, "kind": "user"}, plan), "s.stl", b"solid")
    desk.submit(caller_from_hub_model({"name": "kiosk-print", "kind": "service"}, plan), "k.stl", b"solid")
    assert caller_from_hub_model({"name": "idle-culler", "kind": "service"}, plan) is None
    owners = lambda who: sorted(j["owner"] for j in desk.jobs(caller_from_hub_model(who, plan)))  # noqa: E731
    assert owners({"name": "student1"}) == ["student1"]
    assert owners({"name": "teacher"}) == ["student1", "student2", "teacher"]
    assert owners({"name": "operator"}) == ["kiosk", "student1", "student2", "student3", "teacher"]
    assert owners({"name": "someone", "admin": True}) == owners({"name": "operator"})
    assert owners({"name": "kiosk-print", "kind": "service"}) == ["kiosk"]
    s3_job = next(j for j in desk.jobs(Caller("x", "staff")) if j["owner"] == "student3")
    with pytest.raises(NotYourJob):
        desk.cancel(caller_from_hub_model({"name": "teacher"}, plan), s3_job["id"])
    assert desk.cancel(caller_from_hub_model({"name": "student3"}, plan), s3_job["id"])["job"]["status"] == "cancelled"


# ---- the service on a real hub ---------------------------------------------------------
def _remove_system_accounts(prefix: str) -> None:
    for db, remove in (("passwd", ["userdel", "--remove"]), ("group", ["groupdel"])):
        out = subprocess.run(["getent", db], capture_output=True, text=True).stdout
        for name in [line.split(":", 1)[0] for line in out.splitlines()]:
            if name.startswith(prefix):
                subprocess.run([*remove, name], capture_output=True)


@pytest.fixture(scope="module")
def hub():
    prefix = f"ylt{secrets.token_hex(2)}-"
    data = Path(tempfile.mkdtemp(prefix="youthlab-print-"))
    plan = data.parent / f"{data.name}-accounts.yaml"
    plan.write_text(PLAN)
    plan.chmod(0o644)  # the print service's own system user reads it (whatever this process's umask)
    subprocess.run(["useradd", "--system", "--no-create-home", prefix + "print"], check=True)  # the service's
    printers = data.parent / f"{data.name}-printers.yaml"  # a printer that is off: jobs wait
    printers.write_text("printers:\n  hall-1: {url: 'http://127.0.0.1:9', api_key_env: YOUTHLAB_PRINTER_KEY}\n")
    printers.chmod(0o644)
    try:
        running = start_hub(data, {"YOUTHLAB_SPAWNER": "system-users", "YOUTHLAB_SYSTEM_USER_PREFIX": prefix,
                                   "YOUTHLAB_ACCOUNTS": str(plan), "YOUTHLAB_PRINT_MAX_BYTES": str(MAX_BYTES),
                                   "YOUTHLAB_PRINTERS": str(printers), "YOUTHLAB_KIOSK": "on",
                                   "YOUTHLAB_KIOSK_POOL": "0", "YOUTHLAB_PRINT_USER": prefix + "print",
                                   **HUB_SECRETS}, timeout=180)
        try:
            yield running, prefix
        finally:
            running.stop()
    finally:
        _remove_system_accounts(prefix)
        plan.unlink(missing_ok=True)
        printers.unlink(missing_ok=True)
        if not os.environ.get("YOUTHLAB_KEEP_TEST_DATA"):
            shutil.rmtree(data, ignore_errors=True)


class Client:
    def __init__(self, hub, user: str | None, token: str | None = None) -> None:
        self.base = f"{hub.url}services/print/api/"
        self.headers = {"Authorization": f"token {token or (hub.token(user) if user else '')}"}

    def add(self, data: bytes, name: str = "stamp.stl", **params: str) -> requests.Response:
        return requests.post(self.base + "jobs", params={"name": name, **params}, data=data,
                             headers=self.headers, timeout=120)

    def jobs(self) -> list[dict]:
        r = requests.get(self.base + "jobs", headers=self.headers, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["jobs"]

    def cancel(self, job_id) -> requests.Response:
        return requests.delete(f"{self.base}jobs/{job_id}", headers=self.headers, timeout=30)


def _bilingual_error(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["message"]["ko"] and body["message"]["en"] and body["message"]["ko"] != body["message"]["en"]
    return body


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None, reason="needs root and useradd")
def test_print_service_knows_who_is_asking(hub, stamp_files):
    running, prefix = hub
    stl = stamp_files["stl"]
    a, b, c = Client(running, "student1"), Client(running, "student2"), Client(running, "student3")
    teacher, staff = Client(running, "teacher"), Client(running, "operator")
    refused, tried = [], []

    def attack(name: str, ok: bool) -> None:
        tried.append(name)
        if ok:
            refused.append(name)
        else:
            print("NOT REFUSED:", name)

    r = b.add(stl, "b-stamp.stl")
    assert r.status_code == 201, r.text
    b_job = r.json()["job"]
    assert b_job["owner"] == "student2" and b_job["position"] == 1
    c_job = c.add(stl, "c-stamp.stl").json()["job"]

    # A queues "as B": the owner comes from the hub token, whatever the request says
    r = a.add(stl, "a-stamp.stl", owner="student2", user="student2")
    assert r.status_code == 201, r.text
    attack("queue as another student", r.json()["job"]["owner"] == "student1")

    attack("list every job", {j["owner"] for j in a.jobs()} == {"student1"})
    r = a.cancel(b_job["id"])
    attack("cancel another's job", r.status_code == 403 and _bilingual_error(r, 403)["error"] == "print.error.not_yours"
           and next(j for j in b.jobs() if j["id"] == b_job["id"])["status"] == "queued")
    attack("cancel a job that does not exist", a.cancel(9999).status_code == 404)

    # raw G-code and files that are no mesh
    gcode = b"G28\nG1 X10 Y10\n"
    r = a.add(gcode, "stamp.gcode")
    attack("raw G-code from a student", r.status_code == 400 and _bilingual_error(r, 400)["error"] == "print.error.raw_gcode")
    r = a.add(b"solid x\n facet normal 0 0 0\nendsolid\n", "junk.stl")
    attack("a file that is no mesh", r.status_code == 400 and _bilingual_error(r, 400)["error"] == "print.error.bad_model")
    r = a.add(b"PK\x03\x04" + os.urandom(5000), "zip.3mf")
    attack("a broken 3MF", r.status_code == 400 and _bilingual_error(r, 400)["error"] == "print.error.bad_model")
    r = a.add(os.urandom(MAX_BYTES + 10), "huge.stl")
    attack("a file over the size cap", r.status_code == 400 and _bilingual_error(r, 400)["error"] == "print.error.too_big")
    r = a.add(stl, "stamp.exe")
    attack("another file type", r.status_code == 400)
    r = a.cancel("1; rm -rf /")
    attack("a job id that is no number", r.status_code in (400, 404) and r.json().get("message"))
    r = Client(running, None, token="not-a-token").add(stl)
    attack("no valid hub token", r.status_code == 403 and _bilingual_error(r, 403)["error"] == "print.error.forbidden")
    r = requests.get(a.base + "jobs", timeout=30)
    attack("no token at all", r.status_code == 403)

    # 500 quick submissions: the limit answers 429 and B keeps their place
    before = {j["id"]: j["position"] for j in staff.jobs()}
    t0 = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: a.add(stl, "spam.stl").status_code, range(500)))
    flood_s = time.monotonic() - t0
    print(f"500 submissions: {codes.count(201)} accepted, {codes.count(429)} refused (429) in {flood_s:.1f} s")
    waiting_a = [j for j in a.jobs() if j["status"] == "queued"]
    after = {j["id"]: j["position"] for j in staff.jobs()}
    attack("flood the queue", codes.count(429) >= 497 and len(waiting_a) == 3
           and after[b_job["id"]] == before[b_job["id"]] and set(codes) <= {201, 429})
    r = a.add(stl, "one-more.stl")
    assert _bilingual_error(r, 429)["error"] == "print.error.owner_full"

    # a teacher sees and cancels their class's jobs only; staff see all
    seen = {j["owner"] for j in teacher.jobs()}
    attack("teacher sees another class", seen == {"student1", "student2"})
    attack("teacher cancels another class's job", teacher.cancel(c_job["id"]).status_code == 403)
    assert teacher.cancel(waiting_a[-1]["id"]).status_code == 200
    assert {j["owner"] for j in staff.jobs()} == {"student1", "student2", "student3"}
    r = staff.add(gcode, "calibration.gcode")
    assert r.status_code == 201 and r.json()["job"]["owner"] == "operator", r.text

    # from student1's own server, as the student would: the CLI goes through the service
    s = running.login("student1")
    s.post(f"{running.url}hub/api/users/student1/server", timeout=60)
    running.wait_ready(s, "student1", timeout=240)
    base = f"{running.url}user/student1/"
    s.get(f"{base}lab", timeout=30)
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/user/student1/") or s.headers["X-XSRFToken"]
    kernel = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60).json()["id"]
    data = running.data_dir
    out = run_code(base, s, kernel, f"""
import os, subprocess, pwd, grp
print("USER", pwd.getpwuid(os.getuid()).pw_name)
print("GROUPS", sorted(grp.getgrgid(g).gr_name for g in os.getgroups()))
def yl(*args):
    r = subprocess.run(["youthlab", "--lang", "en", "stamp", *args], capture_output=True, text=True)
    print("RC", r.returncode, r.stdout.strip().replace("\\n", " | "), r.stderr.strip()[-300:].replace("\\n", " | "))
yl("queue", "cancel", str({waiting_a[0]['id']}))
yl("text", "CD", "--size", "10", "-o", "cd.stl")
yl("queue", "add", "cd.stl", "--owner", "student2")
if os.path.lexists("secret.gcode"): os.unlink("secret.gcode")
os.symlink({str(data / 'jupyterhub_cookie_secret')!r}, "secret.gcode")
yl("queue", "add", "secret.gcode")
os.symlink("cd.stl", "link.stl")
yl("queue", "add", "link.stl")
yl("queue", "list")
yl("queue", "cancel", "{b_job['id']}")
for path in ({str(data / 'print-service' / 'queue.json')!r}, {str(data / 'stamp' / 'print-queue.json')!r}):
    try:
        open(path).read(1); print("READ", path)
    except OSError as exc:
        print("NOREAD", type(exc).__name__)
""", timeout=240)
    print(out)
    lines = out.splitlines()
    assert f"USER {prefix}student1" in out
    # boards: the spawner put the student's system user in the serial devices' group
    assert "'dialout'" in next(ln for ln in lines if ln.startswith("GROUPS")), out
    rc = [ln for ln in lines if ln.startswith("RC ")]
    assert rc[0].startswith("RC 0") and "cancelled" in rc[0], rc  # their own job
    assert rc[2].startswith("RC 0") and "(student1," in rc[2], rc  # queued as themself, whatever --owner says
    attack("queue the hub's cookie secret through a symlink", not rc[3].startswith("RC 0") and "a link" in rc[3])
    attack("queue a symlinked mesh", not rc[4].startswith("RC 0") and "a link" in rc[4])
    attack("list others' jobs from the CLI", "student2" not in rc[5] and "student3" not in rc[5] and "cd.stl" in rc[5])
    attack("cancel another's job from the CLI", not rc[6].startswith("RC 0") and "not yours" in rc[6])
    attack("read the queue file", not any(ln.startswith("READ ") for ln in lines) and out.count("NOREAD") == 2)
    assert next(j for j in b.jobs() if j["id"] == b_job["id"])["status"] == "queued"
    print(f"attacks refused {len(refused)} of {len(tried)}")
    assert refused == tried


def _service(running, module: str):
    import psutil

    return next(p for p in psutil.Process(running.proc.pid).children(recursive=True) if module in p.cmdline())


def _service_environ(running, module: str) -> dict[str, str]:
    return _service(running, module).environ()


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None, reason="needs root and useradd")
def test_kiosk_prints_as_kiosk_and_services_get_only_their_settings(hub):
    from youthlab.stamp.compose import text_stamp
    from youthlab.stamp.print_client import PrintServiceRefused, cancel_job, list_jobs, submit_stamp

    running, prefix = hub
    # the print service parses and slices student files as its own system user, not root
    assert _service(running, "youthlab.stamp.print_service").username() == prefix + "print"
    folder = running.data_dir / "print-service"
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.owner() == prefix + "print"
    kiosk_env = _service_environ(running, "youthlab.kiosk.server")
    print_env = _service_environ(running, "youthlab.stamp.print_service")
    # the kiosk gets its settings and a print token; no flight token, teacher PIN or printer
    # key, and (once started) not even its own PIN or hub token in its process environment
    assert not {k for k, v in kiosk_env.items() if v in HUB_SECRETS.values()
                or k in ("YOUTHLAB_PRINTERS", "YOUTHLAB_ACCOUNTS", "JUPYTERHUB_API_TOKEN")}
    assert kiosk_env["YOUTHLAB_KIOSK_PRINTING"] == "1"
    assert requests.get(f"{running.url}services/kiosk/kiosk/config.json", timeout=30).json()["exit_enabled"]
    # the print service gets the printer's key and no PIN or flight token
    assert print_env["YOUTHLAB_PRINTER_KEY"] == HUB_SECRETS["YOUTHLAB_PRINTER_KEY"]
    assert not {k for k in ("YOUTHLAB_FLIGHT_TOKEN", "YOUTHLAB_TEACHER_PIN", "YOUTHLAB_KIOSK_PIN") if k in print_env}

    url, token = f"{running.url}services/print/", kiosk_env["YOUTHLAB_PRINT_TOKEN"]
    answer = submit_stamp(text_stamp("EF", 10), url=url, token=token)  # what the kiosk's print button does
    assert answer["job"]["owner"] == "kiosk" and answer["job"]["status"] == "queued"
    seen = list_jobs(url=url, token=token)
    assert seen["role"] == "kiosk" and {j["owner"] for j in seen["jobs"]} == {"kiosk"}
    others = [j for j in Client(running, "operator").jobs() if j["owner"] != "kiosk"]
    if others:
        with pytest.raises(PrintServiceRefused) as refused:
            cancel_job(others[0]["id"], url=url, token=token)
        assert refused.value.status == 403
