"""Per-account limits (youthlab.hub.limits): memory, processes and CPU for a whole account.

The cgroup tests use this machine's real cgroup v1 controllers (as root): a group under a
random name, real processes in it, a real OOM kill and a real fork bomb; every group is
removed at teardown. The rlimit fallback runs as a throwaway system user (RLIMIT_NPROC
does not bind root). Detection is checked on fake cgroup folders. The e2e test at the
end starts a real hub in system-users mode.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import kill_tree
from youthlab.hub.limits import (
    AccountLimits,
    CgroupV1Backend,
    RlimitBackend,
    detect,
    make_backend,
    nice_for_weight,
)

MiB = 2**20
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
V1 = pytest.mark.skipif(os.geteuid() != 0 or detect() != "cgroup1",
                        reason="needs root and writable cgroup v1 controllers")

HOG = textwrap.dedent("""
    import sys
    chunks = []
    for i in range(1, 100):
        chunks.append(bytearray(10 * 2**20))  # touched: bytearray zero-fills its pages
        print(i * 10, flush=True)
    print("SURVIVED", flush=True)
""")

FORK_BOMB = textwrap.dedent("""
    import os, time
    children = 0
    try:
        while children < 1000:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            children += 1
        print("NO LIMIT", children, flush=True)
    except BlockingIOError as e:
        print("EAGAIN after", children, "children", e.errno, flush=True)
    time.sleep(60)
""")


@pytest.fixture
def v1_backend():
    """A cgroup v1 backend under a random hub id; all its groups gone at teardown."""
    backend = CgroupV1Backend(hub_id=f"ylt{secrets.token_hex(2)}")
    used: list[tuple[str, str]] = []
    yield backend, used
    for account, server in used:
        backend.release(account, server)  # kills leftovers, removes the leaves
    backend.cleanup_stale()
    for base in backend.bases():
        assert not base.exists(), f"left behind: {base}"


def _start_in(placement, code: str, user: str | None = None, **kwargs) -> subprocess.Popen:
    def preexec():
        placement.join(os.getpid())
        if user:
            entry = pwd.getpwnam(user)
            os.setgid(entry.pw_gid)
            os.setgroups([])
            os.setuid(entry.pw_uid)
        placement.restrict()

    # the system's Python for a throwaway user (the venv's may sit under /root, mode 0700)
    python = (shutil.which("python3", path="/usr/bin:/bin") or sys.executable) if user else sys.executable
    return subprocess.Popen([python, "-c", code], preexec_fn=preexec, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd="/", **kwargs)


def _holder(place):
    """Another account's process holding 100 MiB; write a line to it to check the memory."""
    other = _start_in(place, "import sys\nb = bytearray(100 * 2**20)\nprint('HOLD', flush=True)\n"
                      "sys.stdin.readline()\nprint('INTACT', len(b) == 100 * 2**20 and b[-1] == 0, flush=True)",
                      stdin=subprocess.PIPE)
    assert other.stdout.readline().strip() == "HOLD"
    return other


def _intact(other) -> None:
    other.stdin.write("\n")
    other.stdin.flush()
    assert other.stdout.readline().strip() == "INTACT True"
    assert other.wait(10) == 0


@V1
def test_memory_hog_is_stopped_at_its_accounts_limit_while_another_account_keeps_its_memory(v1_backend):
    backend, used = v1_backend
    limits = AccountLimits(memory_bytes=150 * MiB, max_processes=64, cpu_weight=100)
    hog_place = backend.prepare("studenta", "", limits, own_user=False)
    other = _holder(backend.prepare("studentb", "", limits, own_user=False))
    used += [("studenta", ""), ("studentb", "")]
    hog = _start_in(hog_place, HOG)
    out, _ = hog.communicate(timeout=60)
    assert "SURVIVED" not in out
    # one process alone meets its MemoryError (RLIMIT_DATA = the account's limit) or the OOM killer
    assert hog.returncode == -9 or "MemoryError" in out, out
    reached = max(int(x) for x in out.split() if x.isdigit())
    assert 100 <= reached <= 150, out  # stopped near the account's limit, not before
    _intact(other)


@V1
def test_one_allocation_bigger_than_the_account_is_a_memory_error_not_a_kill(v1_backend):
    backend, used = v1_backend
    place = backend.prepare("studenta", "", AccountLimits(memory_bytes=150 * MiB), own_user=False)
    used.append(("studenta", ""))
    proc = _start_in(place, "try:\n    x = bytearray(300 * 2**20)\nexcept MemoryError:\n    print('MemoryError')\n"
                            "print('ALIVE')")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out.split() == ["MemoryError", "ALIVE"], out


@V1
def test_memory_limit_covers_all_processes_of_the_account_together(v1_backend):
    """Two processes of one account, 90 MiB each, in a 150 MiB account: one is killed,
    inside that account; another account holding 100 MiB keeps it."""
    backend, used = v1_backend
    place = backend.prepare("studenta", "", AccountLimits(memory_bytes=150 * MiB), own_user=False)
    used.append(("studenta", ""))
    other = _holder(backend.prepare("studentb", "", AccountLimits(memory_bytes=150 * MiB), own_user=False))
    used.append(("studentb", ""))
    hold = "import time\nb = bytearray(90 * 2**20)\nprint('HOLD', flush=True)\ntime.sleep(30)"
    first = _start_in(place, hold)
    assert first.stdout.readline().strip() == "HOLD"
    second = _start_in(place, hold)
    deadline = time.monotonic() + 30
    while first.poll() is None and second.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert -9 in (first.poll(), second.poll())  # per-process rlimits would have let both live
    oom = (backend._controller_bases()["memory"] / "studenta" / "server" / "memory.oom_control").read_text()
    assert "oom_kill 1" in oom, oom  # the OOM killer acted inside studenta's group …
    _intact(other)  # … and studentb's memory was not touched
    assert backend.release("studenta", "") >= 1  # what is left is killed with the group


@V1
def test_fork_bomb_is_capped_at_pids_max_and_a_stopped_server_leaves_nothing_behind(v1_backend):
    backend, used = v1_backend
    place = backend.prepare("studenta", "", AccountLimits(max_processes=20), own_user=False)
    used.append(("studenta", ""))
    bomb = _start_in(place, FORK_BOMB)
    line = bomb.stdout.readline()
    assert line.startswith("EAGAIN after"), line
    children = int(line.split()[2])
    assert children < 20  # the bomb itself counts too
    members = backend.processes("studenta")
    assert len(members) == children + 1
    pids_max = (backend._controller_bases()["pids"] / "studenta" / "pids.max").read_text().strip()
    assert pids_max == "20"

    killed = backend.release("studenta", "")
    assert killed == children + 1
    bomb.wait(5)
    assert all(not Path(f"/proc/{pid}").exists() or _is_zombie(pid) for pid in members)
    assert not (backend._controller_bases()["memory"] / "studenta").exists()


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


@V1
def test_cpu_weight_and_swap_limit_are_written(v1_backend):
    backend, used = v1_backend
    backend.prepare("studenta", "", AccountLimits(memory_bytes=300 * MiB, max_processes=50, cpu_weight=50),
                    own_user=False)
    used.append(("studenta", ""))
    bases = backend._controller_bases()
    group = bases["memory"] / "studenta"
    assert int((group / "memory.limit_in_bytes").read_text()) == 300 * MiB
    if (group / "memory.memsw.limit_in_bytes").exists():  # else a hog would swap instead of being stopped
        assert int((group / "memory.memsw.limit_in_bytes").read_text()) == 300 * MiB
    if "cpu" in bases:
        assert (bases["cpu"] / "studenta" / "cpu.shares").read_text().strip() == "512"
        # the folders above the accounts weigh what their accounts do together (at least one
        # process's 1024): a class is not squeezed into one process's share on a busy machine
        backend.prepare("studentb", "", AccountLimits(cpu_weight=200), own_user=False)
        used.append(("studentb", ""))
        shares = sum(int(p.read_text()) for p in bases["cpu"].glob("*/cpu.shares"))
        assert shares >= 512 + 2048
        assert int((bases["cpu"] / "cpu.shares").read_text()) == max(1024, shares)
        assert int((bases["cpu"].parent / "cpu.shares").read_text()) >= max(1024, shares)
    # raising the limit later (config changed, hub restarted) works too (memsw first)
    backend.prepare("studenta", "", AccountLimits(memory_bytes=600 * MiB), own_user=False)
    assert int((group / "memory.limit_in_bytes").read_text()) == 600 * MiB


@V1
def test_hub_start_removes_empty_stale_groups_but_not_busy_ones(v1_backend):
    backend, used = v1_backend
    backend.prepare("gone", "", AccountLimits(max_processes=10), own_user=False)
    busy = backend.prepare("busy", "class-a", AccountLimits(max_processes=10), own_user=False)
    used += [("gone", ""), ("busy", "class-a")]
    proc = _start_in(busy, "import time; time.sleep(30)")
    time.sleep(0.3)
    removed = backend.cleanup_stale()
    mem = backend._controller_bases()["memory"]
    assert str(mem / "gone") in removed and not (mem / "gone").exists()
    assert (mem / "busy" / "server-class-a").is_dir() and proc.poll() is None
    backend.release("busy", "class-a")
    proc.wait(5)


@V1
def test_hub_start_removes_the_empty_folders_other_hubs_left_but_not_a_running_hubs(v1_backend):
    backend, used = v1_backend
    stopped = CgroupV1Backend(hub_id=f"ylt{secrets.token_hex(2)}")
    running = CgroupV1Backend(hub_id=f"ylt{secrets.token_hex(2)}")
    for other in (stopped, running):
        other.prepare("student1", "", AccountLimits(max_processes=10), own_user=False)
    stopped.release("student1", "")  # a hub that stopped: its own folder stays, empty
    try:
        assert all(b.is_dir() for b in stopped.bases())
        backend.cleanup_stale()  # this hub starts
        assert not any(b.exists() for b in stopped.bases())
        assert all((b / "student1").is_dir() for b in running.bases())
    finally:
        running.release("student1", "")
        running.cleanup_stale()
    assert not any(b.exists() for b in running.bases())


@V1
@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_cpu_weight_gives_an_account_its_share_when_the_machine_is_busy(v1_backend):
    """Two spinners per account on one core: weight 100 against 25 gets several times the CPU."""
    backend, used = v1_backend
    if "cpu" not in backend._controller_bases():
        pytest.skip("no cpu controller")
    # All spinners on one core: the weights decide who runs there. Spread over cores, the load
    # balancer may give each account a core of its own, and weights never come into play.
    core = min(os.sched_getaffinity(0))
    spin = (f"import os, time\nos.sched_setaffinity(0, {{{core}}})\nend = time.monotonic() + 8\n"
            "while time.monotonic() < end: pass")
    spinners = 2
    places = {}
    for account, weight in (("busy-normal", 100), ("busy-low", 25)):
        places[account] = backend.prepare(account, "", AccountLimits(cpu_weight=weight), own_user=False)
        used.append((account, ""))
    procs = {a: [] for a in places}
    for _ in range(spinners):  # started in turns: neither account gets a head start
        for account, place in places.items():
            procs[account].append(_start_in(place, spin))
    import psutil

    handles = {a: [psutil.Process(p.pid) for p in ps] for a, ps in procs.items()}

    def used_cpu() -> dict[str, float]:
        return {a: sum(sum(h.cpu_times()[:2]) for h in hs) for a, hs in handles.items()}

    time.sleep(2)  # every spinner is past its start-up
    before = used_cpu()
    time.sleep(4)
    after = used_cpu()
    cpu = {a: after[a] - before[a] for a in after}
    for ps in procs.values():
        for p in ps:
            p.wait(20)
    ratio = cpu["busy-normal"] / max(cpu["busy-low"], 0.01)
    print(f"\nCPU seconds in 4 s, weight 100 vs 25: {cpu['busy-normal']:.2f} vs {cpu['busy-low']:.2f} "
          f"(ratio {ratio:.1f}, ideal 4)")
    assert ratio > 2, cpu


def test_cgroup2_backend_writes_the_limits_into_a_delegated_tree(tmp_path):
    """No v2 hierarchy with controllers on this machine: a fake tree shaped like one
    (the kernel makes the interface files; here they are made beforehand)."""
    from youthlab.hub.limits import CgroupV2Backend

    hub = tmp_path / "youthlab" / "abc"
    group = hub / "student1"
    for folder in (tmp_path, tmp_path / "youthlab", hub, group, group / "server"):
        folder.mkdir(exist_ok=True)
        (folder / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
        (folder / "cgroup.subtree_control").write_text("")
        (folder / "cgroup.procs").write_text("")
    for name in ("memory.max", "memory.swap.max", "pids.max", "cpu.weight"):
        (group / name).write_text("max\n")
    backend = CgroupV2Backend(root=str(tmp_path), hub_id="abc")
    place = backend.prepare("student1", "", AccountLimits(400 * MiB, 128, 50), own_user=True)
    assert (group / "memory.max").read_text() == str(400 * MiB)
    assert (group / "memory.swap.max").read_text() == "0"  # no swapping instead of a limit
    assert (group / "pids.max").read_text() == "128"
    assert (group / "cpu.weight").read_text() == "50"
    for folder in (tmp_path, tmp_path / "youthlab", hub):  # controllers enabled down to the account
        assert (folder / "cgroup.subtree_control").read_text().startswith("+")
    assert (group / "cgroup.subtree_control").read_text() == ""  # the account's processes are in leaves
    place.join(4242)
    assert (group / "server" / "cgroup.procs").read_text() == "4242"


# --- rlimit fallback ------------------------------------------------------------------


@pytest.fixture
def system_user():
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("needs root and useradd")
    name = f"ylt{secrets.token_hex(2)}-rl"
    subprocess.run(["useradd", "--system", "--no-create-home", name], check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], capture_output=True)


def test_rlimit_fallback_stops_a_hog_and_a_fork_bomb_of_an_own_system_user(system_user):
    place = RlimitBackend().prepare("studenta", "", AccountLimits(200 * MiB, 30, 50), own_user=True)
    hog = _start_in(place, "try:\n" + textwrap.indent(HOG, "    ") + "\nexcept MemoryError:\n"
                    "    print('MemoryError', flush=True)", user=system_user)
    out, _ = hog.communicate(timeout=60)
    assert "MemoryError" in out and "SURVIVED" not in out, out
    bomb = _start_in(place, FORK_BOMB, user=system_user)
    try:
        line = bomb.stdout.readline()
        assert line.startswith("EAGAIN after"), line
        assert int(line.split()[2]) < 30
        assert os.getpriority(os.PRIO_PROCESS, bomb.pid) == nice_for_weight(50) == 3
    finally:
        kill_tree(bomb.pid, timeout=5)  # the bomb and every child it made


def test_rlimit_fallback_in_demo_mode_sets_no_process_limit_for_the_shared_uid():
    """With one uid for every account, RLIMIT_NPROC would count the hub and all others."""
    place = RlimitBackend().prepare("studenta", "", AccountLimits(200 * MiB, 30, None), own_user=False)
    proc = _start_in(place, "import resource, time; print(resource.getrlimit(resource.RLIMIT_NPROC),"
                            " resource.getrlimit(resource.RLIMIT_DATA), flush=True)")
    out, _ = proc.communicate(timeout=30)
    nproc = __import__("resource").getrlimit(__import__("resource").RLIMIT_NPROC)
    assert out.strip() == f"{nproc} {(200 * MiB, 200 * MiB)}"


# --- detection on fake cgroup folders ---------------------------------------------------


def _fake_proc(tmp: Path, text: str) -> str:
    path = tmp / "proc-cgroup"
    path.write_text(text)
    return str(path)


def test_detects_cgroup2_only_with_memory_and_pids(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory hugetlb pids rdma misc\n")
    assert detect(str(tmp_path), _fake_proc(tmp_path, "0::/system.slice/youthlab.service\n")) == \
        ("cgroup2" if os.access(tmp_path, os.W_OK) else "rlimits")
    (tmp_path / "cgroup.controllers").write_text("cpu io\n")  # memory/pids given to v1, as here
    assert detect(str(tmp_path), _fake_proc(tmp_path, "0::/\n")) == "rlimits"


def test_detects_cgroup1_and_nests_under_the_hubs_own_groups(tmp_path):
    for controller, own in (("memory", "process_api/x"), ("pids", ""), ("cpu", "")):
        (tmp_path / controller / own).mkdir(parents=True, exist_ok=True)
    proc = _fake_proc(tmp_path, "8:pids:/\n4:memory:/process_api/x\n1:cpu:/\n0::/\n")
    assert detect(str(tmp_path), proc) == "cgroup1"
    backend = CgroupV1Backend(root=str(tmp_path), proc_cgroup=proc, hub_id="abc")
    assert backend._controller_bases() == {"memory": tmp_path / "memory/process_api/x/youthlab/abc",
                                           "pids": tmp_path / "pids/youthlab/abc",
                                           "cpu": tmp_path / "cpu/youthlab/abc"}


def test_detects_none_when_no_cgroup_is_there(tmp_path):
    assert detect(str(tmp_path), _fake_proc(tmp_path, "")) == "rlimits"
    (tmp_path / "memory").mkdir()  # memory alone is not enough: a fork bomb needs pids
    assert detect(str(tmp_path), _fake_proc(tmp_path, "4:memory:/\n")) == "rlimits"


@ROOT_ONLY
def test_a_read_only_cgroup_mount_falls_back_to_rlimits(tmp_path):
    """A container's /sys/fs/cgroup is usually mounted read-only: root can't write it."""
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "cgroup.controllers").write_text("memory pids cpu\n")
    try:
        subprocess.run(["mount", "--bind", "-o", "ro", str(ro), str(ro)], check=True, capture_output=True)
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("cannot make a read-only bind mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], check=True, capture_output=True)
        assert detect(str(ro), _fake_proc(tmp_path, "0::/\n")) == "rlimits"
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)


def test_make_backend_by_name_and_unknown_name():
    from youthlab.hub.limits import LimitsError

    assert isinstance(make_backend("rlimits"), RlimitBackend)
    with pytest.raises(LimitsError) as err:
        make_backend("systemd")
    assert "systemd" in err.value.message("en") and err.value.message("ko") != err.value.message("en")


# --- e2e: a real hub, two students as their own system users --------------------------

E2E_MEM = "400M"
E2E_PIDS = 64  # low enough that the bomb meets pids.max before its copies fill the memory


@pytest.fixture(scope="module")
def limited_hub():
    if os.geteuid() != 0 or shutil.which("useradd") is None or detect() != "cgroup1":
        pytest.skip("needs root, useradd and writable cgroup v1 controllers")
    import hashlib

    from tests.conftest import ROOT
    from tests.hub.hubrunner import start_hub
    prefix = f"ylt{secrets.token_hex(2)}-"
    try:  # older checkouts: open the way to this Python for the accounts
        from tests.hub.test_system_users import _open_path_for_others

        changed = _open_path_for_others(ROOT, Path(os.path.realpath(sys.executable)).parent)
    except ImportError:  # the hub runs servers from a runtime every system user may run
        changed = []
    data = Path(tempfile.mkdtemp(prefix="youthlab-limits-"))
    backend = CgroupV1Backend(hub_id=hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:8])
    running = None
    try:
        running = start_hub(data, {"YOUTHLAB_SPAWNER": "system-users", "YOUTHLAB_SYSTEM_USER_PREFIX": prefix,
                                   "YOUTHLAB_MEM_LIMIT": E2E_MEM, "YOUTHLAB_PIDS_LIMIT": str(E2E_PIDS),
                                   "YOUTHLAB_CULL_IDLE": "0"})
        yield running, prefix, backend
    finally:
        if running is not None:
            running.stop()
        for name in ("student1", "student2"):
            subprocess.run(["userdel", "--remove", prefix + name], capture_output=True)
        for account in ("student1", "student2"):  # in case the hub died before cleaning up
            backend.release(account, "")
        backend.cleanup_stale()
        if not os.environ.get("YOUTHLAB_KEEP_TEST_DATA"):
            shutil.rmtree(data, ignore_errors=True)
        for folder, mode in reversed(changed):
            folder.chmod(mode)
        leftovers = [str(b) for b in backend.bases() if b.exists()]
        assert not leftovers, f"cgroups left behind: {leftovers}"


def _run(base: str, session, kernel_id: str, code: str, timeout: float = 120) -> tuple[str, str]:
    """Like hubrunner.run_code, but also returns when the kernel dies (OOM) and says how it ended."""
    import json

    import websocket

    ws = websocket.create_connection(base.replace("http://", "ws://") + f"api/kernels/{kernel_id}/channels",
                                     cookie="; ".join(f"{c.name}={c.value}" for c in session.cookies),
                                     timeout=timeout, header=[f"X-XSRFToken: {session.headers['X-XSRFToken']}"])
    msg_id = f"limits-{time.time()}"
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": msg_id, "msg_type": "execute_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    out: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] in ("restarting", "dead"):
                return "".join(out), content["execution_state"]
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                out.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out), "idle"
    finally:
        ws.close()
    return "".join(out), "timeout"


def _timed(base, session, kernel_id, code="print(6 * 7)") -> float:
    start = time.monotonic()
    out, how = _run(base, session, kernel_id, code, timeout=60)
    assert how == "idle" and "42" in out, (out, how)
    return time.monotonic() - start


def _wait_for_kernel(base, session, kernel_id, timeout: float = 120) -> None:
    """Wait until a kernel the server is restarting (after an OOM kill) runs code again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out, how = _run(base, session, kernel_id, "print(6 * 7)", timeout=30)
        if how == "idle" and "42" in out:
            return
        time.sleep(1)
    raise TimeoutError(f"kernel {kernel_id} did not come back")


E2E_FORK_BOMB = textwrap.dedent("""
    import os, time
    kids = []
    try:
        while len(kids) < 2000:
            pid = os.fork()
            if pid == 0:
                time.sleep(20)
                os._exit(0)
            kids.append(pid)
        print("NO LIMIT", len(kids))
    except BlockingIOError as e:
        print("EAGAIN after", len(kids), "children")
    time.sleep(float(os.environ.get("HOLD", "0")))
    for pid in kids:  # the student's own clean-up, so the memory test starts from idle
        os.kill(pid, 9)
        os.waitpid(pid, 0)
""")


@pytest.mark.e2e
@pytest.mark.slow
def test_a_fork_bomb_and_a_memory_hog_in_one_students_kernel_leave_the_other_student_working(limited_hub):
    from tests.hub.test_system_users import _kernel

    running, prefix, backend = limited_hub
    base_b, s_b, kernel_b = _kernel(running, "student2")
    base_a, s_a, kernel_a = _kernel(running, "student1")

    # Both servers and their kernels run in their own account's group.
    out, _ = _run(base_a, s_a, kernel_a, "import os; print(os.getpid())")
    kernel_pid = int(out.split()[-1])
    assert kernel_pid in backend.processes("student1") and kernel_pid not in backend.processes("student2")
    pids = backend._controller_bases()["pids"] / "student1"
    mem = backend._controller_bases()["memory"] / "student1"
    assert (pids / "pids.max").read_text().strip() == str(E2E_PIDS)
    assert int((mem / "memory.limit_in_bytes").read_text()) == 400 * 10**6 or \
        int((mem / "memory.limit_in_bytes").read_text()) == 400 * MiB
    tasks_idle = int((pids / "pids.current").read_text())
    mem_idle = int((mem / "memory.usage_in_bytes").read_text())
    print(f"\naccount student1 idle (server + 1 kernel): {tasks_idle} tasks, {mem_idle / MiB:.0f} MiB")

    baseline = min(_timed(base_b, s_b, kernel_b) for _ in range(3))

    # Fork bomb: A's kernel forks until pids.max says no; B answers meanwhile.
    import threading

    result: dict[str, tuple[str, str]] = {}
    bomb = threading.Thread(target=lambda: result.setdefault(
        "bomb", _run(base_a, s_a, kernel_a, "import os\nos.environ['HOLD'] = '8'\n" + E2E_FORK_BOMB, timeout=180)))
    bomb.start()
    deadline = time.monotonic() + 60
    while int((pids / "pids.current").read_text()) < E2E_PIDS - 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    during_bomb = _timed(base_b, s_b, kernel_b)
    bomb.join(200)
    out, how = result["bomb"]
    assert how == "idle" and "EAGAIN after" in out, (out, how)
    children = int(out.split("EAGAIN after")[1].split()[0])
    assert children < E2E_PIDS - tasks_idle + 5

    # Memory hog: killed by the OOM killer inside A's group (or a MemoryError); B answers.
    hog_code = ("chunks = []\nwhile len(chunks) < 200:\n    chunks.append(bytearray(20 * 2**20))\n"
                "    print(len(chunks) * 20, flush=True)\nprint('SURVIVED')")
    started = time.monotonic()
    out, how = _run(base_a, s_a, kernel_a, hog_code, timeout=120)
    hog_seconds = time.monotonic() - started
    assert "SURVIVED" not in out, out
    assert how in ("restarting", "dead") or "MemoryError" in out, (out[-300:], how)
    assert not Path(f"/proc/{kernel_pid}").exists() or "MemoryError" in out
    reached = [int(x) for x in out.split() if x.isdigit()]
    after_hog = _timed(base_b, s_b, kernel_b)
    print(f"A's fork bomb: EAGAIN after {children} children (pids.max {E2E_PIDS}); "
          f"B's round trip: baseline {baseline:.2f} s, during A's fork bomb {during_bomb:.2f} s, "
          f"after A's hog {after_hog:.2f} s; hog reached {max(reached or [0])} MiB of {E2E_MEM} in "
          f"{hog_seconds:.1f} s ({how})")
    assert during_bomb < max(10.0, 10 * baseline) and after_hog < max(10.0, 10 * baseline)

    # Many middle-sized processes (a multiprocessing pool) over the limit: the OOM killer
    # takes a kernel or its child, not the student's server (kernels raise their OOM score).
    import psutil

    server = next(p for p in map(psutil.Process, backend.processes("student1", ""))
                  if any("jupyterhub-singleuser" in part for part in p.cmdline()))
    pool_kernel = kernel_a  # restarted by the server after the OOM kill, as a student sees it
    _wait_for_kernel(base_a, s_a, pool_kernel)
    out, _ = _run(base_a, s_a, pool_kernel, "print('ADJ', open('/proc/self/oom_score_adj').read().strip())")
    assert "ADJ 300" in out, out
    pool = ("import os, time\nkids = []\nfor i in range(6):\n    pid = os.fork()\n    if pid == 0:\n"
            "        b = bytearray(70 * 2**20)\n        time.sleep(10)\n        os._exit(0)\n    kids.append(pid)\n"
            "st = [os.waitpid(p, 0)[1] for p in kids]\n"
            "print('KILLED', sum(1 for s in st if os.WIFSIGNALED(s) and os.WTERMSIG(s) == 9))")
    out, how = _run(base_a, s_a, pool_kernel, pool, timeout=120)
    assert how == "restarting" or "KILLED" in out and not out.strip().endswith("KILLED 0"), (out, how)
    assert server.is_running() and server.status() != psutil.STATUS_ZOMBIE  # A's server survived
    assert s_a.get(f"{base_a}api/status", timeout=30).ok
    print(f"A's pool of 6 x 70 MiB over {E2E_MEM}: {out.strip() or how}; the server lived")

    # A stopped server leaves nothing behind: not even a detached child of a kernel.
    _wait_for_kernel(base_a, s_a, kernel_a)
    out, _ = _run(base_a, s_a, kernel_a, "import subprocess\n"
                  "p = subprocess.Popen(['sleep', '600'], start_new_session=True)\nprint(p.pid)")
    orphan = int(out.split()[-1])
    assert orphan in backend.processes("student1")
    members = backend.processes("student1")
    r = running.login("student1").delete(f"{running.url}hub/api/users/student1/server", timeout=60)
    assert r.status_code in (202, 204), r.text
    deadline = time.monotonic() + 60
    while (mem.exists() or any(Path(f"/proc/{p}").exists() and not _is_zombie(p) for p in members)) \
            and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(Path(f"/proc/{p}").exists() and not _is_zombie(p) for p in members)
    assert not mem.exists() and not pids.exists()
    assert _timed(base_b, s_b, kernel_b) < 30  # and B still answers
