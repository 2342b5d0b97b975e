"""Class warm-up: start a class's servers before the bell, at a pace the machine takes.

A student's JupyterLab server costs ~2.5 CPU-seconds to start (measured on 2 cores);
20 started at once on 2 cores all missed JupyterHub's default 30 s timeout in one
measurement. So ``youthlab class start`` asks the hub (REST API, with a teacher's or the
operator's token) to start the students' servers a few at a time — one more than the CPU
cores at first, then fewer when servers come up slower than ~10 s (a busy machine) or
more (up to two per core) when they are quick. The start requests are sent in parallel
(the hub holds each one open until its server is up) and the user models are polled
until each server is ``ready`` (a spawn slower than ~10 s may answer HTTP 500 while it
goes on, so the answer to the start request is not trusted). It shows a progress bar and
reports who is ready. Servers then stay up until the idle culler stops them
(``YOUTHLAB_CULL_IDLE``, 1 h without use) or ``youthlab class stop``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import click
import requests

from youthlab.hub.errors import HubRefused, HubUnreachable
from youthlab.hub.settings import HubSettings
from youthlab.i18n import t


class HubClient:
    """The few hub REST API calls a class needs, with friendly errors."""

    def __init__(self, url: str, token: str, timeout: float = 30):
        self.api = url.rstrip("/") + "/hub/api/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        self.timeout = timeout
        self.url = url

    def request(self, method: str, path: str, ok: tuple[int, ...] = (200, 201, 202, 204)) -> requests.Response:
        try:
            r = self.session.request(method, self.api + path, timeout=self.timeout)
        except requests.RequestException as exc:
            raise HubUnreachable(url=self.url, detail=str(exc)) from exc
        if r.status_code not in ok:
            raise HubRefused(status=r.status_code, detail=r.text[:200])
        return r

    def members(self, cls: str) -> list[str]:
        return sorted(self.request("GET", f"groups/{cls}").json()["users"])

    def users(self) -> dict[str, dict[str, Any]]:
        return {u["name"]: u for u in self.request("GET", "users").json()}

    def start(self, user: str) -> int:
        # 400: already running or starting; 500: slow spawn that still goes on (poll instead)
        return self.request("POST", f"users/{user}/server", ok=(201, 202, 400, 500)).status_code

    def start_in_background(self, user: str) -> "StartRequest":
        """Ask for ``user``'s server without waiting for the answer.

        The hub holds a start request open until the server is up (up to 10 s), so
        asking one after another would start a class one server at a time. The caller
        polls the user models instead and reads ``refused`` for a hub that says no.
        """
        request = StartRequest(user)

        def ask() -> None:
            try:
                r = requests.post(f"{self.api}users/{user}/server", headers=dict(self.session.headers),
                                  timeout=self.timeout)
            except requests.RequestException:
                return  # a lost answer: the user model tells whether the server comes up
            if r.status_code in (401, 403, 404):
                request.refused = HubRefused(status=r.status_code, detail=r.text[:200])

        request.thread = threading.Thread(target=ask, name=f"start-{user}", daemon=True)
        request.thread.start()
        return request

    def stop(self, user: str) -> int:
        return self.request("DELETE", f"users/{user}/server", ok=(202, 204, 400, 404)).status_code


@dataclass
class StartRequest:
    user: str
    thread: threading.Thread | None = None
    refused: HubRefused | None = None


def server_state(user: dict[str, Any] | None) -> str:
    """"ready", "starting" or "off" from a user model."""
    server = ((user or {}).get("servers") or {}).get("")
    if not server:
        return "starting" if (user or {}).get("pending") == "spawn" else "off"
    return "ready" if server.get("ready") else "starting"


@dataclass
class WarmupReport:
    ready: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    time_to_ready: dict[str, float] = field(default_factory=dict)  # from start request to ready
    seconds: float = 0.0
    pace: int = 0  # servers starting at once at first
    paces: list[int] = field(default_factory=list)  # the pace after each server was ready
    most_at_once: int = 0  # most servers seen starting at the same time

    def p95(self) -> float:
        times = sorted(self.time_to_ready.values())
        if not times:
            return float("nan")
        return times[min(len(times) - 1, max(0, int(round(0.95 * len(times))) - 1))]


def default_pace() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


TARGET_SECONDS = 10.0  # aim: a server is ready this long after it was asked for


def adapt_pace(pace: int, seconds: float, low: int, high: int, target: float = TARGET_SECONDS) -> int:
    """One fewer at once when a server took longer than the target, one more when well under."""
    if seconds > target:
        return max(low, pace - 1)
    if seconds < 0.6 * target:
        return min(high, pace + 1)
    return pace


def warm_up(client: HubClient, students: list[str], pace: int | None = None, timeout: float = 180,
            retries: int = 1, progress: Callable[[int, int], None] = lambda ready, total: None,
            poll: float = 0.5, adaptive: bool = True) -> WarmupReport:
    """Start ``students``' servers, ``pace`` starting at once; wait until each is ready.

    With ``adaptive`` the pace follows the machine: it starts at one more than the CPU
    cores and goes down when servers take longer than :data:`TARGET_SECONDS` to be ready
    (a busy machine), up (to two per core) when they are quick.
    """
    fixed = pace is not None or not adaptive
    pace = pace or (default_pace() + 1 if adaptive else default_pace())
    low, high = 1, (pace if fixed else 2 * default_pace())
    report = WarmupReport(pace=pace)
    start = time.monotonic()
    waiting = list(students)
    starting: dict[str, float] = {}
    tries: dict[str, int] = {}
    asking: list[StartRequest] = []
    users = client.users()
    for name in list(waiting):  # already up: nothing to do
        if server_state(users.get(name)) == "ready":
            waiting.remove(name)
            report.ready.append(name)
            report.time_to_ready[name] = 0.0
    progress(len(report.ready), len(students))
    while waiting or starting:
        while waiting and len(starting) < pace:
            name = waiting.pop(0)
            starting[name] = time.monotonic()
            tries[name] = tries.get(name, 0) + 1
            asking.append(client.start_in_background(name))
        time.sleep(poll)
        for request in asking:
            if request.refused:  # e.g. a token without rights over this class
                raise request.refused
        users = client.users()
        now = time.monotonic()
        report.most_at_once = max(report.most_at_once,
                                  sum(server_state(users.get(name)) == "starting" for name in starting))
        for name, since in list(starting.items()):
            state = server_state(users.get(name))
            if state == "ready":
                del starting[name]
                report.ready.append(name)
                report.time_to_ready[name] = round(now - since, 2)
                if not fixed:
                    pace = adapt_pace(pace, now - since, low, high)
                report.paces.append(pace)
                progress(len(report.ready), len(students))
            elif (state == "off" and now - since > 5) or now - since > timeout:
                del starting[name]  # the spawn failed (or never came up): try again, then give up
                if tries[name] <= retries:
                    waiting.append(name)
                else:
                    report.failed.append(name)
    report.seconds = round(time.monotonic() - start, 2)
    for request in asking:
        request.thread.join(timeout=1)
    return report


def stop_class(client: HubClient, students: list[str]) -> int:
    users = client.users()
    stopped = 0
    for name in students:
        if server_state(users.get(name)) != "off":
            client.stop(name)
            stopped += 1
    return stopped


HUB_URL = click.option("--hub-url", default=lambda: HubSettings.from_env().url,
                       show_default="YOUTHLAB_HUB_URL or http://127.0.0.1:8000", help="The hub's address.")
def _read_token(token_file: str | None, token_on_command_line: str | None) -> str | None:
    """The hub token, from a file (``-`` = standard input) or the environment.

    Never from the command line: every user of the machine can read another process's
    arguments (``ps``, ``/proc/<pid>/cmdline``), so ``--token`` is refused with a hint.
    """
    if token_on_command_line is not None:
        raise click.UsageError(t("class.token_on_command_line"))
    if token_file:
        try:
            text = click.get_text_stream("stdin").read() if token_file == "-" else \
                Path(token_file).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(t("class.token_file_unreadable", path=token_file, detail=exc.strerror or exc))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[0] if lines else None
    return HubSettings.from_env().api_token or os.environ.get("JUPYTERHUB_API_TOKEN")


def TOKEN(command):  # noqa: N802 (a click option decorator, like HUB_URL)
    command = click.option("--token", "token_on_command_line", default=None, hidden=True, expose_value=True,
                           help="Refused: a token on the command line is visible to every user.")(command)
    return click.option("--token-file", default=None, metavar="FILE",
                        help="File holding a teacher's or the operator's API token ('-': standard input). "
                             "Default: YOUTHLAB_HUB_TOKEN, JUPYTERHUB_API_TOKEN.")(command)


def _client(hub_url: str, token_file: str | None, token_on_command_line: str | None) -> HubClient:
    token = _read_token(token_file, token_on_command_line)
    if not token:
        raise click.UsageError(t("class.hub_refused.hint"))
    return HubClient(hub_url, token)


@click.group("class")
def class_() -> None:
    """A class on the hub: warm its servers up before the lesson, see them, stop them."""


@class_.command()
@click.argument("cls")
@HUB_URL
@TOKEN
@click.option("--pace", type=int, default=None,
              help="Servers starting at once (default: adapts to the machine, from CPU cores + 1).")
@click.option("--timeout", type=float, default=180, show_default=True, help="Seconds to wait for one server.")
def start(cls: str, hub_url: str, token_file: str | None, token_on_command_line: str | None,
          pace: int | None, timeout: float) -> None:
    """Start every student's server of CLS ahead of the class and report who is ready."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    client = _client(hub_url, token_file, token_on_command_line)
    students = client.members(cls)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(t("class.warming", cls=cls), total=len(students))
        report = warm_up(client, students, pace=pace, timeout=timeout,
                         progress=lambda ready, total: bar.update(task, completed=ready))
    color = "green" if not report.failed else "yellow"
    click.secho(t("class.report", ready=len(report.ready), total=len(students), seconds=report.seconds,
                  pace=report.pace), fg=color)
    if report.failed:
        click.secho(t("class.not_ready", students=", ".join(report.failed)), fg="red")
        raise SystemExit(1)


@class_.command()
@click.argument("cls")
@HUB_URL
@TOKEN
def status(cls: str, hub_url: str, token_file: str | None, token_on_command_line: str | None) -> None:
    """Each student's server: ready, starting or off, and when last active."""
    client = _client(hub_url, token_file, token_on_command_line)
    users = client.users()
    click.echo(t("class.status.header"))
    for name in client.members(cls):
        user = users.get(name, {})
        click.echo(f"{name} | {t('class.status.' + server_state(user).replace('starting', 'pending'))} | "
                   f"{user.get('last_activity') or '—'}")


@class_.command()
@click.argument("cls")
@HUB_URL
@TOKEN
def stop(cls: str, hub_url: str, token_file: str | None, token_on_command_line: str | None) -> None:
    """Stop the class's servers after the lesson (their files stay)."""
    client = _client(hub_url, token_file, token_on_command_line)
    click.secho(t("class.stopped", n=stop_class(client, client.members(cls))), fg="green")
