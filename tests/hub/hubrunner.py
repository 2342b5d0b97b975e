"""Start `youthlab up` on free loopback ports for a test, log users in, stop it by PID.

As root (CI) the hub starts as the product does there: isolated, every account its own
system user. Each hub gets a random ``YOUTHLAB_SYSTEM_USER_PREFIX`` (``ylt<hex>-``), and
:meth:`RunningHub.stop` removes every system user and group with that prefix.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import websocket

from tests.conftest import ROOT, free_port

ACCOUNT_LINE = re.compile(r"^\s+(operator|teacher|student)\s+(\S+)\s+(\S+)\s*$")


@dataclass
class RunningHub:
    proc: subprocess.Popen
    url: str
    data_dir: Path
    passwords: dict[str, str]
    output: list[str] = field(default_factory=list)
    prefix: str = ""  # of the system users and groups this hub made

    def system_user(self, account: str) -> str:
        from youthlab.hub.identity import system_user_for

        return system_user_for(account, self.prefix)

    def all_pids(self) -> set[int]:
        try:
            parent = psutil.Process(self.proc.pid)
            return {parent.pid} | {p.pid for p in parent.children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()

    def login(self, username: str) -> requests.Session:
        """Log in through the hub's HTML login form, as a browser would."""
        s = requests.Session()
        page = s.get(f"{self.url}hub/login", timeout=10)
        page.raise_for_status()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        r = s.post(f"{self.url}hub/login?next=", data={"username": username,
                   "password": self.passwords[username], "_xsrf": xsrf}, timeout=10)
        r.raise_for_status()
        assert "jupyterhub-session-id" in s.cookies or any("jupyterhub-hub-login" in c.name for c in s.cookies), \
            f"login of {username} failed: {r.url}"
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/hub/")
        return s

    def token(self, username: str) -> str:
        """A real API token the user made for themself through the REST API."""
        s = self.login(username)
        r = s.post(f"{self.url}hub/api/users/{username}/tokens", json={"note": "test"}, timeout=10)
        r.raise_for_status()
        return r.json()["token"]

    def wait_ready(self, session: requests.Session, username: str, timeout: float = 120) -> None:
        """Poll the user model until the server is ready (the hub may answer 500 to a slow spawn)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = session.get(f"{self.url}hub/api/users/{username}", timeout=10)
            if r.ok and r.json().get("servers", {}).get("", {}).get("ready"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"server of {username} not ready after {timeout} s")

    def start_servers(self, *usernames: str, timeout: float = 240) -> dict[str, requests.Session]:
        """Log each user in and ask for all their servers at once, as a class arriving does,
        then wait until every one is ready; returns each user's logged-in session.

        The spawns overlap (each mostly waits on its server's start), so N servers take
        about the time of the slowest instead of the sum.
        """
        sessions = {}
        for user in usernames:
            s = self.login(user)
            r = s.post(f"{self.url}hub/api/users/{user}/server", timeout=60)
            assert r.status_code in (201, 202, 400, 500), r.text  # 400: running already; 500: slow spawn
            sessions[user] = s
        for user, s in sessions.items():
            self.wait_ready(s, user, timeout=timeout)
        return sessions

    def stop(self, timeout: float = 60) -> None:
        pids = self.all_pids()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        from tests.conftest import kill_tree

        for pid in pids:  # never leave anything behind, even if the test failed
            if psutil.pid_exists(pid):
                kill_tree(pid, timeout=5)
        remove_system_accounts(self.prefix)


def remove_system_accounts(prefix: str) -> list[str]:
    """Remove every system user (with its home) and group whose name starts with ``prefix``."""
    if not prefix or os.geteuid() != 0:
        return []
    removed = []
    for db, remove in (("passwd", ["userdel", "--remove"]), ("group", ["groupdel"])):
        out = subprocess.run(["getent", db], capture_output=True, text=True).stdout
        for name in [line.split(":", 1)[0] for line in out.splitlines()]:
            if name.startswith(prefix):
                subprocess.run([*remove, name], capture_output=True)
                removed.append(name)
    return removed


def start_hub(data_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = 240,
              up_args: tuple[str, ...] = ()) -> RunningHub:
    """Run ``youthlab up`` on loopback until it says it is ready, or give up after ``timeout``
    seconds (on a loaded 2-core runner a hub with its services took over 90 s to add its
    routes; under pytest-timeout's 300 s, so this gives up first). A hub that does not get
    ready, for whatever reason (pytest-timeout's included), is stopped: nothing is left running."""
    port = free_port()
    # The kiosk service preheats a kernel per kiosk app; only the kiosk tests turn it on.
    env = dict(os.environ, YOUTHLAB_LANG="en", PYTHONUNBUFFERED="1", YOUTHLAB_KIOSK="off", YOUTHLAB_FLIGHT="off",
               YOUTHLAB_SYSTEM_USER_PREFIX=f"ylt{secrets.token_hex(2)}-")
    env.update(extra_env or {})
    cmd = [str(Path(sys.executable).parent / "youthlab"), "up", "--port", str(port),
           "--hub-api-port", str(free_port()), "--proxy-api-port", str(free_port()),
           "--kiosk-port", str(free_port()),
           "--data-dir", str(data_dir), *up_args]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    hub = RunningHub(proc, f"http://127.0.0.1:{port}/", data_dir, {}, prefix=env["YOUTHLAB_SYSTEM_USER_PREFIX"])
    try:
        _read_until_ready(hub, time.monotonic() + timeout)
    except BaseException:
        hub.stop()
        raise
    if proc.poll() is not None or "Press Ctrl-C" not in "".join(hub.output):
        hub.stop()
        log = (data_dir / "jupyterhub.log")
        raise RuntimeError("hub did not start:\n" + "".join(hub.output) +
                           (log.read_text()[-4000:] if log.exists() else ""))
    return hub


def _read_until_ready(hub: RunningHub, deadline: float) -> None:
    """Collect ``youthlab up``'s output (and the passwords it prints) until it says it is
    ready, it ends, or ``deadline`` passes. The launcher prints nothing while it waits for
    the hub, so the lines come through a thread; it stops reading at the ready line, and
    the output after it stays on ``hub.proc.stdout`` for the test."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in hub.proc.stdout:
            lines.put(line)
            if "Press Ctrl-C" in line:
                break
        lines.put(None)

    threading.Thread(target=pump, daemon=True, name="hub-output").start()
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            return
        if line is None:
            return
        hub.output.append(line)
        m = ACCOUNT_LINE.match(line)
        if m:
            hub.passwords[m.group(2)] = m.group(3)
        if "Press Ctrl-C" in line:
            return


def run_code(base: str, session: requests.Session, kernel_id: str, code: str, timeout: float = 60) -> str:
    """Execute code in a kernel over its websocket (through the proxy); return stdout text."""
    ws_url = base.replace("http://", "ws://") + f"api/kernels/{kernel_id}/channels"
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    ws = websocket.create_connection(ws_url, cookie=cookie, timeout=timeout,
                                     header=[f"X-XSRFToken: {session.headers.get('X-XSRFToken', '')}"])
    msg_id = f"test-{time.time()}"
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": msg_id, "msg_type": "execute_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    out = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "display_data":
                out.append(msg["content"]["data"].get("text/html", ""))
            elif kind == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        ws.close()
    return "".join(out)
