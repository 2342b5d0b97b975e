"""The grading service: autograde for teachers' own servers, sandboxed as on root's CLI.

In isolated mode a teacher's server runs as the teacher's system user, not root, so
``youthlab course autograde`` there could not switch submissions to sandbox users: the
students' code would run as the teacher, able to write the course and its gradebook.
This hub service (``/services/grading/``, started by hub_config/jupyterhub_config.py)
runs as the hub's user (root) and does one thing: autograde one lab of one class, the
same way root's command line does (:func:`youthlab.grading.autograde.autograde`, each
submission as a throwaway sandbox user), for a caller who proves with their hub token
that they teach that class (``access:services!service=grading``: teachers and the
operator only; the operator and hub admins may grade every class).

``POST api/autograde`` ``{"class", "lab", "workers"?, "timeout"?, "wait"?}`` starts the
job (one per class at a time, 409 when busy) and answers with the report when it is done
(200), or at once with its progress when ``wait`` is false (202);
``GET api/autograde/<class>/<lab>`` answers the progress of the running job or the last
report. Bad input is 400, a student or another class's teacher 403, an unknown class,
course or lab 404 — always JSON with ko/en words, never a traceback.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from traitlets import Int

from youthlab.config import EnvConfigurable, knob, settings_class
from youthlab.errors import ConfigError, YouthLabError, error_body
from youthlab.grading.access import require_nbgrader_tools
from youthlab.grading.errors import UnknownClass, UnknownLab
from youthlab.grading.service_errors import GradingBusy, GradingForbidden, GradingRequestError, http_status
from youthlab.hub.accounts import AccountPlan, load_plan
from youthlab.hub.identity import isolated_mode
from youthlab.paths import accounts_file, data_dir
from youthlab.service_answer import JsonAnswers, not_found_handler

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_BODY_BYTES = 16 * 1024
MAX_TIMEOUT_S = 600
MAX_WORKERS = 16


@dataclass(frozen=True)
class Grader:
    """Who is asking: a hub account, with the classes they may grade (staff: all)."""

    name: str
    staff: bool = False
    classes: frozenset[str] = frozenset()

    def may_grade(self, cls: str) -> bool:
        return self.staff or cls in self.classes


def grader_from_hub_model(model: Mapping[str, Any], plan: AccountPlan) -> Grader | None:
    """The caller from the hub's answer for their token; None for services and students."""
    name = str(model.get("name") or "")
    if not name or model.get("kind") == "service":
        return None
    if model.get("admin") or name == plan.operator:
        return Grader(name, staff=True)
    if name in plan.teachers:
        return Grader(name, classes=frozenset(plan.teachers[name]))
    return None


@dataclass
class Job:
    cls: str
    lab: str
    by: str
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    report: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    status: int = 200  # HTTP status of a finished job's answer
    ended: threading.Event = field(default_factory=threading.Event, repr=False)

    def view(self) -> dict[str, Any]:
        return {"class": self.cls, "lab": self.lab, "by": self.by, "state": self.state, "done": self.done,
                "total": self.total, "started": self.started, "finished": self.finished,
                "report": self.report, "error": self.error}


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise GradingRequestError(detail=what)
    return value


def _int(value: Any, what: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GradingRequestError(detail=f"{what}: {low}–{high}")
    return value


def parse_request(raw: bytes) -> dict[str, Any]:
    """``{"class", "lab", "workers", "timeout", "wait"}`` checked, or GradingRequestError."""
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise GradingRequestError(detail="JSON") from None
    if not isinstance(body, dict):
        raise GradingRequestError(detail="JSON")
    wait = body.get("wait", True)
    if not isinstance(wait, bool):
        raise GradingRequestError(detail="wait: true/false")
    return {"cls": _name(body.get("class"), "class"), "lab": _name(body.get("lab"), "lab"),
            "workers": _int(body.get("workers"), "workers", 1, MAX_WORKERS),
            "timeout": _int(body.get("timeout"), "timeout", 1, MAX_TIMEOUT_S), "wait": wait}


class GradingDesk:
    """Autograde jobs of one hub: who may start them, one at a time per class."""

    def __init__(self, data: Path, plan: AccountPlan, max_jobs: int = 2,
                 grade: Callable[..., Any] | None = None) -> None:
        self.data, self.plan, self.max_jobs = Path(data), plan, max_jobs
        self.grade = grade or _grade
        self.running: dict[str, Job] = {}  # class -> its running job
        self.last: dict[tuple[str, str], Job] = {}  # (class, lab) -> the last job
        self._lock = threading.Lock()

    def _course(self, grader: Grader, cls: str, lab: str):
        from youthlab.grading.course import open_course

        if cls not in self.plan.classes:
            raise UnknownClass(cls=cls, known=", ".join(sorted(self.plan.classes)) or "-")
        if not grader.may_grade(cls):
            raise GradingForbidden(user=grader.name, cls=cls)
        course = open_course(self.data, cls)
        if lab not in course.labs:
            raise UnknownLab(lab=lab, labs=", ".join(course.labs))
        return course

    def start(self, grader: Grader, cls: str, lab: str, workers: int | None = None,
              timeout: int | None = None) -> Job:
        """Check and start a job in its own thread (or GradingBusy)."""
        course = self._course(grader, cls, lab)
        with self._lock:
            busy = self.running.get(cls)
            if busy is not None:
                raise GradingBusy(cls=cls, lab=busy.lab, user=busy.by)
            if len(self.running) >= self.max_jobs:
                raise GradingBusy(cls=", ".join(sorted(self.running)), lab="-", user="-")
            job = Job(cls, lab, grader.name)
            self.running[cls] = job
            self.last[(cls, lab)] = job
        threading.Thread(target=self._run, args=(job, course, workers, timeout), daemon=True,
                         name=f"autograde-{cls}").start()
        return job

    def _run(self, job: Job, course: Any, workers: int | None, timeout: int | None) -> None:
        from tornado.log import app_log

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            report = self.grade(course, job.lab, workers=workers, timeout=timeout, progress=progress)
            job.report, job.state = asdict(report), "done"
            app_log.info("autograde of %s/%s for %s: %d graded, isolated=%s", job.cls, job.lab, job.by,
                         len(report.graded), report.isolated)
        except YouthLabError as exc:
            job.error, job.state, job.status = error_body(exc), "failed", http_status(exc)
            app_log.warning("autograde of %s/%s for %s failed: %s", job.cls, job.lab, job.by, exc.message("en"))
        except Exception:  # noqa: BLE001 — logged here; the teacher gets words, not a traceback
            app_log.exception("autograde of %s/%s for %s failed", job.cls, job.lab, job.by)
            job.error, job.state, job.status = error_body(YouthLabError()), "failed", 500
        finally:
            job.finished = time.time()
            with self._lock:
                self.running.pop(job.cls, None)
            job.ended.set()

    def status(self, grader: Grader, cls: str, lab: str) -> dict[str, Any]:
        """The running or last job of (class, lab), else the last saved report."""
        course = self._course(grader, _name(cls, "class"), _name(lab, "lab"))
        job = self.last.get((cls, lab))
        if job is not None:
            return job.view()
        from youthlab.grading.autograde import load_report

        report = load_report(course, lab)
        return {"class": cls, "lab": lab, "state": "done" if report else "none", "done": None, "total": None,
                "report": asdict(report) if report else None, "error": None}


def _grade(course: Any, lab: str, **kw: Any) -> Any:
    """Root's CLI path; then, as root, the course folder's shared modes put back
    (new files belong to the class's teachers' group, as `operating` does for the CLI)."""
    from youthlab.grading.autograde import autograde

    require_nbgrader_tools()
    try:
        return autograde(course, lab, **kw)
    finally:
        if course.isolated and os.geteuid() == 0:
            from youthlab.grading.exchange import share_course_folder

            share_course_folder(course.root, course.name, course.system_user_prefix)


# ---- HTTP ----------------------------------------------------------------------------
def make_app(desk: GradingDesk, prefix: str = "/", hub_auth: Any = None):
    """The tornado application; callers authenticate with a hub token (``hub_auth``)."""
    from tornado import web
    from tornado.ioloop import IOLoop

    class Handler(JsonAnswers, web.RequestHandler):
        request_error = GradingRequestError

        grader: Grader | None = None

        async def prepare(self) -> None:
            model = await self.hub_user(hub_auth)
            if model:
                self.grader = grader_from_hub_model(model, desk.plan)
                if self.grader is None:  # a student (their token lacks the scope anyway)
                    self.answer(403, error_body(GradingForbidden(user=model.get("name", "?"), cls="-")))
                    return
            if self.grader is None:
                self.answer(403, error_body(GradingForbidden(user="?", cls="-")))


        def refuse(self, exc: YouthLabError) -> None:
            self.answer(http_status(exc), error_body(exc))

    class Autograde(Handler):
        async def post(self) -> None:
            try:
                request = parse_request(self.request.body)
                job = await IOLoop.current().run_in_executor(None, lambda: desk.start(
                    self.grader, request["cls"], request["lab"], request["workers"], request["timeout"]))
            except YouthLabError as exc:
                self.refuse(exc)
                return
            if not request["wait"]:
                self.answer(202, job.view())
                return
            await IOLoop.current().run_in_executor(None, job.ended.wait)
            self.answer(job.status, job.view())

    class Status(Handler):
        async def get(self, cls: str, lab: str) -> None:
            try:
                view = await IOLoop.current().run_in_executor(None, desk.status, self.grader, cls, lab)
            except YouthLabError as exc:
                self.refuse(exc)
                return
            self.answer(200, view)

    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    return web.Application([(prefix + "api/autograde", Autograde),
                            (prefix + r"api/autograde/([^/]+)/([^/]+)", Status)], default_handler_class=not_found_handler(Handler))


# ---- under the hub ------------------------------------------------------------------
class GradingSettings(EnvConfigurable):
    """The grading service process's knobs (``youthlab config --area grading``); how the
    hub runs it (on/off, port) is :class:`~youthlab.grading.hub_service.GradingServiceSettings`."""

    max_jobs = knob(Int(2, min=1, max=64), "YOUTHLAB_GRADING_MAX_JOBS")


SERVICE_VARS = ("YOUTHLAB_LANG", "YOUTHLAB_ROOT", "YOUTHLAB_ACCOUNTS", "YOUTHLAB_SPAWNER",
                "YOUTHLAB_SYSTEM_USER_PREFIX", "YOUTHLAB_LABS_DIR", "YOUTHLAB_SANDBOX_LOCKS",
                "YOUTHLAB_RUNTIME_DIR", "YOUTHLAB_RUNTIME_MIRROR", "YOUTHLAB_GRADING_MAX_JOBS",
                "PATH", "LANG", "HOME")


def grading_service_environment(environ: Mapping[str, str], data: Path) -> dict[str, str]:
    """The service's environment: its settings only (no PIN, no printer key, no token)."""
    env = {k: environ[k] for k in SERVICE_VARS if k in environ}
    env["YOUTHLAB_DATA_DIR"] = str(data)
    return env


def hub_runs_grading_service(environ: Mapping[str, str] | None = None) -> bool:
    """``YOUTHLAB_GRADING_SERVICE``: on, off, or auto (default: on in isolated mode, where
    teachers' servers are not root and could not sandbox submissions themselves)."""
    from youthlab.grading.sandbox import SandboxSettings

    env = os.environ if environ is None else environ
    mode = settings_class("grading-service").setting("mode", env)
    runs = mode == "on" if mode in ("on", "off") else isolated_mode(dict(env))
    if runs:  # its own knobs are checked now, by `youthlab up`, not when the hub starts it
        GradingSettings.from_env(env)
        SandboxSettings.from_env(env)
    return runs


def serve(port: int, ip: str = "127.0.0.1") -> None:
    """Run the service under the hub until interrupted (JupyterHub gives it its token)."""
    from jupyterhub.services.auth import HubAuth
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    if not (os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_SERVICE_NAME")):
        raise ConfigError(detail="the grading service runs as a hub service (no JUPYTERHUB_API_TOKEN)")
    plan = load_plan(accounts_file())
    os.umask(0o007)  # what it writes in a course stays the teachers' group's (never others')
    settings = GradingSettings.from_env()
    desk = GradingDesk(data_dir().resolve(), plan, max_jobs=settings.max_jobs)
    app = make_app(desk, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/"), hub_auth=HubAuth(cache_max_age=60))
    HTTPServer(app, max_body_size=MAX_BODY_BYTES).listen(port, address=ip)
    try:
        IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    # Stopped: exit without a last cyclic sweep of the heap (nbgrader, sqlalchemy …), which
    # took ~2.5 s on a busy machine, while the hub waits for each service in turn to end.
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    import argparse
    from urllib.parse import urlparse

    parser = argparse.ArgumentParser(description="YouthLab grading service (a JupyterHub service)")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    service_url = os.environ.get("JUPYTERHUB_SERVICE_URL", "")
    serve(args.port or (urlparse(service_url).port if service_url else None) or 8873)


if __name__ == "__main__":
    main(sys.argv[1:])
