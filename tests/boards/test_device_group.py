"""Boards in isolated mode: a student's system user opens the station's serial device
through the device group the spawner adds, and the shared lock folder works across users.

Real parts: a real pty (the kind the virtual board uses) made ``root:dialout`` 0660 like a
USB board, real system users (random prefix, removed afterwards), processes that drop root
exactly as the spawner's servers do (JupyterHub's ``set_user_setuid``: ``initgroups``).
"""

from __future__ import annotations

import functools
import grp
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None,
                                reason="makes system users: needs root and useradd")

GROUP = "dialout"


@pytest.fixture
def users():
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        pytest.skip(f"no {GROUP} group on this machine")
    prefix = f"ylt{secrets.token_hex(2)}-"
    made = []
    try:
        for name in ("student1", "student2"):
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                            prefix + name], check=True, capture_output=True)
            made.append(prefix + name)
        yield prefix
    finally:
        for user in made:
            subprocess.run(["userdel", user], capture_output=True)


@pytest.fixture
def board():
    """A pty standing in for /dev/ttyUSB0: root:dialout, 0660."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.chown(path, 0, grp.getgrnam(GROUP).gr_gid)
    os.chmod(path, 0o660)
    try:
        yield master, path
    finally:
        os.close(slave)
        os.close(master)


@functools.cache
def _python() -> Path:
    """A Python the test users may run: the runtime students' servers use (pyenv's under
    /root is closed to them), else this one. Built or brought up to date once per session
    (a walk of the whole venv and standard library), not once per process started."""
    try:
        from youthlab.hub.runtime import student_runtime

        return student_runtime(build=True).bin / "python"
    except ImportError:
        return Path(sys.executable)


def as_user(user: str, code: str, env: dict[str, str] | None = None, wait: bool = True):
    """Run Python code as ``user`` the way the spawner starts a server (initgroups, setgid, setuid)."""
    from jupyterhub.spawner import set_user_setuid

    cmd = [str(_python()), "-c", textwrap.dedent(code)]
    run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "YOUTHLAB_LANG": "en", **(env or {})}
    proc = subprocess.Popen(cmd, preexec_fn=set_user_setuid(user), env=run_env, cwd="/",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not wait:
        return proc
    out, _ = proc.communicate(timeout=60)
    return out


OPEN_BOARD = """
import os, sys
try:
    fd = os.open({path!r}, os.O_RDWR | os.O_NOCTTY)
except PermissionError:
    print("DENIED")
    sys.exit(0)
os.write(fd, b"print('hi from the board')\\r\\n")
print("OPENED")
"""


def test_only_a_user_in_the_device_group_opens_the_board(users, board):
    from youthlab.hub.groups import add_to_groups, device_groups

    master, path = board
    s1, s2 = users + "student1", users + "student2"
    assert device_groups({}) == ["dialout"] and device_groups({"YOUTHLAB_DEVICE_GROUPS": ""}) == []
    # what the spawner does before a student's server starts
    assert add_to_groups(s1, device_groups({})) == [GROUP]
    assert add_to_groups(s1, [GROUP, "no-such-group-here"]) == []  # idempotent, unknown skipped
    assert s1 in grp.getgrnam(GROUP).gr_mem and s2 not in grp.getgrnam(GROUP).gr_mem

    out = as_user(s1, OPEN_BOARD.format(path=path))
    assert out.strip() == "OPENED", out
    assert b"hi from the board" in os.read(master, 200)
    out = as_user(s2, OPEN_BOARD.format(path=path))
    assert out.strip() == "DENIED", out  # the same board, a user without the group


def test_the_shared_lock_folder_works_across_system_users(users, monkeypatch):
    from youthlab.hub.spawner import share_with_system_users

    s1, s2 = users + "student1", users + "student2"
    data = Path(tempfile.mkdtemp(prefix="youthlab-locks-"))
    try:
        share_with_system_users(data)
        env = {"YOUTHLAB_DATA_DIR": str(data)}
        hold = as_user(s1, """
            import sys, time
            from youthlab.boards.locks import BoardLock
            lock = BoardLock("id:ABC123", owner="student1").acquire()
            print("HELD", flush=True)
            time.sleep(30)
        """, env={**env, "JUPYTERHUB_USER": "student1"}, wait=False)
        assert hold.stdout.readline().strip() == "HELD"
        try:
            take = """
                from youthlab.boards.errors import BoardInUse
                from youthlab.boards.locks import BoardLock, boards_in_use
                try:
                    BoardLock("id:ABC123", owner="student2").acquire()
                    print("TAKEN")
                except BoardInUse as exc:
                    print("IN USE:", exc.message("en"))
                print("HOLDERS", boards_in_use())
            """
            out = as_user(s2, take, env={**env, "JUPYTERHUB_USER": "student2"})
            assert "IN USE:" in out and "student1" in out and "TAKEN" not in out, out
            assert "HOLDERS {'student1': ['id:ABC123']}" in out, out
        finally:
            hold.kill()
            hold.wait(10)
        out = as_user(s2, take, env={**env, "JUPYTERHUB_USER": "student2"})  # free again: student2 takes it
        assert "TAKEN" in out, out

        # a symlink planted in the shared folder in place of a lock file is never followed
        secret = data / "secret"
        secret.write_text("SECRET")
        secret.chmod(0o600)
        lock_dir = data / "boards" / "locks"
        out = as_user(s1, f"""
            import os
            os.symlink({str(secret)!r}, {str(lock_dir / "id_TRAP.lock")!r})
            print("PLANTED")
        """)
        assert "PLANTED" in out, out
        from youthlab.boards.errors import BoardInUse
        from youthlab.boards.locks import BoardLock

        monkeypatch.setenv("YOUTHLAB_DATA_DIR", str(data))
        with pytest.raises(BoardInUse):  # root (a teacher's tool, the hub) would have followed it
            BoardLock("id:TRAP").acquire()
        assert secret.read_text() == "SECRET" and oct(secret.stat().st_mode & 0o777) == "0o600"
    finally:
        shutil.rmtree(data, ignore_errors=True)
