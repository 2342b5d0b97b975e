"""Load test: N students against `youthlab up` on this machine, and the largest class it serves.

    python benchmarks/load.py --quick          # 3 students, under a minute on an idle machine
    python benchmarks/load.py --students 30    # one class
    python benchmarks/load.py --find           # 10, 20, 30, 45, 60 … until p95 > 1 s or a failure

Each simulated student (a thread) does what a student's browser does: logs in through the
login form, starts their server, opens JupyterLab (the lab page and the API calls the page
makes at load), opens a notebook (a session with a kernel) and keeps ONE websocket to the
kernel open, as JupyterLab does; runs cells that touch a virtual board
(``connect("virtual:<account>")``: a MicroPython unix-port process of their own), idles while
the page polls the server as JupyterLab does, comes back and runs cells again.

Starting a server is what the hub's spawn page does: when the hub throttles
(``concurrent_spawn_limit``: HTTP 429 "too many users starting"), the student waits the
``Retry-After`` the hub sent and asks again. That wait is spawn time, not a failure. A
failure is what a student would see as broken: a 5xx, a login refused, a server that is not
ready within the hub's own ``start_timeout``, a cell with a wrong answer or none in 120 s.

Arrival (``--ramp``): a class does not press "start" in the same millisecond. Students come
in, sit down and log in over a couple of minutes; by default ``max(60 s, 2 s × N)`` (a class
of 30 over one minute, 60 over two). Why 2 s a student: a server start costs about 1.5–2
CPU-s (benchmarks/class_start.py), so 2 cores start at most ~1 server a second; arrivals
faster than that only queue. A teacher who starts the class before it arrives (the class
page's warm-up, youthlab/hub/classes.py) takes the starts out of the lesson altogether.

Reported per step: spawn-time p50/p95 (asking → ready, throttled waits included, and how
many students were throttled), cell-latency p50/p95 (execute request → kernel idle, on the
open websocket) and the first cell (import + connect to the board) apart, failures, and
where the machine goes: peak RSS and CPU-seconds per student for each kind of process under
the hub (the hub's own loop, the proxy, the culler, the servers, the kernels, the virtual
boards). A step "serves" the class when cell p95 <= 1 s and there are 0 failures.

The plain alternative side by side: the same cells in ONE local Python process (no hub,
no proxy, no per-student server) — the floor no multi-user setup beats; its p95 is printed
for comparison. A served step prints the Helm guarantees its figures give, by the formula of
``youthlab.k8s.StudentSizing`` (docs/operators.md "Capacity"; update ``MEASURED`` there, then
``youthlab k8s values --write``).

Last line: ``RATIO load <largest class served> goal >= 60``. Machine load (``os.getloadavg``)
is printed before each step: on a shared machine, a busy neighbour lowers the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hub.hubrunner import RunningHub, start_hub  # noqa: E402

CELLS = [
    # virtual:<account>: plain connect('virtual') in two accounts at once answers "board in
    # use" (the lock is named after the board, shared across accounts) — reported, boards area
    "import getpass\nfrom youthlab.boards import connect\nb = connect('virtual:' + getpass.getuser())\n"
    "print(b.exec('print(6*7)').strip())",
    "print(b.exec('import sys; print(sys.implementation.name)').strip())",
    "print(sum(range(10000)))",
    "print(b.exec('x = [i*i for i in range(50)]; print(x[-1])').strip())",
]
EXPECT = ["42", "micropython", "49995000", "2401"]
BROWSER_TIMEOUT = 60  # a browser waits this long for a page before the student sees an error
CELL_TIMEOUT = 120
START_TIMEOUT = 180  # the hub's Spawner.start_timeout (hub_config/jupyterhub_config.py)
POLL_EVERY = 10  # JupyterLab polls kernels/sessions/terminals about every 10 s while open
KINDS = ("hub", "proxy", "culler", "server", "kernel", "board", "other")


@dataclass
class Result:
    spawn: list[float] = field(default_factory=list)
    cells: list[float] = field(default_factory=list)
    first_cells: list[float] = field(default_factory=list)
    throttled: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, who: str, why: str) -> None:
        with self.lock:
            self.failures.append(f"{who}: {why}")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def login(hub: RunningHub, name: str) -> requests.Session:
    """The hub's login form, as a browser submits it (hubrunner's login gives up after 10 s).

    The redirect after login leads to /hub/spawn, which starts the server or answers 429
    when the hub throttles: that is :func:`start_server`'s part, so it is not followed here."""
    s = requests.Session()
    page = s.get(f"{hub.url}hub/login", timeout=BROWSER_TIMEOUT)
    page.raise_for_status()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    r = s.post(f"{hub.url}hub/login?next=", data={"username": name, "password": hub.passwords[name],
               "_xsrf": xsrf}, timeout=BROWSER_TIMEOUT, allow_redirects=False)
    if r.status_code >= 400:
        raise RuntimeError(f"login answered {r.status_code}")
    if not any("jupyterhub-hub-login" in c.name for c in s.cookies):
        raise RuntimeError(f"login refused: {r.url}")
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/hub/")
    return s


def start_server(hub: RunningHub, s: requests.Session, name: str, res: Result) -> None:
    """Ask for the server as the spawn page does: on 429 wait Retry-After and ask again."""
    deadline = time.monotonic() + START_TIMEOUT * 3  # throttled waits come on top of the start
    throttled = False
    while True:
        r = s.post(f"{hub.url}hub/api/users/{name}/server", timeout=BROWSER_TIMEOUT)
        if r.status_code in (201, 202, 400):  # 400: already running or starting
            break
        if r.status_code != 429:
            raise RuntimeError(f"spawn answered {r.status_code}: {r.text[:120]}")
        if not throttled:
            throttled = True
            with res.lock:
                res.throttled += 1
        wait = float(r.headers.get("Retry-After", "30"))
        if time.monotonic() + wait > deadline:
            raise TimeoutError("throttled until the deadline")
        time.sleep(wait)
    wait_ready(hub, s, name, START_TIMEOUT + 10)


def wait_ready(hub: RunningHub, s: requests.Session, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = s.get(f"{hub.url}hub/api/users/{name}", timeout=BROWSER_TIMEOUT)
            if r.status_code >= 500:
                raise RuntimeError(f"user model answered {r.status_code}")
            server = r.json().get("servers", {}).get("", {}) if r.ok else {}
            if server.get("ready"):
                return
            if r.ok and not server:  # neither pending nor ready: the start failed
                raise RuntimeError("server start failed (no server in the user model)")
        except requests.Timeout:
            pass  # the spawn page keeps polling too
        time.sleep(0.5)
    raise TimeoutError(f"server not ready after {timeout:.0f} s")


class KernelChannel:
    """One websocket to a kernel, kept open like JupyterLab's, through the proxy."""

    def __init__(self, base: str, s: requests.Session, kernel_id: str, session_id: str) -> None:
        url = base.replace("http://", "ws://") + f"api/kernels/{kernel_id}/channels?session_id={session_id}"
        cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
        self.ws = websocket.create_connection(url, cookie=cookie, timeout=CELL_TIMEOUT,
                                              header=[f"X-XSRFToken: {s.headers.get('X-XSRFToken', '')}"])
        self.session_id = session_id

    def execute(self, code: str) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "student", "session": self.session_id,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        out: list[str] = []
        deadline = time.monotonic() + CELL_TIMEOUT
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
        raise TimeoutError(f"cell still running after {CELL_TIMEOUT} s")

    def close(self) -> None:
        self.ws.close()


def open_lab(s: requests.Session, base: str) -> None:
    """The lab page and the calls JupyterLab makes while it loads."""
    lab = s.get(f"{base}lab", timeout=BROWSER_TIMEOUT)
    if not lab.ok:
        raise RuntimeError(f"lab page {lab.status_code}")
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path=base[base.index("/user/"):]) or \
        s.headers.get("X-XSRFToken", "")
    for path in ("api/kernelspecs", "lab/api/settings", "api/contents?content=1", "api/sessions",
                 "api/terminals"):
        r = s.get(f"{base}{path}", timeout=BROWSER_TIMEOUT)
        if r.status_code >= 500:
            raise RuntimeError(f"{path} answered {r.status_code}")


def idle(s: requests.Session, base: str, seconds: float) -> None:
    """A student away from the keyboard: the open lab page still polls the server."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(min(POLL_EVERY * random.uniform(0.8, 1.2), max(0.0, end - time.monotonic())))
        for path in ("api/kernels", "api/sessions"):
            r = s.get(f"{base}{path}", timeout=BROWSER_TIMEOUT)
            if r.status_code >= 500:
                raise RuntimeError(f"{path} answered {r.status_code} while idle")


def student(hub: RunningHub, name: str, res: Result, idle_s: float, start_delay: float) -> None:
    time.sleep(start_delay)
    try:
        s = login(hub, name)
        t0 = time.monotonic()
        start_server(hub, s, name, res)
        with res.lock:
            res.spawn.append(time.monotonic() - t0)
        base = f"{hub.url}user/{name}/"
        open_lab(s, base)
        r = s.post(f"{base}api/sessions", json={"path": "load.ipynb", "name": "load.ipynb", "type": "notebook",
                                                  "kernel": {"name": "python3"}}, timeout=CELL_TIMEOUT)
        r.raise_for_status()
        sess = r.json()
        channel = KernelChannel(base, s, sess["kernel"]["id"], uuid.uuid4().hex)
        try:
            for round_ in range(2):  # work, idle, come back
                for i, (code, want) in enumerate(zip(CELLS, EXPECT)):
                    c0 = time.monotonic()
                    out = channel.execute(code)
                    dt = time.monotonic() - c0
                    if want not in out:
                        raise RuntimeError(f"cell gave {out[-200:]!r}, expected {want}")
                    with res.lock:
                        res.cells.append(dt)
                        if round_ == 0 and i == 0:
                            res.first_cells.append(dt)
                if round_ == 0:
                    idle(s, base, idle_s * random.uniform(0.5, 1.5))
        finally:
            channel.close()
        s.delete(f"{base}api/sessions/{sess['id']}", timeout=BROWSER_TIMEOUT)
    except Exception as exc:  # every failure is counted, the run goes on
        res.fail(name, f"{type(exc).__name__}: {exc}"[:300])


def kind_of(proc: psutil.Process, hub_pid: int) -> str:
    try:
        cmd = " ".join(proc.cmdline())
    except psutil.Error:
        return "other"
    if "configurable-http-proxy" in cmd:
        return "proxy"
    if "jupyterhub_idle_culler" in cmd:
        return "culler"
    if "jupyterhub-singleuser" in cmd:
        return "server"
    if "ipykernel" in cmd:
        return "kernel"
    if "micropython" in cmd:
        return "board"
    if proc.pid == hub_pid or "jupyterhub" in cmd:
        return "hub"  # `youthlab up` and the hub it runs
    return "other"


class Meter:
    """Samples every process under the hub: peak RSS per kind and CPU per kind (also of
    processes that ended between samples' — last seen — CPU times)."""

    def __init__(self, hub: RunningHub) -> None:
        self.hub = hub
        self.cpu_seen: dict[int, tuple[str, float]] = {}
        self.cpu_base: dict[int, float] = {}
        self.peak: dict[str, float] = defaultdict(float)
        self.peak_total = 0.0
        self.others: set[str] = set()  # command lines of processes of no known kind

    def sample(self) -> None:
        try:
            root = psutil.Process(self.hub.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        rss: dict[str, float] = defaultdict(float)
        for p in procs:
            try:
                kind = kind_of(p, root.pid)
                mem = p.memory_info().rss / 2**20
                t = p.cpu_times()
            except psutil.Error:
                continue
            rss[kind] += mem
            if kind == "other" and len(self.others) < 5:
                try:
                    self.others.add(" ".join(p.cmdline())[:100])
                except psutil.Error:
                    pass
            self.cpu_seen[p.pid] = (kind, t.user + t.system)
        for kind, mib in rss.items():
            self.peak[kind] = max(self.peak[kind], mib)
        self.peak_total = max(self.peak_total, sum(rss.values()))

    def start(self) -> None:
        self.sample()
        self.cpu_base = {pid: cpu for pid, (_, cpu) in self.cpu_seen.items()}

    def cpu(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for pid, (kind, cpu) in self.cpu_seen.items():
            out[kind] += cpu - self.cpu_base.get(pid, 0.0)
        return out


def start_costs(log: Path) -> list[float]:
    """Server CPU-s at ready, from the spawner's one line per start."""
    if not log.exists():
        return []
    return [float(m.group(1)) for m in re.finditer(r"ready in [\d.]+ s, server CPU ([\d.]+) s", log.read_text())]


def run_step(n: int, idle_s: float, ramp: float, step_timeout: float, hub_env: dict[str, str]) -> dict:
    data = Path(tempfile.mkdtemp(prefix="ylt-load-"))
    os.chmod(data, 0o755)
    names = [f"s{i:03d}" for i in range(n)]
    plan = data / "accounts.yaml"
    plan.write_text("operator: {username: operator}\n"
                    "teachers:\n  - {username: load-teacher, classes: [load]}\n"
                    "classes:\n  load:\n    title: {ko: 부하, en: Load}\n"
                    f"    students: [{', '.join(names)}]\n", encoding="utf-8")
    # The culler runs as in the product (default timeout): its cost is part of the figure.
    try:
        # A busy shared machine may take minutes to mirror the runtime and start the hub
        # (start_hub stops what it started and removes the system users if it fails).
        hub = start_hub(data / "hub", {"YOUTHLAB_ACCOUNTS": str(plan), **hub_env}, timeout=600)
    except BaseException:
        shutil.rmtree(data, ignore_errors=True)
        raise
    threading.Thread(target=lambda: [None for _ in hub.proc.stdout], daemon=True).start()  # never block it
    res = Result()
    meter = Meter(hub)
    try:
        meter.start()
        t0 = time.monotonic()
        threads = [threading.Thread(target=student, args=(hub, name, res, idle_s, ramp * i / max(n, 1)),
                                    daemon=True) for i, name in enumerate(names)]
        for t in threads:
            t.start()
        deadline = t0 + step_timeout
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
            meter.sample()
            time.sleep(1)
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            res.fail(f"{stuck} students", f"still working after the step's {step_timeout:.0f} s")
        wall = time.monotonic() - t0
        meter.sample()
        costs = start_costs(data / "hub" / "jupyterhub.log")
    finally:
        hub.stop()
        shutil.rmtree(data, ignore_errors=True)
    cpu = meter.cpu()
    return {"n": n, "spawn_p50": pct(res.spawn, 50), "spawn_p95": pct(res.spawn, 95), "throttled": res.throttled,
            "cell_p50": pct(res.cells, 50), "cell_p95": pct(res.cells, 95),
            "first_p50": pct(res.first_cells, 50), "first_p95": pct(res.first_cells, 95),
            "failures": len(res.failures), "rss_per_student": meter.peak_total / n,
            "cpu_per_student": sum(cpu.values()) / n, "wall": wall, "why": res.failures[:3],
            "rss_kind": {k: meter.peak.get(k, 0.0) for k in KINDS},
            "cpu_kind": {k: cpu.get(k, 0.0) for k in KINDS},
            "start_cpu": statistics.mean(costs) if costs else float("nan"), "others": sorted(meter.others)}


def plain_cells(rounds: int = 5) -> float:
    """The floor: the same cells in one local Python process with its own virtual board."""
    code = ("import time, json\nns = {}\nts = []\n"
            f"cells = {CELLS!r}\n"
            f"for _ in range({rounds}):\n"
            "    for c in cells:\n"
            "        t = time.monotonic(); exec(c, ns); ts.append(time.monotonic() - t)\n"
            "print(json.dumps(ts))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    times = json.loads(out.stdout.strip().splitlines()[-1])
    return pct(times, 95)


def report(r: dict, floor: float) -> bool:
    ok = r["failures"] == 0 and r["cell_p95"] <= 1.0
    n = r["n"]
    print(f"   spawn p50 {r['spawn_p50']:.1f} s p95 {r['spawn_p95']:.1f} s ({r['throttled']} throttled, "
          f"server start {r['start_cpu']:.2f} CPU-s) | cell p50 {r['cell_p50']:.3f} s p95 {r['cell_p95']:.3f} s "
          f"(first cell p50 {r['first_p50']:.2f} s p95 {r['first_p95']:.2f} s; plain {floor:.3f} s) | "
          f"failures {r['failures']} | wall {r['wall']:.0f} s | {'served' if ok else 'NOT served'}", flush=True)
    print("   per student, peak RSS MiB / CPU-s: " + ", ".join(
        f"{k} {r['rss_kind'][k] / n:.0f}/{r['cpu_kind'][k] / n:.2f}" for k in KINDS
        if r["rss_kind"][k] or r["cpu_kind"][k]) +
        f" | total {r['rss_per_student']:.0f} MiB / {r['cpu_per_student']:.1f} CPU-s", flush=True)
    for why in r["why"]:
        print(f"   failure: {why}")
    if r["others"]:
        print("   other: " + " | ".join(r["others"]))
    return ok


def sizing_line(r: dict) -> str:
    """The Helm values this step's figures give (youthlab/k8s.py's formula, MEASURED there)."""
    from youthlab.k8s import StudentSizing

    n, rss, cpu = r["n"], r["rss_kind"], r["cpu_kind"]
    student = ("server", "kernel", "board")
    sizing = StudentSizing(rss_mib=sum(rss[k] for k in student) / n,
                           start_cpu_s=r["start_cpu"] if r["start_cpu"] == r["start_cpu"] else 2.0,
                           lesson_cpu=sum(cpu[k] for k in student) / n / max(r["wall"], 1))
    return (f"RSS {sizing.rss_mib:.0f} MiB, start {sizing.start_cpu_s:.2f} CPU-s, lesson CPU "
            f"{sizing.lesson_cpu:.3f} -> singleuser.memory.guarantee {sizing.memory_guarantee()}, "
            f"cpu.guarantee {sizing.cpu_guarantee():.2f}, "
            f"{sizing.students_per_node(psutil.cpu_count(), psutil.virtual_memory().total / 2**30)} "
            "students per node like this one")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 students, short idle")
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--find", action="store_true", help="grow the class until it is no longer served")
    ap.add_argument("--idle", type=float, default=None, help="seconds a student idles between rounds")
    ap.add_argument("--ramp", type=float, default=None,
                    help="seconds over which students arrive (default max(60, 2 × students))")
    ap.add_argument("--step-timeout", type=float, default=900, help="seconds a step may take at most")
    ap.add_argument("--hub-env", action="append", default=[], metavar="VAR=VALUE",
                    help="a hub setting for this run (`youthlab config`), e.g. YOUTHLAB_START_CPU_WEIGHT=0")
    args = ap.parse_args()
    hub_env = dict(kv.split("=", 1) for kv in args.hub_env)
    if args.quick:
        steps, idle_s = [3], args.idle if args.idle is not None else 3
    elif args.find:
        steps, idle_s = [10, 20, 30, 45, 60, 80], args.idle if args.idle is not None else 30
    else:
        steps, idle_s = [args.students], args.idle if args.idle is not None else 30
    served = 0
    floor = plain_cells()
    print(f"plain (one local process, no hub): cell p95 {floor:.3f} s"
          + (f" | hub settings: {' '.join(args.hub_env)}" if args.hub_env else ""))
    for n in steps:
        ramp = args.ramp if args.ramp is not None else (2.0 if args.quick else max(60.0, 2.0 * n))
        load = os.getloadavg()
        print(f"-- {n} students over {ramp:.0f} s (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
              f"{psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB)", flush=True)
        r = run_step(n, idle_s, ramp, args.step_timeout, hub_env)
        if not report(r, floor):
            break
        served = n
        print("   sizing: " + sizing_line(r))
    print(f"RATIO load {served} goal >= 60")


if __name__ == "__main__":
    main()
