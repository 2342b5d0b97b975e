"""youthlab.sandbox: the primitive every service uses to run student code.

Real processes, real system users as root (random prefix, removed afterwards); the
unprivileged path runs as `nobody` when a Python reachable by other users is installed."""

from __future__ import annotations

import glob
import os
import secrets
import subprocess
import textwrap
import time

import psutil
import pytest

from youthlab.drone.program import program_python  # the runtime mirror when ours is closed
from youthlab.sandbox import Limits, Sandbox, python_launcher_argv, remove_user, run

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (system users)")


@pytest.fixture
def box():
    user = f"ylt{secrets.token_hex(2)}-box"
    sandbox = Sandbox(user=user, env={"LANG": "C.UTF-8", "ONLY": "this"},
                      limits=Limits(cpu_seconds=5, memory_mb=300, processes=20, file_mb=1))
    folders = []

    def go(code: str, timeout: float = 30.0, cap: int = 65536):
        folder = sandbox.scratch()
        folders.append(folder)
        (folder / "main.py").write_text(textwrap.dedent(code))
        sandbox.give(folder / "main.py")
        return run(sandbox, python_launcher_argv(program_python(), "main.py"), folder, timeout=timeout,
                   output_cap=cap, drop_in_python=True)

    go.sandbox = sandbox
    yield go
    for folder in folders:
        Sandbox.remove_scratch(folder)
    remove_user(user)


@root_only
def test_runs_as_its_own_user_with_only_the_given_environment_and_no_network(box, monkeypatch):
    monkeypatch.setenv("YOUTHLAB_TEACHER_PIN", "secret-of-the-caller")
    r = box("""
        import os, socket
        print(os.getuid(), os.getgroups(), sorted(os.environ))
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=2)
        except OSError as e:
            print("net", type(e).__name__)
        for path in ("/root", "/etc/shadow", "/proc/1/environ"):
            try:
                open(path).read()
            except OSError as e:
                print(path, type(e).__name__)
    """)
    uid = int(r.stdout.split()[0])
    assert uid != 0 and "'LANG', 'ONLY'" in r.stdout and "secret-of-the-caller" not in r.stdout
    assert "net OSError" in r.stdout or "net ConnectionRefusedError" not in r.stdout
    assert "/etc/shadow PermissionError" in r.stdout and "/proc/1/environ PermissionError" in r.stdout
    assert "system user" in box.sandbox.describe() and "no network" in box.sandbox.describe()


@root_only
def test_limits_hold_and_nothing_outlives_the_run(box):
    r = box("""
        import os
        try:
            b = bytearray(600 * 1024 * 1024)
            print("memory: got it")
        except MemoryError:
            print("memory: refused")
        try:
            with open("big", "wb") as f:
                f.write(b"x" * 3 * 1024 * 1024)
            print("file: written")
        except OSError as e:
            print("file: refused")
        open("/tmp/note-for-the-next-run", "w").write("hello")
        open("/dev/shm/note-for-the-next-run", "w").write("hello")
        children = 0
        try:
            for _ in range(100):
                if os.fork() == 0:
                    os.setsid()
                    import time
                    time.sleep(300)
                children += 1
        except OSError:
            pass
        print("children", children)
        print("y" * 200000)
    """, cap=1000)
    assert "memory: refused" in r.stdout and "file: refused" in r.stdout
    children = int(r.stdout.split("children ")[1].split()[0])
    assert children < 20
    assert r.dropped >= 199000 and len(r.stdout) <= 1000
    assert r.leftover == children  # every detached sleeper had to be ended …
    import pwd

    uid = pwd.getpwnam(box.sandbox.user).pw_uid
    assert [p for p in psutil.process_iter(["uids", "status"]) if p.info["uids"].real == uid
            and p.info["status"] != psutil.STATUS_ZOMBIE] == []  # … and was
    assert not os.path.exists("/tmp/note-for-the-next-run") and not os.path.exists("/dev/shm/note-for-the-next-run")


@root_only
def test_cpu_time_and_wall_clock_are_bounded(box):
    started = time.monotonic()
    r = box("while True:\n    pass\n", timeout=60)  # 5 CPU-seconds allowed
    assert r.returncode == -24 and not r.timed_out  # SIGXCPU (the machine may be busy: no wall bound here)
    started = time.monotonic()
    r = box("import time\ntime.sleep(60)\n", timeout=1.5)
    assert r.timed_out and time.monotonic() - started < 10


def _shared_python() -> str | None:
    """A Python that `nobody` may run (the hall's runtime under /opt), if installed."""
    for candidate in sorted(glob.glob("/opt/youthlab/*/venv/bin/python")):
        probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", candidate, "-c",
                                "import psutil"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


@root_only
def test_without_root_the_fallback_still_cuts_network_environment_and_leftovers():
    import shutil
    import tempfile
    from pathlib import Path

    python = _shared_python()
    if python is None:
        pytest.skip("no Python that an unprivileged user can run")
    import youthlab

    checkout = os.path.dirname(os.path.dirname(youthlab.__file__))
    folder = Path(tempfile.mkdtemp(prefix="ylt-nonroot-"))  # pytest's tmp is root's alone
    script = folder / "nr.py"
    inner = ("import os, socket\n"
             "print('env', sorted(os.environ))\n"
             "try:\n"
             "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))\n"
             "    print('udp sent')\n"
             "except OSError:\n"
             "    print('udp refused')\n"
             "if os.fork() == 0:\n"
             "    os.setsid()\n"
             "    import time\n"
             "    time.sleep(300)\n")
    script.write_text("\n".join([
        "import sys, os",
        f"sys.path.insert(0, {checkout!r})",
        "from youthlab.sandbox import Sandbox, run, python_launcher_argv",
        "box = Sandbox(user='ignored-without-root', env={'LANG': 'C.UTF-8'})",
        "print('DESCRIBE', box.describe())",
        "d = box.scratch()",
        f"(d / 'main.py').write_text({inner!r})",
        "r = run(box, python_launcher_argv(sys.executable, 'main.py'), d, drop_in_python=True)",
        "print('OUT', r.stdout.replace(chr(10), ' | '))",
        "box.remove_scratch(d)", ""]))
    os.chmod(folder, 0o755)
    script.chmod(0o644)
    try:
        out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", python, str(script)],
                             capture_output=True, text=True, timeout=60, cwd="/tmp")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert "OUT" in out.stdout, out.stdout + out.stderr
    assert "env ['LANG']" in out.stdout
    if "no network (network namespace)" in out.stdout:
        assert "udp refused" in out.stdout
        assert [p for p in psutil.process_iter(["uids", "cmdline"]) if p.info["uids"].real == 65534
                and "main.py" in " ".join(p.info["cmdline"] or [])] == []
    else:
        assert "WARNING" in out.stdout
