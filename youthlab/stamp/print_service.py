"""The print service: the hall's print queue behind the hub, knowing who is asking.

A JSON queue file in the shared data folder trusts whoever writes it: anyone could list
every job, cancel anyone's, queue under another name, flood it, or queue a symlink to a
secret. So on the hub the queue belongs to this service (``/services/print/``, started
by hub_config/jupyterhub_config.py), in its own folder (mode 0700), and callers prove who
they are with their hub token (``access:services!service=print``; every account's
server token has it, the kiosk has its own token and prints as ``kiosk``):

- students see and cancel only their own jobs, teachers their classes' students' jobs
  (from the accounts plan), staff (the operator, hub admins) every job;
- the owner of a new job is the token's user, never a field of the request;
- limits of waiting jobs per owner and in total answer 429 with a ko/en message;
- students send meshes (STL/3MF from the stamp pipeline, size-capped), checked in a
  separate process with a time and memory budget (:mod:`youthlab.stamp.model_check`)
  and sliced here with the hall's profile; only staff may send G-code;
- uploads are written under names the service chooses (``O_EXCL | O_NOFOLLOW``) and
  the queue sends printers only files it opened without following symlinks.

:class:`PrintDesk` is the logic, :func:`make_app` the HTTP API (tornado):
``GET api/jobs``, ``POST api/jobs?name=<file>`` (the file as the body),
``DELETE api/jobs/<id>``, ``GET api/status``.
"""

from __future__ import annotations

import gc
import os
import secrets
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from youthlab.errors import ConfigError, YouthLabError, error_body
from youthlab.hub.accounts import load_plan
from youthlab.paths import accounts_file, data_dir
from youthlab.service_answer import JsonAnswers, not_found_handler
from youthlab.stamp.model_check import check_in_subprocess
from youthlab.stamp.print_errors import (FileTooBig, NoSuchJob, NotYourJob, OwnerQueueFull, PrintRequestError,
                                         PrintServiceForbidden, QueueFull, RawGcodeRefused, http_status)
from youthlab.stamp.printers import printer_class
from youthlab.stamp.printers.base import PrinterLike
from youthlab.stamp.printers.hall import load_printers, printers_file
from youthlab.stamp.queue import PrintJob, PrintQueue
from youthlab.stamp.settings import MAX_MODEL_BYTES, PrintQueueSettings
from youthlab.stamp.slicer import slice_file

MESH_SUFFIXES = (".stl", ".3mf")
KIOSK_OWNER = "kiosk"


@dataclass(frozen=True)
class Caller:
    """Who is asking: ``role`` is student, teacher, staff or kiosk."""

    name: str
    role: str
    students: frozenset[str] = frozenset()  # a teacher's students

    @property
    def staff(self) -> bool:
        return self.role == "staff"

    def may_see(self, owner: str) -> bool:
        return self.staff or owner == self.name or (self.role == "teacher" and owner in self.students)


def caller_from_hub_model(model: Mapping[str, Any], plan: Any = None,
                          kiosk_services: Iterable[str] = ("kiosk-print", "kiosk")) -> Caller | None:
    """The caller from the hub's answer for their token (a user or a service model)."""
    name = str(model.get("name") or "")
    if not name:
        return None
    if model.get("kind") == "service":
        return Caller(KIOSK_OWNER, "kiosk") if name in set(kiosk_services) else None
    if model.get("admin") or (plan is not None and name == plan.operator):
        return Caller(name, "staff")
    if plan is not None and name in plan.teachers:
        students = {s for cls in plan.teachers[name] for s in plan.classes.get(cls, [])}
        return Caller(name, "teacher", frozenset(students))
    return Caller(name, "student")


def job_view(job: PrintJob, position: int | None) -> dict[str, Any]:
    return {"id": job.id, "owner": job.owner, "name": job.name or job.gcode.name, "status": job.status,
            "position": position, "printer": job.printer, "submitted": job.submitted, "error": job.error}


class PrintDesk:
    """The queue of one hall, guarded: who may add, see and cancel what."""

    def __init__(self, folder: str | Path, printers: list[PrinterLike] | None = None,
                 per_owner: int = 3, kiosk_limit: int = 10, total: int = 100,
                 max_bytes: int = MAX_MODEL_BYTES, test_mode: bool | None = None,
                 check_model: Callable[[Path], dict[str, Any]] | None = None,
                 slice_model: Callable[[Path, Path], Any] | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        self.uploads = self.folder / "uploads"
        self.uploads.mkdir(exist_ok=True)
        self.uploads.chmod(0o700)
        self.queue = PrintQueue(printers or [], test_mode=test_mode, state_path=self.folder / "queue.json",
                                files_dir=self.folder / "gcode")
        self.per_owner, self.kiosk_limit, self.total, self.max_bytes = per_owner, kiosk_limit, total, max_bytes
        self.check_model = check_model or _check_in_subprocess
        self.slice_model = slice_model or _slice
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()

    # ---- adding ----------------------------------------------------------------------
    def submit(self, caller: Caller, filename: Any, data: bytes) -> dict[str, Any]:
        """Check, slice and queue one file for the caller; the answer has the job and its place."""
        name = _display_name(filename)
        suffix = Path(name).suffix.lower()
        if suffix == ".gcode":
            if not caller.staff:
                raise RawGcodeRefused()
        elif suffix not in MESH_SUFFIXES:
            raise PrintRequestError(detail=f"{suffix or name!r}: .stl .3mf")
        if not data:
            raise PrintRequestError(detail="empty file")
        if len(data) > self.max_bytes:
            raise FileTooBig(size=len(data), limit=self.max_bytes)
        limit = self.kiosk_limit if caller.role == "kiosk" else None if caller.staff else self.per_owner
        self._reserve(caller.name, limit)
        stored = self.uploads / f"{secrets.token_hex(8)}{suffix}"
        gcode = stored.with_suffix(".gcode") if suffix != ".gcode" else stored
        try:
            _write_new(stored, data)
            info: dict[str, Any] = {}
            if suffix != ".gcode":
                info = self.check_model(stored)
                result = self.slice_model(stored, gcode)
                info["time_s"] = getattr(result, "time_s", None)
            job = self.queue.submit(caller.name, gcode, max_per_owner=limit,
                                    max_total=None if caller.staff else self.total)
            job.name = name
            self._rename(job.id, name)
        finally:
            with self._lock:
                self._pending[caller.name] -= 1
            stored.unlink(missing_ok=True)
            gcode.unlink(missing_ok=True)
        position = self._positions().get(job.id)
        return {"job": job_view(job, position), "model": info}

    def _reserve(self, owner: str, limit: int | None) -> None:
        """Count a submission against the limits before the slow part (check, slice), so
        500 quick submissions cannot all pass the check at once."""
        with self._lock:
            if limit is not None and self.queue.waiting_count(owner) + self._pending[owner] >= limit:
                raise OwnerQueueFull(limit=limit)
            if limit is not None and self.queue.waiting_count() + sum(self._pending.values()) >= self.total:
                raise QueueFull(limit=self.total)
            self._pending[owner] += 1

    def _rename(self, job_id: int, name: str) -> None:
        with self.queue.transaction():
            self.queue.jobs[job_id].name = name

    # ---- seeing and cancelling -------------------------------------------------------
    def _positions(self) -> dict[int, int]:
        return {j.id: i + 1 for i, j in enumerate(self.queue.order())}

    def jobs(self, caller: Caller) -> list[dict[str, Any]]:
        positions = self._positions()
        return [job_view(j, positions.get(j.id)) for j in self.queue.status() if caller.may_see(j.owner)]

    def cancel(self, caller: Caller, job_id: Any) -> dict[str, Any]:
        try:
            job_id = int(job_id)
        except (TypeError, ValueError):
            raise PrintRequestError(detail="job id") from None
        job = {j.id: j for j in self.queue.status()}.get(job_id)
        if job is None:
            raise NoSuchJob(id=job_id)
        if not caller.may_see(job.owner):
            raise NotYourJob(id=job_id)
        if job.status not in ("queued", "printing"):
            return {"job": job_view(job, None)}
        return {"job": job_view(self.queue.cancel(job_id), None)}

    def run(self, stop: threading.Event, interval: float = 5.0) -> None:
        """Send waiting jobs to ready printers until ``stop`` (the service's background thread)."""
        self.queue.run(stop, interval=interval)


def _display_name(filename: Any) -> str:
    if not isinstance(filename, str) or not filename.strip():
        raise PrintRequestError(detail="file name")
    name = Path(filename.replace("\\", "/")).name
    return "".join(c for c in name if c.isprintable())[:80] or "stamp.stl"


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _slice(model: Path, gcode: Path) -> Any:
    return slice_file(model, out=gcode, timeout=120)


def _check_in_subprocess(model: Path) -> dict[str, Any]:
    return check_in_subprocess(model)


# ---- HTTP ----------------------------------------------------------------------------
def make_app(desk: PrintDesk, prefix: str = "/", hub_auth: Any = None, plan: Any = None,
             kiosk_services: Iterable[str] = ("kiosk-print",)):
    """The tornado application; callers authenticate with a hub token (``hub_auth``)."""
    from tornado import web
    from tornado.ioloop import IOLoop
    from tornado.log import app_log

    kiosk_services = tuple(kiosk_services)

    class Handler(JsonAnswers, web.RequestHandler):
        request_error = PrintRequestError

        caller: Caller | None = None

        async def prepare(self) -> None:
            model = await self.hub_user(hub_auth)
            if model:
                self.caller = caller_from_hub_model(model, plan, kiosk_services)
            if self.caller is None:
                self.answer(403, error_body(PrintServiceForbidden()))


        async def run(self, work: Callable[[], Any], ok: int = 200) -> None:
            try:
                result = await IOLoop.current().run_in_executor(None, work)
            except YouthLabError as exc:
                status = http_status(exc)
                if status >= 500:
                    app_log.warning("print request of %s failed: %s", self.caller.name, exc.message("en"))
                    status = 502
                self.answer(status, error_body(exc))
            except Exception:  # noqa: BLE001 — logged here; the caller gets words, not a traceback
                app_log.exception("print request of %s failed", self.caller.name)
                self.answer(500, error_body(YouthLabError()))
            else:
                self.answer(ok, result)

    class Jobs(Handler):
        async def get(self) -> None:
            await self.run(lambda: {"you": self.caller.name, "role": self.caller.role,
                                    "jobs": desk.jobs(self.caller)})

        async def post(self) -> None:
            name, body = self.get_query_argument("name", ""), self.request.body
            await self.run(lambda: desk.submit(self.caller, name, body), ok=201)

    class Job(Handler):
        async def delete(self, job_id: str) -> None:
            await self.run(lambda: desk.cancel(self.caller, job_id))

    class Status(Handler):
        def get(self) -> None:
            self.answer(200, {"waiting": desk.queue.waiting_count(), "you": self.caller.name,
                              "role": self.caller.role})

    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    return web.Application([(prefix + "api/jobs", Jobs), (prefix + r"api/jobs/([^/]+)", Job),
                            (prefix + "api/status", Status)], default_handler_class=not_found_handler(Handler))


PRINT_SERVICE_VARS = ("YOUTHLAB_LANG", "YOUTHLAB_ROOT", "YOUTHLAB_ACCOUNTS", "PATH", "LANG", "HOME",
                      *(trait.metadata["env"] for trait in PrintQueueSettings.env_traits().values()))


def print_service_environment(environ: Mapping[str, str], data: Path) -> dict[str, str]:
    """The service's environment under the hub: its settings and the printers' API keys
    (the variables named by ``api_key_env`` in printers.yaml), no other secret."""
    env = {k: environ[k] for k in PRINT_SERVICE_VARS if k in environ}
    env["YOUTHLAB_DATA_DIR"] = str(data)
    try:
        import yaml

        spec = yaml.safe_load(printers_file(environ).read_text("utf-8")) or {}
        for printer in (spec.get("printers") or {}).values():
            key_env = (printer or {}).get("api_key_env")
            if key_env and key_env in environ:
                env[key_env] = environ[key_env]
    except Exception:  # noqa: BLE001 — a broken printers file: no keys; the service reports the printers
        pass
    return env


def prepare_service_folder(data: Path, user: str | None = None) -> Path:
    """The service's own folder ``<data>/print-service`` (0700), owned by ``user`` when the
    service runs as its own system user (``YOUTHLAB_PRINT_USER``); returns it."""
    folder = data / "print-service"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    if user:
        import pwd

        entry = pwd.getpwnam(user)
        if entry.pw_uid == 0:
            raise ConfigError(detail=f"YOUTHLAB_PRINT_USER={user} is root")
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    return folder


def serve(port: int, ip: str = "127.0.0.1", folder: Path | None = None) -> None:
    """Run the service under the hub until interrupted (JupyterHub gives it its token)."""
    from jupyterhub.services.auth import HubAuth
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    if not (os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_SERVICE_NAME")):
        raise ConfigError(detail="the print service runs as a hub service (no JUPYTERHUB_API_TOKEN)")
    plan = load_plan(accounts_file())
    settings = PrintQueueSettings.from_env()
    try:
        configs = load_printers()
    except (OSError, ValueError, KeyError, TypeError):
        configs = {}
    # a printer of an unknown or broken kind stops the service with a ko/en message (in the hub's log)
    kinds = {c.name: printer_class(c.kind) for c in configs.values()}
    printers = [kinds[c.name].from_config(c) for c in configs.values() if c.url]  # no address: slicing only
    max_bytes = settings.max_bytes
    desk = PrintDesk(folder or data_dir() / "print-service", printers, per_owner=settings.per_user,
                     kiosk_limit=settings.kiosk_limit, total=settings.total, max_bytes=max_bytes,
                     test_mode=settings.test_mode)
    app = make_app(desk, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/"), hub_auth=HubAuth(cache_max_age=60),
                   plan=plan)
    server = HTTPServer(app, max_body_size=max_bytes + 65536)
    server.listen(port, address=ip)
    stop = threading.Event()
    if printers:
        threading.Thread(target=desk.run, args=(stop,), daemon=True, name="print-dispatch").start()
    try:
        IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    # Stopped: exit without a last cyclic sweep of the heap, which took ~2.5 s on a busy
    # machine, while the hub waits for each service in turn to end.
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    import argparse
    from urllib.parse import urlparse

    parser = argparse.ArgumentParser(description="YouthLab print service (a JupyterHub service)")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    service_url = os.environ.get("JUPYTERHUB_SERVICE_URL", "")
    try:
        serve(args.port or (urlparse(service_url).port if service_url else None) or 8872)
    except YouthLabError as exc:  # a setup mistake (an unknown printer kind …): ko and en in the hub's log
        sys.stderr.write(f"{exc.user_text('ko')}\n{exc.user_text('en')}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main(sys.argv[1:])
