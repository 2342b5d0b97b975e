"""Isolated by default: the mode `youthlab up` picks and refuses, the runtime mirror the
accounts run from, the hub's private files.

Real processes throughout: `youthlab up` as root and as the unprivileged user ``nobody``
(a laptop without root), the mirror built from this very checkout (whose Python is
pyenv's under /root, mode 0700) and run as ``nobody``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
MARK = secrets.token_hex(8)
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="builds the runtime mirror and switches users: needs root")


def _env(**extra: str) -> dict[str, str]:
    # Mirror whatever the machine's folders are right now (another test may open /root for a while).
    env = {k: v for k, v in os.environ.items() if k not in ("YOUTHLAB_SPAWNER", "YOUTHLAB_RUNTIME_DIR")}
    env["YOUTHLAB_RUNTIME_MIRROR"] = "always"
    env.update(extra)
    return env


def _up(*args: str, env: dict[str, str], user: str | None = None, exe: str = YOUTHLAB) -> subprocess.CompletedProcess:
    cmd = [exe, "up", "--port", str(free_port()), "--hub-api-port", str(free_port()),
           "--proxy-api-port", str(free_port()), "--kiosk-port", str(free_port()), *args]
    if user:
        cmd = [RUNUSER, "-u", user, "--", *cmd]
    return subprocess.run(cmd, env=dict(env, YLT_UP_MARK=MARK), capture_output=True, text=True, timeout=120, cwd="/")


@pytest.fixture(scope="module")
def runtime_dir():
    """A runtime folder every user may enter (like /opt/youthlab), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="ylt-runtime-"))
    folder.chmod(0o755)
    yield folder / "rt"
    shutil.rmtree(folder, ignore_errors=True)


def _build(runtime_dir: Path) -> dict:
    code = ("import json; from youthlab.hub import runtime as r\n"
            "print(json.dumps(r.build_mirror(r.mirror_dir())))")
    out = subprocess.run([sys.executable, "-c", code], env=_env(YOUTHLAB_RUNTIME_DIR=str(runtime_dir)),
                         capture_output=True, text=True, check=True, timeout=300).stdout
    import json

    return json.loads(out.strip().splitlines()[-1])


def _mirror(runtime_dir: Path) -> Path:
    (mirror,) = [p for p in runtime_dir.iterdir() if p.is_dir()]
    return mirror


def _modes(*roots: Path) -> dict[str, tuple[int, int, int]]:
    """(mode, uid, gid) of every folder in and above ``roots`` (not the venv's files: too many)."""
    seen = {}
    for root in roots:
        for folder in [root, *root.parents]:
            st = folder.stat()
            seen[str(folder)] = (st.st_mode, st.st_uid, st.st_gid)
        for dirpath, dirnames, _ in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", ".git", "var", ".venv")]
            st = os.stat(dirpath)
            seen[dirpath] = (st.st_mode, st.st_uid, st.st_gid)
    return seen


@as_root
@pytest.mark.alone  # its second build must find nothing new: no other test writes meanwhile
def test_the_runtime_mirror_lets_a_user_with_no_rights_run_the_servers_without_opening_root(runtime_dir):
    sources = [ROOT, Path(sys.prefix), Path(os.path.realpath(sys.executable)).parents[1]]
    before = _modes(*sources)
    first = _build(runtime_dir)
    second = _build(runtime_dir)
    print(f"runtime mirror: first build {first['seconds']} s ({first['linked']} linked, {first['copied']} copied), "
          f"second {second['seconds']} s ({second['unchanged']} unchanged)")
    assert first["linked"] + first["copied"] > 1000
    assert second["linked"] + second["copied"] == 0 and second["unchanged"] >= first["linked"]

    mirror = _mirror(runtime_dir)
    probe = ("import sys, youthlab, jupyterhub, nbgrader, youthlab.paths as p\n"
             "print(sys.prefix, youthlab.__file__, p.labs_dir().is_dir(), p.project_root())")
    r = subprocess.run([RUNUSER, "-u", "nobody", "--", str(mirror / "venv" / "bin" / "python"), "-c", probe],
                       capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(mirror / "venv"), str(mirror / "project" / "youthlab" / "__init__.py"),
                                "True", str(mirror / "project")]
    for server in ("jupyterhub-singleuser", "youthlab-jupyterhub-singleuser"):  # the second is what spawns run
        r = subprocess.run([RUNUSER, "-u", "nobody", "--", str(mirror / "venv" / "bin" / server), "--version"],
                           capture_output=True, text=True, cwd="/")
        assert r.returncode == 0 and r.stdout.strip(), (server, r.stderr)

    # Writable by root alone; the accounts plan is not in it; nothing above changed.
    for dirpath, dirnames, filenames in os.walk(mirror):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if not stat.S_ISLNK(st.st_mode):
                assert st.st_uid == 0 and not st.st_mode & 0o022, os.path.join(dirpath, name)
    assert not (mirror / "project" / "hub_config" / "accounts.yaml").exists()
    after = _modes(*sources)
    changed = {k: (before[k], after[k]) for k in before.keys() & after.keys() if before[k] != after[k]}
    assert changed == {}
    assert stat.S_IMODE(Path("/root").stat().st_mode) == stat.S_IMODE(before["/root"][0])

    # A file that went away from the sources goes away from the mirror.
    stray = mirror / "project" / "youthlab" / "gone_module.py"
    stray.write_text("x = 1\n")
    _build(runtime_dir)
    assert not stray.exists()


@as_root
def test_two_hubs_building_the_mirror_at_once_both_get_a_working_one(runtime_dir):
    shutil.rmtree(runtime_dir, ignore_errors=True)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: _build(runtime_dir), range(2)))
    assert sorted(r["linked"] + r["copied"] > 0 for r in results) == [False, True]  # one built, one found it done
    mirror = _mirror(runtime_dir)
    r = subprocess.run([RUNUSER, "-u", "nobody", "--", str(mirror / "venv" / "bin" / "python"), "-c",
                        "import youthlab.hub.launcher"], capture_output=True, text=True, cwd="/")
    assert r.returncode == 0, r.stderr


@as_root
def test_doctor_says_when_the_accounts_cannot_run_the_runtime(tmp_path):
    closed = tmp_path / "closed"  # a folder only root may enter, like /root or a CI temp folder
    closed.mkdir(mode=0o700)
    env = _env(YOUTHLAB_RUNTIME_DIR=str(closed / "rt"))
    r = subprocess.run([YOUTHLAB, "--lang", "en", "doctor"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout
    assert "✗ Accounts can run their servers (jupyterhub-singleuser, youthlab): missing" in r.stdout
    assert "cannot run the Python in" in r.stdout and "Everything is ready" not in r.stdout
    ko = subprocess.run([YOUTHLAB, "--lang", "ko", "doctor"], env=env, capture_output=True, text=True, timeout=300)
    assert ko.returncode == 1 and "학생 계정이 서버를 실행할 수 있음" in ko.stdout and "모두 준비됐어요" not in ko.stdout


@as_root
def test_doctor_names_demo_mode(tmp_path):
    r = subprocess.run([YOUTHLAB, "--lang", "en", "doctor"], env=_env(YOUTHLAB_SPAWNER="demo"),
                       capture_output=True, text=True, timeout=300)
    assert "! Account isolation mode: DEMO MODE — accounts are not isolated" in r.stdout
    assert "refuses demo mode unless given --demo-runs-students-as-root" in r.stdout


def _nothing_started(data: Path, r: subprocess.CompletedProcess) -> None:
    """No data folder, no "Starting" line, and no process left that `up` started (every
    process it starts inherits the marker in its environment)."""
    import psutil

    assert not data.exists()
    assert "Starting the hub" not in r.stdout and "허브를 시작하는 중" not in r.stdout
    for proc in psutil.process_iter():
        try:
            assert proc.environ().get("YLT_UP_MARK") != MARK, proc.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass


@as_root
def test_demo_mode_as_root_is_refused_without_the_flag_that_says_so(tmp_path):
    r = _up("--data-dir", str(tmp_path / "data"), env=_env(YOUTHLAB_SPAWNER="demo", YOUTHLAB_LANG="en"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Demo mode run as root would run every student's code as root: nothing was started." in r.stderr
    assert "--demo-runs-students-as-root" in r.stderr and "Traceback" not in r.stderr
    ko = _up("--data-dir", str(tmp_path / "data"), env=_env(YOUTHLAB_SPAWNER="demo", YOUTHLAB_LANG="ko"))
    assert ko.returncode == 2 and "모든 학생의 코드가 root로 실행돼요" in ko.stderr
    _nothing_started(tmp_path / "data", r)
    _nothing_started(tmp_path / "data", ko)


@as_root
def test_demo_mode_refuses_the_network_without_the_flag(tmp_path):
    env = _env(YOUTHLAB_SPAWNER="demo", YOUTHLAB_LANG="en")
    r = _up("--ip", "0.0.0.0", "--demo-runs-students-as-root", "--data-dir", str(tmp_path / "data"), env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Demo mode does not isolate accounts, so it was not opened on 0.0.0.0 (loopback only)." in r.stderr
    assert "--open-demo-to-network" in r.stderr and "Traceback" not in r.stderr
    ko = _up("--ip", "0.0.0.0", "--demo-runs-students-as-root", "--data-dir", str(tmp_path / "data"),
             env=dict(env, YOUTHLAB_LANG="ko"))
    assert ko.returncode == 2 and "데모 모드는 계정끼리 격리되지 않아서 0.0.0.0 주소로 열지 않았어요" in ko.stderr
    _nothing_started(tmp_path / "data", r)
    _nothing_started(tmp_path / "data", ko)


@as_root
def test_on_a_machine_without_root_up_is_demo_mode_and_refuses_the_network(runtime_dir):
    """``nobody`` stands for a laptop user: it runs the mirror's ``youthlab`` (the checkout's
    own Python is not theirs to run here)."""
    if not runtime_dir.exists():
        _build(runtime_dir)
    exe = str(_mirror(runtime_dir) / "venv" / "bin" / "youthlab")
    data = runtime_dir.parent / "laptop-data"
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "YOUTHLAB_LANG": "en"}
    r = _up("--ip", "0.0.0.0", "--data-dir", str(data), env=env, user="nobody", exe=exe)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Demo mode does not isolate accounts, so it was not opened on 0.0.0.0" in r.stderr
    _nothing_started(data, r)
    # … and isolated mode, asked for without root, says what it needs.
    r = _up("--data-dir", str(data), env=dict(env, YOUTHLAB_SPAWNER="system-users"), user="nobody", exe=exe)
    assert r.returncode == 2 and "Isolated mode (a system user per account) needs the hub to run as root." in r.stderr


def test_the_hubs_private_files_are_private_from_creation_whatever_the_umask(tmp_path):
    from youthlab.hub.accounts import SEED_FILE, load_plan, prepare_first_start
    from youthlab.hub.datadir import PRIVATE_FILES, open_private, prepare_data_dir
    from youthlab.paths import hub_config_dir

    assert SEED_FILE in PRIVATE_FILES
    old = os.umask(0)  # the most open umask an operator could have
    try:
        for isolated, mode in ((True, 0o711), (False, 0o700)):
            data = tmp_path / f"data-{isolated}"
            prepare_data_dir(data, isolated=isolated)
            prepare_first_start(load_plan(hub_config_dir() / "accounts.yaml"), data, data / "jupyterhub.sqlite")
            with open_private(data / "jupyterhub.log") as log:
                log.write(b"x")
            assert stat.S_IMODE(data.stat().st_mode) == mode
            made = sorted(p.name for p in data.iterdir())
            assert made == sorted(["jupyterhub.sqlite", "jupyterhub_cookie_secret", "jupyterhub.pid",
                                   "jupyterhub.log", SEED_FILE])
            for path in data.iterdir():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            secret = (data / "jupyterhub_cookie_secret").read_text().strip()
            assert len(secret) == 64 and int(secret, 16)  # what JupyterHub expects: 32 bytes, hex
    finally:
        os.umask(old)
    # An older install's readable database is closed at the next start.
    (tmp_path / "data-True" / "jupyterhub.sqlite").chmod(0o644)
    prepare_data_dir(tmp_path / "data-True", isolated=True)
    assert stat.S_IMODE((tmp_path / "data-True" / "jupyterhub.sqlite").stat().st_mode) == 0o600
