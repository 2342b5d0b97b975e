"""Autograde sandbox, for real: nbgrader grades a class with hostile submissions in it.

As root: every worker's kernels run as a sandbox system user (random prefix, removed at
teardown). One submission attacks the gradebooks, the grader's processes, the machine's
files and the network, and plants a symlink where the grader writes; one forks, fills memory and prints
50 MB; one has cells that cannot be interrupted. Each must cost only its own grade.
"""

from __future__ import annotations

import os
import pwd
import secrets
import textwrap
import time
from pathlib import Path

import pytest

from tests.grading.fakes import GOOD, LAB, submit
from youthlab.grading.autograde import autograde
from youthlab.grading.course import create_course, release
from youthlab.grading.curriculum import load
from youthlab.grading.sandbox import processes_of, remove_users
from youthlab.hub.accounts import AccountPlan

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root (system users)")

PLAN = AccountPlan("operator", {"teacher": ["class-s"]}, {"class-s": ["ana", "bo", "hog", "lim", "mal", "stuck", "sym"]})
WRONG = {"stamp_price": "def stamp_price(grams):\n    return 0",
         "sort_letters": "def sort_letters(letters):\n    return letters",
         "route": "route = []"}


def _attack(course_root: Path, victim: Path, marker: str, port: int) -> str:
    """Everything a curious student tries from a graded cell; prints what got through."""
    return textwrap.dedent(f'''
        import glob, os, signal, sqlite3
        got = []
        dbs = [{str(course_root / "gradebook.db")!r}] + glob.glob({str(course_root / ".autograde-work/*/gradebook.db")!r})
        for db in dbs:  # (a) set my score to full marks and a classmate's to zero
            try:
                con = sqlite3.connect(db)
                con.execute("UPDATE grade SET auto_score = max_score")
                con.execute("UPDATE grade SET auto_score = 0, manual_score = 0 WHERE notebook_id IN "
                            "(SELECT n.id FROM submitted_notebook n JOIN submitted_assignment a "
                            "ON n.assignment_id = a.id WHERE a.student_id = 'ana')")
                con.commit()
                got.append("gradebook " + db)
            except Exception:
                pass
        for pid in [os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:  # (b)
            if pid != os.getpid():
                try:
                    os.kill(pid, signal.SIGKILL)
                    got.append("killed " + str(pid))
                except OSError:
                    pass
        for path in [{str(victim)!r}, {str(victim.parent / marker)!r}, "/tmp/{marker}"]:  # (f)
            try:
                with open(path, "a") as f:
                    f.write("pwned")
                got.append("wrote " + path)
            except OSError:
                pass
        import socket
        try:  # the hub's API, the flight service, the drone: anything on the network
            socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"hello")
            got.append("tcp")
        except OSError:
            pass
        try:
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"takeoff", ("127.0.0.1", {port}))
            got.append("udp")
        except OSError:
            pass
        for name in ["python-basics.ipynb", "../python-basics.ipynb"]:  # (g) root writes here later?
            try:
                os.symlink({str(victim)!r}, name)
            except OSError:
                pass
        print("GOT", got)
        def stamp_price(grams):
            return 0
        ''')


HOG = textwrap.dedent('''
    import os, time
    def stamp_price(grams):
        if grams <= 25:
            return 520
        return 520 + 120 * ((grams - 25 + 24) // 25)
    print("x" * 50_000_000)  # (e) 50 MB of output
    try:  # (d) memory until it fails
        hog = []
        while True:
            hog.append(bytearray(50 * 1024 * 1024))
    except MemoryError:
        hog = None
    for _ in range(100000):  # (c) fork bomb: children fork for ever
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.05)
    ''')


FULL = textwrap.dedent('''
    import os, time
    for _ in range(1000):  # every process the limit allows…
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(600)
            os._exit(0)
    print("y" * 3_000_000)  # … then a long print
    ''')


WHO = 'import os, resource\nprint("WHO", os.getuid(), resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20)'


@pytest.fixture(scope="module")
def prefix():
    value = f"ylt{secrets.token_hex(2)}-"
    old = os.environ.get("YOUTHLAB_SYSTEM_USER_PREFIX")
    os.environ["YOUTHLAB_SYSTEM_USER_PREFIX"] = value
    try:
        yield value
    finally:
        if old is None:
            del os.environ["YOUTHLAB_SYSTEM_USER_PREFIX"]
        else:
            os.environ["YOUTHLAB_SYSTEM_USER_PREFIX"] = old
        remove_users(value)
        assert not [e for e in pwd.getpwall() if e.pw_name.startswith(value)]


@pytest.fixture(scope="module")
def graded(prefix, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    course, _ = create_course(load("visit-90"), "class-s", PLAN, data)
    release(course, LAB)
    outside = Path("/srv") / f"{prefix}outside"  # a folder every user can see, root-owned
    outside.mkdir(mode=0o755)
    victim = outside / "victim.txt"
    victim.write_text("root's file\n")
    marker = f"{prefix}marker"
    import socket

    listener = socket.create_server(("127.0.0.1", 0))  # stands for the hub / flight service
    listener.setblocking(False)
    drone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # stands for the drone (UDP)
    drone.bind(("127.0.0.1", listener.getsockname()[1]))
    drone.setblocking(False)
    try:
        submit(course.root, "ana")
        submit(course.root, "bo")
        submit(course.root, "mal", dict(WRONG, stamp_price=_attack(course.root, victim, marker,
                                                                     listener.getsockname()[1])))
        submit(course.root, "hog", dict(GOOD, stamp_price=HOG))
        submit(course.root, "stuck", dict(GOOD, stamp_price="x = sum(range(10**12))",
                                          sort_letters="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                       "while True:\n    pass"))
        submit(course.root, "lim", dict(GOOD, stamp_price=GOOD["stamp_price"] + "\n" + WHO))
        planted = submit(course.root, "sym")  # (g) a submission whose notebook is a symlink to root's file
        planted.unlink()
        planted.symlink_to(victim)
        start = time.monotonic()
        report = autograde(course, LAB, workers=2, timeout=5)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
        with pytest.raises(BlockingIOError):
            drone.recv(100)  # no datagram arrived
        yield course, report, victim, marker, time.monotonic() - start
    finally:
        listener.close()
        drone.close()
        for p in sorted(outside.iterdir()):
            p.unlink()
        outside.rmdir()


def _score(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course.name) as gb:
        return gb.find_submission(LAB, student).score


def test_submissions_ran_as_sandbox_users_and_everyone_is_graded(graded, prefix):
    course, report, *_ = graded
    assert report.isolated and report.sandbox_users == [f"{prefix}sandbox-0", f"{prefix}sandbox-1"]
    assert report.graded == ["ana", "bo", "hog", "lim", "mal", "stuck"], report
    assert not report.failed
    out = (course.root / "autograded" / "lim" / LAB / "python-basics.ipynb").read_text()
    uids = {pwd.getpwnam(n).pw_uid for n in report.sandbox_users}
    assert any(f"WHO {uid} 1024" in out for uid in uids), out[:2000]
    for name in report.sandbox_users:
        entry = pwd.getpwnam(name)
        assert entry.pw_uid != 0 and entry.pw_shell == "/usr/sbin/nologin"
        assert not processes_of(entry.pw_uid)  # nothing a submission started is still running
        assert not [g for g in os.getgrouplist(name, entry.pw_gid) if g != entry.pw_gid]  # no other groups


def test_attacker_gets_its_true_score_and_classmates_keep_theirs(graded):
    course, report, victim, marker, _ = graded
    assert _score(course, "mal") == 0  # every answer wrong: the gradebook writes did not happen
    assert _score(course, "ana") == 7 and _score(course, "bo") == 7
    out = (course.root / "autograded" / "mal" / LAB / "python-basics.ipynb").read_text()
    # no gradebook, no process, no network, no file outside the sandbox: only its own private /tmp
    assert f"GOT ['wrote /tmp/{marker}']" in out
    assert victim.read_text() == "root's file\n"  # not through the symlink either
    assert not (victim.parent / marker).exists() and not Path(f"/tmp/{marker}").exists()


def test_fork_bomb_memory_hog_and_50_mb_of_output_cost_only_that_submission(graded):
    course, report, *_ = graded
    events = {e["event"] for e in report.sandbox["hog"]}
    assert "output_truncated" in events
    nb = course.root / "autograded" / "hog" / LAB / "python-basics.ipynb"
    assert 1_000_000 < nb.stat().st_size < 3_000_000  # the 50 MB print was cut at 1 MB: its head is kept
    assert "Output too long: everything after 1 MB was cut off." in nb.read_text()
    # its own grade, whatever it is: 7 when its kernel survived the cell in time; on a busy
    # machine the cell may overrun the time limit and be ended by force (then its function is lost)
    assert _score(course, "hog") == 7 or events & {"kernel_died", "uninterruptible"}
    assert events <= {"output_truncated", "kernel_died", "uninterruptible"}
    assert (course.root / "gradebook.db").stat().st_size < 3_000_000


def test_uninterruptible_cells_cost_those_cells_and_the_class_is_graded_in_bounded_time(graded):
    course, report, _, _, seconds = graded
    stopped = [e for e in report.sandbox["stuck"] if e["event"] == "uninterruptible"]
    assert [e["cell"] for e in stopped] == ["python-basics.ipynb:stamp_price", "python-basics.ipynb:sort_letters"]
    assert _score(course, "stuck") == 3  # the route (3 points) still ran, in a fresh kernel
    assert seconds < 150, seconds
    assert set(report.sandbox) == {"hog", "stuck"} | ({"mal"} if "mal" in report.sandbox else set())


def test_a_symlinked_submission_is_not_graded_and_nothing_is_read_through_it(graded):
    course, report, victim, *_ = graded
    assert "symbolic link" in report.broken["sym"]
    saved = (course.root / "reports" / f"{LAB}.json").read_text()
    assert "root's file" not in saved and victim.read_text() == "root's file\n"
    assert not (course.root / "autograded" / "sym").exists()


def test_without_the_sandbox_the_report_says_not_isolated_and_limits_still_apply(graded):
    course, *_ = graded
    report = autograde(course, LAB, workers=1, timeout=5, students=["lim"], sandbox=False)
    assert report.graded == ["lim"] and not report.isolated and not report.sandbox_users
    out = (course.root / "autograded" / "lim" / LAB / "python-basics.ipynb").read_text()
    assert f"WHO {os.getuid()} 1024" in out  # the grader's own uid (demo mode), memory limit on
    assert _score(course, "lim") == 7


def test_a_long_print_after_the_process_limit_is_full_is_cut_and_reported(prefix):
    """Sending a long output needs no new thread in the kernel: with every process the limit
    allows in use, a 3 MB print is still cut at 1 MB and reported (it used to abort the
    kernel, or garble its messages, and the print was lost)."""
    import shutil
    import tempfile
    from dataclasses import asdict

    import nbformat
    from traitlets.config import Config

    from youthlab.grading.sandbox import Limits, ensure_user
    from youthlab.grading.sandbox_execute import SandboxExecute, sandbox_events

    user = ensure_user(f"{prefix}sandbox-9")  # removed with the others by the prefix fixture
    work = tempfile.mkdtemp(prefix=prefix)
    os.chmod(work, 0o755)
    config = Config()
    config.SandboxKernelManager.sandbox_user = user.name
    config.SandboxKernelManager.sandbox_limits = asdict(Limits.for_timeout(5))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FULL), nbformat.v4.new_code_cell("print('next')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    try:
        nb, _ = SandboxExecute(config=config, timeout=5).preprocess(nb, {"metadata": {"path": work}})
    finally:
        shutil.rmtree(work)
    assert [e["event"] for e in sandbox_events(nb, "lab.ipynb")] == ["output_truncated"]
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert text.startswith("y" * 100_000) and 1_000_000 <= text.count("y") < 1_100_000
    assert "Output too long: everything after 1 MB was cut off." in text
    assert "next" in "".join(o.get("text", "") for o in nb.cells[1].outputs)
