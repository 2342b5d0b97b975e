"""Class start: 30 students' servers, warmed up by YouthLab vs 30 logging in at once on stock.

    python benchmarks/class_start.py --quick   # 3 students, about a minute
    python benchmarks/class_start.py           # 30 students (a full class)

- **YouthLab** (our path): the real hub (`youthlab up`: hub_config/jupyterhub_config.py,
  YouthLab spawner with labs copied in, per-role nbgrader config, memory limit) with a
  class of N students; the class's teacher logs in, makes a token, and
  ``youthlab.hub.classes.warm_up`` starts the class (what `youthlab class start` and the
  dashboard's button do).
- **Stock** (the plain alternative): JupyterHub + JupyterLab on their stock config
  (SimpleLocalProcessSpawner, dummy login, ``Spawner.http_timeout = 30``), the same
  single-user server; every student asks for their server in the same second, as when a
  class sits down and logs in; a student whose spawn fails asks again (a refresh), until
  all are ready or the cap is reached.

Both on loopback with configurable-http-proxy. Prints the time until all servers are
ready, failed spawns, and p95 time-to-ready per student (from asking to ready).
Last line: ``RATIO class_start <YouthLab / stock> goal <= 0.5`` (if the stock arm hits
the cap, its time is the cap: the ratio is then an upper bound).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from youthlab.hub.classes import HubClient, server_state, warm_up  # noqa: E402
from youthlab.hub.launcher import stop_hub  # noqa: E402

VENV_BIN = Path(sys.executable).parent
NODE_BIN = ROOT / "node_modules" / ".bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = '''
c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{data}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{data}/cookie_secret"
c.JupyterHub.pid_file = "{data}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{data}/homes/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.args = {args!r}
c.Spawner.environment = {{"PATH": {path!r}}}
c.JupyterHub.services = [{{"name": "bench", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "bench", "services": ["bench"],
    "scopes": ["admin:users", "admin:servers", "list:users", "read:users", "read:servers",
               "admin:groups", "read:groups"]}}]
c.JupyterHub.load_groups = {{"bench": {{"users": {students!r}}}}}
'''


class StockHub:
    def __init__(self, data: Path, students: list[str]):
        data.mkdir(parents=True)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        text = CONFIG.format(port=self.port, hub_port=free_port(), proxy_port=free_port(),
                             proxy=str(NODE_BIN / "configurable-http-proxy"), data=data,
                             password=secrets.token_hex(8), singleuser=str(VENV_BIN / "jupyterhub-singleuser"),
                             args=["--allow-root"] if os.geteuid() == 0 else [],
                             path=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]),
                             token=self.token, students=students)
        (data / "jupyterhub_config.py").write_text(text)
        env = dict(os.environ, PATH=os.pathsep.join([str(VENV_BIN), str(NODE_BIN), os.environ.get("PATH", "")]))
        self.log = open(data / "hub.log", "wb")
        self.proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(data / "jupyterhub_config.py")],
                                     cwd=data, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}hub/api/", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"hub exited; see {data / 'hub.log'}")
            time.sleep(0.3)
        self.client = HubClient(self.url, self.token, timeout=120)
        self.client.session.post(f"{self.url}hub/api/users", json={"usernames": students}, timeout=60)

    def stop(self) -> None:
        stop_hub(self.proc)
        self.log.close()


ACCOUNT_LINE = re.compile(r"^\s+(operator|teacher|student)\s+(\S+)\s+(\S+)\s*$")


class YouthLabHub:
    """`youthlab up` with a class ``bench`` of ``students`` and its teacher ``bench-teacher``."""

    def __init__(self, data: Path, students: list[str]):
        data.mkdir(parents=True)
        plan = data / "accounts.yaml"
        plan.write_text("operator: {username: operator}\n"
                        "teachers:\n  - {username: bench-teacher, classes: [bench]}\n"
                        "classes:\n  bench:\n    title: {ko: 벤치, en: Bench}\n"
                        f"    students: [{', '.join(students)}]\n", encoding="utf-8")
        self.port = free_port()
        # As root the hub is isolated (one system user per account): a prefix of our own,
        # so stop() can remove exactly the users and groups this run made.
        self.prefix = f"ylb{secrets.token_hex(2)}-"
        env = dict(os.environ, YOUTHLAB_ACCOUNTS=str(plan), YOUTHLAB_KIOSK="off", YOUTHLAB_FLIGHT="off",
                   YOUTHLAB_CULL_IDLE="0", YOUTHLAB_SYSTEM_USER_PREFIX=self.prefix,
                   YOUTHLAB_LANG="en", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "youthlab"), "up", "--port", str(self.port), "--hub-api-port", str(free_port()),
             "--proxy-api-port", str(free_port()), "--kiosk-port", str(free_port()), "--data-dir", str(data / "var")],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}/"
        passwords = {}
        for line in self.proc.stdout:
            m = ACCOUNT_LINE.match(line)
            if m:
                passwords[m.group(2)] = m.group(3)
            if "Press Ctrl-C" in line:
                break
        if self.proc.poll() is not None or "bench-teacher" not in passwords:
            self.stop()
            raise SystemExit(f"youthlab up did not start; see {data / 'var' / 'jupyterhub.log'}")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep the pipe flowing
        self.client = HubClient(self.url, self.teacher_token(passwords["bench-teacher"]), timeout=120)

    def teacher_token(self, password: str) -> str:
        """Log in as the teacher through the login form and make an API token, as a teacher would."""
        s = requests.Session()
        page = s.get(f"{self.url}hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        s.post(f"{self.url}hub/login?next=", data={"username": "bench-teacher", "password": password,
                                                    "_xsrf": xsrf},
               timeout=30, allow_redirects=False).raise_for_status()  # no redirect: no teacher server
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/hub/")
        r = s.post(f"{self.url}hub/api/users/bench-teacher/tokens", json={"note": "class start"}, timeout=30)
        r.raise_for_status()
        return r.json()["token"]

    def stop(self) -> None:
        stop_hub(self.proc)
        remove_system_accounts(self.prefix)


def remove_system_accounts(prefix: str) -> None:
    """The system users (with their homes) and groups whose names start with ``prefix``."""
    import grp
    import pwd

    for user in [u.pw_name for u in pwd.getpwall() if u.pw_name.startswith(prefix)]:
        subprocess.run(["userdel", "--remove", user], capture_output=True)
    for group in [g.gr_name for g in grp.getgrall() if g.gr_name.startswith(prefix)]:
        subprocess.run(["groupdel", group], capture_output=True)


def all_at_once(hub: StockHub, students: list[str], cap: float) -> tuple[float, dict[str, float], int]:
    """Everyone asks at once; a failed spawn is asked again. (time to all ready, per-student times, failures)."""
    start = time.monotonic()
    asked: dict[str, float] = {}
    ready: dict[str, float] = {}
    failures = 0

    def ask(name: str) -> None:
        try:
            hub.client.start(name)
        except Exception:  # noqa: BLE001 — a refused/timed-out request is a failed spawn to retry
            pass

    threads = [threading.Thread(target=ask, args=(s,)) for s in students]
    for s, th in zip(students, threads):
        asked[s] = time.monotonic()
        th.start()
    last_try = {s: time.monotonic() for s in students}
    while len(ready) < len(students) and time.monotonic() - start < cap:
        time.sleep(1)
        try:
            users = hub.client.users()
        except Exception:  # noqa: BLE001 — the hub itself may be too busy to answer
            continue
        now = time.monotonic()
        for s in students:
            if s in ready:
                continue
            state = server_state(users.get(s))
            if state == "ready":
                ready[s] = now - asked[s]
            elif state == "off" and now - last_try[s] > 5:  # the spawn failed: the student refreshes
                failures += 1
                last_try[s] = now
                threading.Thread(target=ask, args=(s,)).start()
    for th in threads:
        th.join(timeout=5)
    total = time.monotonic() - start if len(ready) == len(students) else cap
    return total, ready, failures


def _cpu(stat: str) -> tuple[int, float]:
    """(parent pid, utime + stime in seconds) from a /proc/<pid>/stat line."""
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    try:
        return _cpu(Path(f"/proc/{pid}/stat").read_text())[1]
    except OSError:
        return float("nan")


def servers_cpu(hub_pid: int) -> tuple[int, float]:
    """(servers, CPU-s they used so far): the hub's child processes but the proxy and services."""
    count, total = 0, 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid, cpu = _cpu(stat.read_text())
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == hub_pid and b"jupyterhub-singleuser" in cmd:
            count, total = count + 1, total + cpu
    return count, total


def hub_pid(data: Path) -> int:
    return int((data / "jupyterhub.pid").read_text().split()[0])


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(0.95 * len(values)) - 1))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 students, short cap")
    parser.add_argument("-n", type=int, default=None, help="students in the class")
    parser.add_argument("--cap", type=float, default=None, help="give the at-once arm up after this many s")
    args = parser.parse_args()
    n = args.n or (3 if args.quick else 30)
    cap = args.cap or (45 if args.quick else 420)
    students = [f"s{i:02d}" for i in range(1, n + 1)]
    cores = len(os.sched_getaffinity(0))
    print(f"{n} students, {cores} CPU cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # the accounts' servers pass through to their data folder
        hub = YouthLabHub(Path(tmp) / "youthlab", students)
        try:
            pid = hub_pid(Path(tmp) / "youthlab" / "var")
            hub_before = process_cpu(pid)
            report = warm_up(hub.client, hub.client.members("bench"), progress=lambda r, t: None)
            ours = (*servers_cpu(pid), process_cpu(pid) - hub_before)
        finally:
            hub.stop()
        warm = report.seconds if not report.failed else float("inf")
        paces = report.paces or [report.pace]
        print(f"YouthLab warm-up (pace {report.pace} at first, then {min(paces)}–{max(paces)}): all {len(report.ready)}/{n} ready in {report.seconds:.1f} s, "
              f"failed {len(report.failed)}, time-to-ready p95 {report.p95():.1f} s, "
              f"median {sorted(report.time_to_ready.values())[len(report.ready) // 2]:.1f} s")

        hub = StockHub(Path(tmp) / "stock", students)
        try:
            hub_before = process_cpu(hub.proc.pid)
            total, ready, failures = all_at_once(hub, students, cap)
            stock = (*servers_cpu(hub.proc.pid), process_cpu(hub.proc.pid) - hub_before)
        finally:
            hub.stop()
        capped = len(ready) < n
        print(f"all at once (stock config): {len(ready)}/{n} ready {'by the cap of' if capped else 'in'} {total:.1f} s, "
              f"failed spawns retried {failures}, time-to-ready p95 "
              f"{p95(list(ready.values())):.1f} s{' (of those ready)' if capped else ''}")
    for label, (servers, cpu, hub_cpu) in (("YouthLab", ours), ("stock", stock)):
        print(f"CPU per server start ({label}): {cpu / max(servers, 1):.2f} CPU-s in the server "
              f"(mean of {servers} running), hub {hub_cpu / n:.2f} CPU-s per student")
    print(f"student p95 time-to-ready with warm-up: {report.p95():.1f} s (goal <= 15 s)")
    print(f"RATIO class_start {warm / total:.2f} goal <= 0.5")


if __name__ == "__main__":
    main()
