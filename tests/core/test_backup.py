"""`youthlab backup` / `youthlab restore`, as an operator runs them.

In process and on the command line: a data folder (hub database being written while the
backup runs, a gradebook, the exchange, a demo home), isolated homes of real system users
(random prefix, removed afterwards) with a student's symlink to /etc/shadow; then wipe,
restore, compare byte for byte. A damaged archive and a non-empty target are refused.
The e2e test at the end does it with a real hub, a course and a submission.
"""

from __future__ import annotations

import csv
import grp
import hashlib
import io
import os
import pwd
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (system users, chown)")


def cli(*args: str, env: dict[str, str] | None = None, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run([YOUTHLAB, "--lang", lang, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, **(env or {})))


def content(path: Path) -> str:
    """sha256 of a file; of its SQL dump for a SQLite database (the backup API copies the
    rows, not the header's change counters)."""
    if path.read_bytes()[:16] == b"SQLite format 3\x00":
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return "sql:" + hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
        finally:
            db.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _free_high_id() -> int:
    """A user id that is free as a user id and as a group id, from 50000-59999."""
    import random

    while True:
        candidate = random.randrange(50000, 60000)
        if _user_name(candidate) is None and _group_name(candidate) is None:
            return candidate


def _user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def _group_name(gid: int) -> str | None:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return None


def tree(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: (kind, sha256 or link target, mode, owner, group)."""
    out = {}
    for path in [folder, *folder.rglob("*")]:
        st = path.lstat()
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path), st.st_uid, st.st_gid)
        elif path.is_dir():
            out[rel] = ("dir", oct(st.st_mode & 0o7777), st.st_uid, st.st_gid)
        else:
            out[rel] = ("file", content(path), oct(st.st_mode & 0o7777),
                        st.st_uid, st.st_gid)
    return out


def make_data(data: Path) -> None:
    (data / "courses" / "class-demo" / "submitted" / "student1" / "lab").mkdir(parents=True)
    (data / "courses" / "class-demo" / "submitted" / "student1" / "lab" / "lab.ipynb").write_text('{"cells": []}')
    gb = sqlite3.connect(data / "courses" / "class-demo" / "gradebook.db")
    gb.execute("CREATE TABLE grade (student TEXT, points REAL)")
    gb.execute("INSERT INTO grade VALUES ('student1', 7)")
    gb.commit()
    gb.close()
    (data / "exchange" / "class-demo" / "inbound" / "student1+lab+2026").mkdir(parents=True)
    (data / "exchange" / "class-demo" / "inbound" / "student1+lab+2026" / "lab.ipynb").write_bytes(b"\x00\xffbinary")
    (data / "homes" / "student2").mkdir(parents=True)
    (data / "homes" / "student2" / "work.ipynb").write_text("내 작업 ✓", encoding="utf-8")
    (data / "print-service").mkdir(mode=0o700)
    (data / "print-service" / "queue.json").write_text("[]")
    (data / "flight-service").mkdir()
    (data / "flight-service" / "pilots.jsonl").write_text('{"pilot": "student1"}\n')
    (data / "jupyterhub_cookie_secret").write_text("ab" * 32)
    (data / "jupyterhub_cookie_secret").chmod(0o600)
    (data / "jupyterhub.pid").write_text("12345")  # remade by the hub: not kept
    (data / "octoprint-venv" / "bin").mkdir(parents=True)  # rebuilt by the print service: not kept


@pytest.fixture
def accounts(tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text("operator:\n  username: operator\nteachers:\n  - username: teacher\n    classes: [class-demo]\n"
                    "classes:\n  class-demo:\n    students: [student1, student2]\n", encoding="utf-8")
    return path


@pytest.fixture
def prefix():
    from tests.hub.hubrunner import remove_system_accounts

    value = f"ylt{secrets.token_hex(2)}-"
    yield value
    remove_system_accounts(value)
    for stray in Path("/home").glob(f".youthlab-restoring-*"):
        shutil.rmtree(stray, ignore_errors=True)


def test_backup_while_the_database_is_written_then_restore_is_identical(tmp_path, accounts):
    data = tmp_path / "var"
    data.mkdir()
    make_data(data)
    hubdb = sqlite3.connect(data / "jupyterhub.sqlite")
    hubdb.execute("CREATE TABLE users (name TEXT, n INTEGER)")
    hubdb.commit()
    stop = threading.Event()

    def writer():  # the hub keeps writing while the backup runs
        db = sqlite3.connect(data / "jupyterhub.sqlite", timeout=30)
        i = 0
        while not stop.is_set():
            db.execute("INSERT INTO users VALUES (?, ?)", (f"user{i}", i))
            db.commit()
            i += 1
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        r = cli("backup", "--data-dir", str(data), "-o", str(tmp_path / "b.tar.gz"), "--quiet",
                env={"YOUTHLAB_ACCOUNTS": str(accounts), "YOUTHLAB_SPAWNER": "demo"})
    finally:
        stop.set()
        thread.join()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Backup done" in r.stdout
    assert oct((tmp_path / "b.tar.gz").stat().st_mode & 0o777) == "0o600"  # it holds the cookie secret
    before = tree(data)
    snapshot_rows = None

    # The data folder is lost; restore into a new one.
    shutil.rmtree(data)
    r = cli("restore", str(tmp_path / "b.tar.gz"), "--data-dir", str(data))
    assert r.returncode == 0, r.stdout + r.stderr
    after = tree(data)
    for rel, entry in before.items():
        if rel in ("jupyterhub.sqlite", "jupyterhub.pid") or rel.startswith("octoprint-venv"):
            continue
        assert after.get(rel) == entry, rel
    assert "jupyterhub.pid" not in after and "octoprint-venv" not in after
    db = sqlite3.connect(data / "jupyterhub.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)  # a consistent copy
    snapshot_rows = db.execute("SELECT count(*), max(n) FROM users").fetchone()
    assert snapshot_rows[0] == snapshot_rows[1] + 1  # every row up to the moment of the copy
    assert (data / "restored-config" / "accounts.yaml").read_bytes() == accounts.read_bytes()
    gb = sqlite3.connect(data / "courses" / "class-demo" / "gradebook.db")
    assert gb.execute("SELECT * FROM grade").fetchall() == [("student1", 7.0)]


def test_restore_refuses_a_non_empty_folder_in_korean_and_english(tmp_path, accounts):
    data = tmp_path / "var"
    data.mkdir()
    make_data(data)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--data-dir", str(data), "-o", str(archive), "--quiet",
               env={"YOUTHLAB_ACCOUNTS": str(accounts), "YOUTHLAB_SPAWNER": "demo"}).returncode == 0
    (data / "homes" / "student2" / "work.ipynb").write_text("newer work")
    for lang, text in (("en", "The restore target is not empty"), ("ko", "복원할 곳이 비어 있지 않아요")):
        r = cli("restore", str(archive), "--data-dir", str(data), lang=lang)
        assert r.returncode == 2 and text in r.stderr and "--force" in r.stderr, r.stderr
    assert (data / "homes" / "student2" / "work.ipynb").read_text() == "newer work"  # untouched
    # --force restores and keeps what was there, moved aside
    r = cli("restore", str(archive), "--data-dir", str(data), "--force", "--quiet")
    assert r.returncode == 0, r.stderr
    assert (data / "homes" / "student2" / "work.ipynb").read_text(encoding="utf-8") == "내 작업 ✓"
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("var.before-restore-")]
    assert len(aside) == 1 and (aside[0] / "homes" / "student2" / "work.ipynb").read_text() == "newer work"


def _tamper(archive: Path, out: Path, name: str) -> None:
    """Copy the archive with one file's bytes changed (the manifest left as it was)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as dst:
        for member in src:
            body = src.extractfile(member).read() if member.isfile() else None
            if member.name == name:
                body = body[:-1] + bytes([body[-1] ^ 1])
            dst.addfile(member, io.BytesIO(body) if body is not None else None)


def test_a_damaged_archive_is_refused_with_the_file_named_and_nothing_written(tmp_path, accounts):
    data = tmp_path / "var"
    data.mkdir()
    make_data(data)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--data-dir", str(data), "-o", str(archive), "--quiet",
               env={"YOUTHLAB_ACCOUNTS": str(accounts), "YOUTHLAB_SPAWNER": "demo"}).returncode == 0
    bad = tmp_path / "bad.tar.gz"
    victim = "data/exchange/class-demo/inbound/student1+lab+2026/lab.ipynb"
    _tamper(archive, bad, victim)
    target = tmp_path / "restored"
    for lang, text in (("en", "The backup archive is damaged"), ("ko", "백업 파일이 손상됐어요")):
        r = cli("restore", str(bad), "--data-dir", str(target), lang=lang)
        assert r.returncode == 2 and text in r.stderr and victim in r.stderr, r.stderr
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if "restoring" in p.name] == []  # staging removed

    # A truncated archive (a copy that stopped half way) is refused the same way.
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    r = cli("restore", str(cut), "--data-dir", str(target))
    assert r.returncode == 2 and "damaged" in r.stderr, r.stderr
    assert not target.exists()


@root_only
def test_isolated_homes_keep_owners_modes_and_links_and_users_come_back(tmp_path, accounts, prefix):
    data = tmp_path / "var"
    data.mkdir()
    make_data(data)
    users = {}
    for account in ("student1", "teacher"):
        name = prefix + account
        # ids from a band no other test's useradd reaches (they take the lowest free), so a
        # parallel test cannot take them between the removal and the restore below
        uid = _free_high_id()
        # the student's own group has an id of its own (not the user's), as on a machine
        # where groups were made in another order
        gid = uid if account == "teacher" else next(g for g in iter(_free_high_id, None) if g != uid)
        subprocess.run(["groupadd", "--gid", str(gid), name], check=True, capture_output=True)
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--uid", str(uid), "--gid", str(gid),
                        name], check=True, capture_output=True)
        users[account] = pwd.getpwnam(name)
    home = Path(users["student1"].pw_dir)
    (home / "lab").mkdir()
    (home / "lab" / "lab.ipynb").write_text('{"cells": [1]}')
    (home / "secret.txt").write_text("mine")
    (home / "passwords").symlink_to("/etc/shadow")  # a curious student's link
    (home / "lab-link").symlink_to(home / "lab")  # a link to a folder: not walked twice
    for path in [home, *home.rglob("*")]:
        os.lchown(path, users["student1"].pw_uid, users["student1"].pw_gid)
    home.chmod(0o700)
    (home / "secret.txt").chmod(0o600)
    env = {"YOUTHLAB_ACCOUNTS": str(accounts), "YOUTHLAB_SPAWNER": "system-users",
           "YOUTHLAB_SYSTEM_USER_PREFIX": prefix}
    archive = tmp_path / "b.tar.gz"
    r = cli("backup", "--data-dir", str(data), "-o", str(archive), env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 student homes" in r.stdout
    with tarfile.open(archive) as tar:
        link = tar.getmember(f"homes/{prefix}student1/passwords")
        assert link.issym() and link.linkname == "/etc/shadow"  # the link, never the target
        shadow = Path("/etc/shadow").read_bytes().splitlines()[0]
        assert shadow not in b"".join(tar.extractfile(m).read() for m in tar if m.isfile())
        assert tar.getmember(f"homes/{prefix}student1/secret.txt").uname == prefix + "student1"
    before = tree(home)
    names = {account: (u.pw_uid, u.pw_gid) for account, u in users.items()}

    # A fresh machine: the users, their homes and the data folder are gone.
    from tests.hub.hubrunner import remove_system_accounts

    remove_system_accounts(prefix)
    shutil.rmtree(data)
    assert not home.exists()
    r = cli("restore", str(archive), "--data-dir", str(data), "--quiet", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    back = pwd.getpwnam(prefix + "student1")
    old_uid, old_gid = names["student1"]
    assert old_gid != old_uid
    assert (back.pw_uid, back.pw_gid) == (old_uid, old_gid)  # the old ids are kept: they are free
    assert grp.getgrgid(back.pw_gid).gr_name == prefix + "student1"  # in its own group, as before
    teacher = pwd.getpwnam(prefix + "teacher")
    assert (teacher.pw_uid, teacher.pw_gid) == names["teacher"]
    assert Path(back.pw_dir) == home
    after = tree(home)
    ids = {old_uid: back.pw_uid}, {old_gid: back.pw_gid}
    assert after == {rel: (*entry[:-2], ids[0].get(entry[-2], entry[-2]), ids[1].get(entry[-1], entry[-1]))
                     for rel, entry in before.items()}
    assert (home / "passwords").is_symlink() and os.readlink(home / "passwords") == "/etc/shadow"
    assert oct(home.stat().st_mode & 0o777) == "0o700"
    # the restored student can read their own file, not as root
    r = subprocess.run(["su", "-s", "/bin/sh", prefix + "student1", "-c", f"cat {home}/secret.txt"],
                       capture_output=True, text=True)
    assert r.stdout == "mine", r.stderr


@root_only
def test_restore_refuses_when_a_students_home_is_not_empty(tmp_path, accounts, prefix):
    data = tmp_path / "var"
    data.mkdir()
    name = prefix + "student1"
    subprocess.run(["useradd", "--create-home", name], check=True, capture_output=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    (home / "a.txt").write_text("old")
    env = {"YOUTHLAB_ACCOUNTS": str(accounts), "YOUTHLAB_SPAWNER": "system-users",
           "YOUTHLAB_SYSTEM_USER_PREFIX": prefix}
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--data-dir", str(data), "-o", str(archive), "--quiet", env=env).returncode == 0
    (home / "a.txt").write_text("newer")
    r = cli("restore", str(archive), "--data-dir", str(tmp_path / "new"), env=env)
    assert r.returncode == 2 and str(home) in r.stderr, r.stderr
    assert (home / "a.txt").read_text() == "newer" and not (tmp_path / "new").exists()


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): content(p) for p in sorted(folder.rglob("*")) if p.is_file()
            and not p.is_symlink()}


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1200)  # two hub starts, a course, a spawn and an autograde on 2 shared cores
@root_only
def test_backup_of_a_running_hub_then_wipe_restore_and_the_student_logs_in_again(prefix):
    """A course, a submission, grades; backup while the hub runs; the machine loses the
    data folder, the students' system users and homes; restore; the same password works
    and notebooks, submissions and grades are byte-identical."""
    cls = "class-demo"
    data = Path(tempfile.mkdtemp(prefix="youthlab-backup-e2e-"))  # /tmp: open to the accounts
    archive = Path(tempfile.mkdtemp(prefix="youthlab-backups-")) / "hall.tar.gz"
    env = {"YOUTHLAB_SYSTEM_USER_PREFIX": prefix}
    try:
        _backup_wipe_restore(data, archive, env, prefix, cls)
    finally:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(archive.parent, ignore_errors=True)


def _backup_wipe_restore(data: Path, archive: Path, env: dict[str, str], prefix: str, cls: str) -> None:
    from tests.grading.fakes import GOOD, LAB, NB
    from tests.hub.hubrunner import start_hub

    def youthlab(*args: str) -> subprocess.CompletedProcess:
        r = cli(*args, "--data-dir", str(data), env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        return r

    def server(hub, user: str):
        s = hub.login(user)
        s.post(f"{hub.url}hub/api/users/{user}/server", timeout=60)
        hub.wait_ready(s, user, timeout=240)
        base = f"{hub.url}user/{user}/"
        s.get(f"{base}lab", timeout=30)
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path=f"/user/{user}/") or s.headers["X-XSRFToken"]
        return s, base

    hub = start_hub(data, env)
    try:
        passwords = dict(hub.passwords)
        youthlab("course", "create", "visit-90", "--class", cls)
        youthlab("course", "release", LAB, "--class", cls)
        s, base = server(hub, "student1")
        assert s.post(f"{base}assignments/fetch", data={"course_id": cls, "assignment_id": LAB}, timeout=60).ok
        path = f"{cls}/{LAB}/{NB}"
        nb = s.get(f"{base}api/contents/{path}", timeout=30).json()["content"]
        for cell in nb["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in GOOD:
                cell["source"] = GOOD[gid]
        assert s.put(f"{base}api/contents/{path}", json={"type": "notebook", "format": "json", "content": nb},
                     timeout=30).ok
        assert s.post(f"{base}assignments/submit", data={"course_id": cls, "assignment_id": LAB}, timeout=60).ok
        youthlab("course", "collect", LAB, "--class", cls)
        assert "Graded 1" in youthlab("course", "autograde", LAB, "--class", cls).stdout
        youthlab("course", "export", "--class", cls, "-o", str(data / "grades-before.csv"))
        home = Path(pwd.getpwnam(prefix + "student1").pw_dir)
        saved = (home / cls / LAB / NB).read_bytes()
        before = {"exchange": _hashes(data / "exchange"), "course": _hashes(data / "courses" / cls),
                  "home": _hashes(home)}
        # Backup while the hub and the student's server run.
        r = cli("backup", "--data-dir", str(data), "-o", str(archive), env=env)
        assert r.returncode == 0 and "Backup done" in r.stdout, r.stdout + r.stderr
    finally:
        hub.stop()  # also removes this prefix's system users, with their homes
    shutil.rmtree(data)
    assert not home.exists()
    with pytest.raises(KeyError):
        pwd.getpwnam(prefix + "student1")

    r = cli("restore", str(archive), "--data-dir", str(data), "--quiet", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (home / cls / LAB / NB).read_bytes() == saved
    hub = start_hub(data, env)
    try:
        hub.passwords = passwords  # printed only at the first start
        s, base = server(hub, "student1")  # logs in with the same password
        got = s.get(f"{base}api/contents/{path}", timeout=30).json()["content"]
        assert any(GOOD["route"] in "".join(c["source"]) for c in got["cells"])
        youthlab("course", "export", "--class", cls, "-o", str(data / "grades-after.csv"))
        assert (data / "grades-after.csv").read_bytes() == (data / "grades-before.csv").read_bytes()
        rows = list(csv.DictReader(io.StringIO((data / "grades-after.csv").read_text(encoding="utf-8-sig"))))
        assert [r[f"{LAB} score"] for r in rows if r["student"] == "student1"] == ["7"]
        assert _hashes(data / "exchange") == before["exchange"]
        after_course = _hashes(data / "courses" / cls)
        assert {k: v for k, v in after_course.items() if k in before["course"]} == before["course"]
        assert (home / cls / LAB / NB).read_bytes() == saved
        # the student's own server still reads and writes its home as its own user
        assert s.put(f"{base}api/contents/{cls}/{LAB}/{NB}", json={"type": "notebook", "format": "json",
                                                                  "content": got}, timeout=30).ok
    finally:
        hub.stop()


def test_a_nightly_backup_into_a_folder_keeps_the_newest_copies(tmp_path, accounts):
    data = tmp_path / "var"
    data.mkdir()
    make_data(data)
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in ("20261101", "20261102", "20261103"):  # earlier nights
        (folder / f"youthlab-backup-{day}-023000.tar.gz").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup")
    r = cli("backup", "--data-dir", str(data), "-o", f"{folder}/", "--keep", "2", "--quiet",
            env={"YOUTHLAB_ACCOUNTS": str(accounts), "YOUTHLAB_SPAWNER": "demo"})
    assert r.returncode == 0, r.stdout + r.stderr
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and names[0] == "notes.txt" and names[1] == "youthlab-backup-20261103-023000.tar.gz"
    assert "Removed an old backup" in r.stdout
    new = folder / names[2]
    assert cli("restore", str(new), "--data-dir", str(tmp_path / "check"), "--quiet").returncode == 0
