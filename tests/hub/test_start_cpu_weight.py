"""A server starting yields the CPU to the students already working (Spawner.start_cpu_weight).

On this machine's real cgroup v1 ``cpu`` controller (as root): the account's group is made
at the start weight, the spinners of a "working" account get several times the CPU of a
"starting" one, and once the start ends the account has its normal weight again. Every
group is removed at teardown.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from types import SimpleNamespace

import psutil
import pytest
from traitlets.config import Config

from youthlab.hub.limits import AccountLimits, CgroupV1Backend, RlimitBackend, detect
from youthlab.hub.spawner import YouthLabSpawner

V1 = pytest.mark.skipif(os.geteuid() != 0 or detect() != "cgroup1",
                        reason="needs root and writable cgroup v1 controllers")


@pytest.fixture
def hub_id():
    hub = f"ylt{secrets.token_hex(2)}"
    backend = CgroupV1Backend(hub_id=hub)
    if "cpu" not in backend._controller_bases():
        pytest.skip("no cpu controller")
    accounts: list[str] = []
    yield hub, accounts
    for account in accounts:
        backend.release(account, "")
    backend.cleanup_stale()
    for base in backend.bases():
        assert not base.exists(), f"left behind: {base}"


def spawner_for(account: str, hub: str, **traits) -> YouthLabSpawner:
    c = Config()
    c.CgroupBackend.hub_id = hub
    user = SimpleNamespace(name=account, url=f"/user/{account}/", escaped_name=account)
    return YouthLabSpawner(user=user, config=c, limits_backend="cgroup1", cpu_weight=100, **traits)


def shares(hub: str, account: str) -> int:
    base = CgroupV1Backend(hub_id=hub)._controller_bases()["cpu"]
    return int((base / account / "cpu.shares").read_text())


def spinners(spawner: YouthLabSpawner, n: int, seconds: float) -> list[subprocess.Popen]:
    code = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    place = spawner._placement
    return [subprocess.Popen([sys.executable, "-c", code], preexec_fn=lambda: place.join(os.getpid()))
            for _ in range(n)]


def cpu_of(procs: list[subprocess.Popen]) -> float:
    total = 0.0
    for p in procs:
        try:
            total += sum(psutil.Process(p.pid).cpu_times()[:2])
        except psutil.Error:
            pass
    return total


@V1
@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_a_starting_server_yields_to_a_working_student_and_gets_its_weight_when_ready(hub_id):
    hub, accounts = hub_id
    working, starting = f"work{secrets.token_hex(2)}", f"start{secrets.token_hex(2)}"
    accounts += [working, starting]
    w = spawner_for(working, hub, start_cpu_weight=0)  # already working: its normal weight
    w._prepare_limits()
    s = spawner_for(starting, hub, start_cpu_weight=25)
    s._prepare_limits()
    assert shares(hub, working) == 1024 and shares(hub, starting) == 256
    n = 2 * max(2, os.cpu_count() or 2)  # more spinners than cores in each account
    procs = {}
    procs[working], procs[starting] = [], []
    for _ in range(n):  # started in turns: neither account gets a head start
        procs[working] += spinners(w, 1, 14)
        procs[starting] += spinners(s, 1, 14)
    try:
        time.sleep(1.5)
        before = {a: cpu_of(p) for a, p in procs.items()}
        time.sleep(4)
        during = {a: cpu_of(p) - before[a] for a, p in procs.items()}
        s._end_start_weight()  # the server answers
        assert shares(hub, starting) == 1024
        time.sleep(0.5)
        before = {a: cpu_of(p) for a, p in procs.items()}
        time.sleep(4)
        after = {a: cpu_of(p) - before[a] for a, p in procs.items()}
    finally:
        for ps in procs.values():
            for p in ps:
                p.kill()
                p.wait(10)
    while_starting = during[working] / max(during[starting], 0.01)
    once_ready = after[working] / max(after[starting], 0.01)
    print(f"\nworking vs starting account, CPU ratio: while starting {while_starting:.1f} (ideal 4), "
          f"once ready {once_ready:.1f} (ideal 1)")
    assert while_starting > 2, during
    assert 0.5 < once_ready < 2, after


@V1
def test_a_second_server_of_a_running_account_does_not_lower_its_weight(hub_id):
    """A teacher's class server starting must not slow the teacher's running server."""
    hub, accounts = hub_id
    teacher = f"teach{secrets.token_hex(2)}"
    accounts.append(teacher)
    first = spawner_for(teacher, hub)
    first._prepare_limits()
    first._end_start_weight()
    proc = spinners(first, 1, 30)[0]
    try:
        deadline = time.monotonic() + 5
        while not first.limits().processes(teacher) and time.monotonic() < deadline:
            time.sleep(0.02)
        second = spawner_for(teacher, hub, orm_spawner=SimpleNamespace(name="class-b", server=None))
        second._prepare_limits()
        assert shares(hub, teacher) == 1024 and second._reweigh_to is None
        second._end_start_weight()
        assert shares(hub, teacher) == 1024
    finally:
        proc.kill()
        proc.wait(10)
        CgroupV1Backend(hub_id=hub).release(teacher, "class-b")


def test_without_a_cgroup_the_start_runs_at_the_normal_weight():
    """Per-process nice can only go up for the student's own user: no lowering then."""
    s = YouthLabSpawner(user=SimpleNamespace(name="x", url="/user/x/", escaped_name="x"), start_cpu_weight=25)
    limits = s._starting_limits(RlimitBackend(), AccountLimits(cpu_weight=100))
    assert limits.cpu_weight == 100 and s._reweigh_to is None
    assert RlimitBackend().set_cpu_weight("x", 100) is False
