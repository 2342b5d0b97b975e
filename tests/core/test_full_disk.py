"""A full disk loses nothing saved before: notebook save, autograde's gradebook, backup.

Each test mounts a real small tmpfs (root only; unmounted in teardown), saves something,
fills the disk, tries again as the user would, and checks the error text (ko and en)
and that what was saved before is byte-identical.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import requests

from tests.conftest import ROOT, free_port, kill_tree
from tests.core.submitting import notebook, student_ready_to_submit

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs (root)")


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` to the last byte, then give back ``leave`` bytes."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for block in (1 << 16, 4096, 1):
            try:
                while True:
                    os.write(fd, b"x" * block)
            except OSError:
                pass
        if leave:
            os.ftruncate(fd, os.fstat(fd).st_size - leave)
    finally:
        os.close(fd)
    return filler


def test_jupyter_servers_own_atomic_writing_truncates_a_notebook_on_a_full_disk(small_disk):
    """Why the hub's servers use youthlab.hub.safe_contents: the default is not safe."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    cm = FileContentsManager(root_dir=str(small_disk))
    assert cm.use_atomic_writing  # the default
    cm.save({"type": "notebook", "format": "json", "content": notebook(10)}, "a.ipynb")
    before = (small_disk / "a.ipynb").read_bytes()
    fill(small_disk, leave=4096)
    with pytest.raises(Exception):
        cm.save({"type": "notebook", "format": "json", "content": notebook(6000)}, "a.ipynb")
    assert (small_disk / "a.ipynb").read_bytes() != before  # the student's work is gone


@pytest.fixture
def server(small_disk, tmp_path):
    """A real jupyter-server with the hub's config folder, its notebooks on the small disk."""
    port, token = free_port(), "t0ken"
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(ROOT / "hub_config"), JUPYTER_CONFIG_DIR=str(home / "cfg"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "rt"), HOME=str(home))
    proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyter-server"), "--allow-root", "--no-browser",
                             f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={small_disk}"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / "server.log", "w"), start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    s = requests.Session()
    s.headers["Authorization"] = f"token {token}"
    try:
        for _ in range(300):
            try:
                if s.get(f"{base}api/status", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError((tmp_path / "server.log").read_text())
        yield s, base
    finally:
        kill_tree(proc.pid)


def test_a_notebook_save_on_a_full_disk_keeps_the_saved_notebook_and_says_why(server, small_disk):
    s, base = server
    put = s.put(f"{base}api/contents/lab.ipynb", json={"type": "notebook", "format": "json",
                                                     "content": notebook(10)}, timeout=30)
    assert put.ok, put.text
    before = (small_disk / "lab.ipynb").read_bytes()
    filler = fill(small_disk, leave=4096)
    for size in (6000, 20000, 300000):  # written at flush, during the write, bigger than the disk
        r = s.put(f"{base}api/contents/lab.ipynb", json={"type": "notebook", "format": "json",
                                                       "content": notebook(size)}, timeout=30)
        assert r.status_code == 507, (size, r.status_code, r.text)
        message = r.json()["message"]
        assert "디스크가 가득 찼어요" in message and "The disk is full" in message, message
        assert (small_disk / "lab.ipynb").read_bytes() == before, size
        assert not [p.name for p in small_disk.iterdir() if p.name.endswith(".saving")]
    # The student opens the notebook again: it is the last one saved, and valid.
    got = s.get(f"{base}api/contents/lab.ipynb", timeout=30).json()["content"]
    assert "x = 1" in got["cells"][0]["source"]
    # Space again: the next save works.
    filler.unlink()
    r = s.put(f"{base}api/contents/lab.ipynb", json={"type": "notebook", "format": "json",
                                                   "content": notebook(6000)}, timeout=30)
    assert r.ok, r.text
    assert len((small_disk / "lab.ipynb").read_bytes()) > 6000


def test_a_full_disk_during_backup_leaves_no_half_archive_and_says_why(small_disk, tmp_path):
    data = tmp_path / "var"
    (data / "homes" / "student1").mkdir(parents=True)
    (data / "homes" / "student1" / "big.bin").write_bytes(os.urandom(2 << 20))  # more than the disk
    earlier = small_disk / "youthlab-backup-earlier.tar.gz"
    earlier.write_bytes(b"an earlier backup")
    env = dict(os.environ, YOUTHLAB_SPAWNER="demo")
    for lang, text in (("en", "The disk is full"), ("ko", "디스크가 가득 찼어요")):
        r = subprocess.run([str(Path(sys.executable).parent / "youthlab"), "--lang", lang, "backup", "--quiet",
                            "--data-dir", str(data), "-o", str(small_disk / "new.tar.gz")],
                           capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 2 and text in r.stderr, r.stdout + r.stderr
        assert "Traceback" not in r.stderr
        assert sorted(p.name for p in small_disk.iterdir()) == ["youthlab-backup-earlier.tar.gz"]
        assert earlier.read_bytes() == b"an earlier backup"


def _gradebook(path: Path, rows: int) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE grade (id TEXT PRIMARY KEY, notebook_id TEXT, auto_score REAL)")
    db.executemany("INSERT INTO grade VALUES (?, ?, ?)", [(f"g{i}", f"nb{i}", 1.0) for i in range(rows)])
    db.commit()
    db.close()


def test_a_full_disk_during_the_gradebook_merge_keeps_the_gradebook(small_disk, tmp_path):
    """Autograde's last step (youthlab.grading.autograde.write_gradebook) on a full disk."""
    from youthlab.grading.autograde import GradebookDiskFull, write_gradebook

    book = small_disk / "gradebook.db"
    _gradebook(book, 50)
    before = book.read_bytes()
    fill(small_disk)

    def change(db: sqlite3.Connection) -> None:
        db.executemany("INSERT INTO grade VALUES (?, ?, ?)",
                       [(f"new{i}", "x" * 200, 2.0) for i in range(2000)])

    with pytest.raises(GradebookDiskFull) as err:
        write_gradebook(book, change)
    assert "디스크가 가득 찼어요" in err.value.message("ko") and "The disk is full" in err.value.message("en")
    assert book.read_bytes() == before
    assert sqlite3.connect(book).execute("SELECT count(*) FROM grade").fetchone() == (50,)
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "gradebook.db"]


def test_a_full_disk_during_a_submission_keeps_the_last_complete_submission(small_disk, tmp_path):
    """``nbgrader submit`` with YouthLab's exchange (as a student's server runs it), the
    exchange on the full disk: no half entry that collect would take as the newest."""
    student = student_ready_to_submit(small_disk / "exchange", tmp_path / "student1")
    r = student.submit("en")
    assert r.returncode == 0, r.stdout + r.stderr
    (first,) = student.inbound.iterdir()
    kept = {p.name: p.read_bytes() for p in first.iterdir()}
    # The student works on: a much bigger notebook than the disk has room for.
    student.work.write_text(nbformat.writes(notebook(3 << 20)))
    fill(small_disk)
    for lang, text in (("en", "The disk is full"), ("ko", "디스크가 가득 찼어요")):
        time.sleep(1.1)  # a new timestamp, as a later click would have
        r = student.submit(lang)
        assert r.returncode != 0 and text in r.stdout + r.stderr, r.stdout + r.stderr
        assert [p.name for p in student.inbound.iterdir()] == [first.name]  # no half entry
        assert {p.name: p.read_bytes() for p in first.iterdir()} == kept


@pytest.mark.parametrize("where", ["write", "fsync"])
def test_a_quota_reached_during_a_save_keeps_the_saved_notebook_and_says_why(tmp_path, monkeypatch, where):
    """EDQUOT, by its errno: user quotas cannot be switched on here (this kernel's tmpfs
    has no ``usrquota`` and the machine no quota tools), so the write or the fsync of
    the save answers EDQUOT the way a file system over a student's quota does."""
    import asyncio
    import errno

    from tornado import web

    from youthlab.hub import safe_contents
    from youthlab.hub.safe_contents import SafeContentsManager

    cm = SafeContentsManager(root_dir=str(tmp_path))
    model = {"type": "notebook", "format": "json", "content": notebook(10)}
    asyncio.run(cm.save(model, "lab.ipynb"))
    before = (tmp_path / "lab.ipynb").read_bytes()

    def over_quota(*args, **kwargs):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    if where == "fsync":
        monkeypatch.setattr(safe_contents.os, "fsync", over_quota)
    else:
        real_fdopen = os.fdopen

        class QuotaFile:
            def __init__(self, fh):
                self.fh = fh

            def write(self, data):
                over_quota()

            def __getattr__(self, name):
                return getattr(self.fh, name)

        monkeypatch.setattr(safe_contents.os, "fdopen", lambda *a, **k: QuotaFile(real_fdopen(*a, **k)))
    with pytest.raises(web.HTTPError) as caught:
        asyncio.run(cm.save({"type": "notebook", "format": "json", "content": notebook(5000)}, "lab.ipynb"))
    assert caught.value.status_code == 507
    assert "디스크가 가득 찼어요" in caught.value.log_message and "The disk is full" in caught.value.log_message
    assert (tmp_path / "lab.ipynb").read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".saving")]  # no half-written file left
    # the student opens it again: the last notebook saved, valid
    assert "x = 1" in asyncio.run(cm.get("lab.ipynb"))["content"]["cells"][0]["source"]
