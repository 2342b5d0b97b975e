"""The hall's print queue: OctoPrint REST client, a fair queue over several printers.

* Printers and their OctoPrint URLs come from ``printers.yaml`` (see
  ``hardware/printers/README.md``); API keys from an environment variable or the
  operator's ``var/printers.yaml`` — never from the repository.
* A printer whose OctoPrint is connected to the bundled **Virtual Printer** is refused
  (nothing would really print) unless test mode is on: ``test_mode=True`` or
  ``YOUTHLAB_STAMP_TEST_MODE=1``.
* Fair order: jobs are taken round-robin by owner (student), so one student's five
  stamps do not hold up everybody else; within an owner, first come first served.
* Files are never followed through symlinks (``O_NOFOLLOW``): a ``secret.gcode`` link to
  the hub's cookie secret is refused when queued and again when sent to a printer. A
  queue with a state file keeps its own copy of each job's G-code under a name it chose,
  so nobody can swap the file between queueing and printing.
* Optional limits of waiting jobs per owner and in total (:class:`OwnerQueueFull`,
  :class:`QueueFull`). On a hub, the print service (:mod:`youthlab.stamp.print_service`)
  owns the queue and knows who is asking; this module alone trusts its caller.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import secrets
import stat
import threading
import time
from collections import OrderedDict, deque
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

import requests
import yaml

from youthlab.paths import data_dir
from youthlab.stamp.errors import PrinterBusy, PrinterError, UnknownPrinter, VirtualPrinterRefused
from youthlab.stamp.print_errors import OwnerQueueFull, PrintRequestError, QueueFull, SymlinkRefused
from youthlab.stamp.profiles import printers_dir

VIRTUAL_PORT = "VIRTUAL"
MAX_GCODE_BYTES = 200 * 1024 * 1024


def open_regular_nofollow(path: str | Path) -> int:
    """A read-only descriptor of a regular file, refusing a symlink as the last part of the
    path (``O_NOFOLLOW``) and anything that is not a plain file (a FIFO, a device)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP:
            raise SymlinkRefused(name=Path(path).name) from None
        raise PrintRequestError(detail=f"{Path(path).name}: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PrintRequestError(detail=f"{Path(path).name}: not a regular file")
    return fd


def test_mode_enabled() -> bool:
    return os.environ.get("YOUTHLAB_STAMP_TEST_MODE", "").lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class PrinterConfig:
    name: str
    url: str | None = None
    api_key: str | None = None
    profile: str = "hall-i3.ini"


def printers_file() -> Path:
    env = os.environ.get("YOUTHLAB_PRINTERS")
    if env:
        return Path(env)
    local = data_dir() / "printers.yaml"
    return local if local.is_file() else printers_dir() / "printers.yaml"


def load_printers(path: str | Path | None = None) -> dict[str, PrinterConfig]:
    """Printers by name from the YAML config (``api_key`` or ``api_key_env`` per printer)."""
    p = Path(path) if path else printers_file()
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    out = {}
    for name, spec in (data.get("printers") or {}).items():
        spec = spec or {}
        key = spec.get("api_key") or (os.environ.get(spec["api_key_env"]) if spec.get("api_key_env") else None)
        out[name] = PrinterConfig(name=name, url=spec.get("url"), api_key=key,
                                  profile=spec.get("profile", "hall-i3.ini"))
    return out


def get_printer(name: str, path: str | Path | None = None) -> PrinterConfig:
    printers = load_printers(path)
    if name not in printers:
        raise UnknownPrinter(printer=name, known=", ".join(printers) or "-")
    return printers[name]


@dataclass
class JobProgress:
    state: str  # OctoPrint's text: Operational, Printing, Paused, Cancelling, Offline, …
    file: str | None
    completion: float | None  # percent
    print_time: int | None
    print_time_left: int | None

    @property
    def printing(self) -> bool:
        return self.state.startswith(("Printing", "Paused", "Pausing", "Cancelling", "Starting", "Resuming"))


class OctoPrintClient:
    """A small client for OctoPrint's REST API (``X-Api-Key`` authentication)."""

    def __init__(self, url: str, api_key: str | None, name: str = "printer", timeout: float = 10.0) -> None:
        if not url:
            raise PrinterError(printer=name, detail="no OctoPrint URL configured")
        self.url = url.rstrip("/")
        self.name = name
        self.timeout = timeout
        self.session = requests.Session()
        if api_key:
            self.session.headers["X-Api-Key"] = api_key

    @classmethod
    def from_config(cls, cfg: PrinterConfig) -> "OctoPrintClient":
        return cls(cfg.url or "", cfg.api_key, name=cfg.name)

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            r = self.session.request(method, self.url + path, timeout=kw.pop("timeout", self.timeout), **kw)
        except requests.RequestException as exc:
            raise PrinterError(printer=self.name, detail=type(exc).__name__) from None
        if r.status_code in (401, 403) or (r.status_code == 400 and "CSRF" in r.text):
            # a wrong key makes OctoPrint treat us as an anonymous browser (CSRF check)
            raise PrinterError(printer=self.name, detail=f"HTTP {r.status_code}: API key rejected")
        if r.status_code == 409:
            raise PrinterBusy(printer=self.name, state=_short(r.text))
        if not r.ok:
            raise PrinterError(printer=self.name, detail=f"HTTP {r.status_code}: {_short(r.text)}")
        return r.json() if r.content and "json" in r.headers.get("Content-Type", "") else None

    def version(self) -> dict:
        return self._call("GET", "/api/version")

    def connection(self) -> dict:
        return self._call("GET", "/api/connection")["current"]

    def is_virtual(self) -> bool:
        """True when OctoPrint talks to its bundled Virtual Printer, not real hardware."""
        return (self.connection().get("port") or "") == VIRTUAL_PORT

    def job(self) -> JobProgress:
        j = self._call("GET", "/api/job")
        prog = j.get("progress") or {}
        f = (j.get("job") or {}).get("file") or {}
        return JobProgress(state=j.get("state", "Unknown"), file=f.get("name"),
                           completion=prog.get("completion"), print_time=prog.get("printTime"),
                           print_time_left=prog.get("printTimeLeft"))

    def is_ready(self) -> bool:
        """Connected, idle and able to take a job."""
        st = self.connection().get("state", "")
        return st.startswith("Operational") and not self.job().printing

    def upload(self, gcode: str | Path, select: bool = True, print_: bool = False,
               remote_name: str | None = None) -> dict:
        gcode = Path(gcode)
        with os.fdopen(open_regular_nofollow(gcode), "rb") as f:
            return self._call("POST", "/api/files/local",
                              files={"file": (remote_name or gcode.name, f, "application/octet-stream")},
                              data={"select": str(select).lower(), "print": str(print_).lower()},
                              timeout=max(self.timeout, 60))

    def start(self) -> None:
        self._call("POST", "/api/job", json={"command": "start"})

    def cancel(self) -> None:
        self._call("POST", "/api/job", json={"command": "cancel"})


def _short(text: str) -> str:
    return " ".join(text.split())[:160]


def send_to_printer(gcode: str | Path, client: OctoPrintClient, test_mode: bool | None = None,
                    start: bool = True, remote_name: str | None = None) -> JobProgress:
    """Upload G-code to one printer and start it. Refuses the Virtual Printer outside test
    mode and a printer that is busy."""
    test_mode = test_mode_enabled() if test_mode is None else test_mode
    if client.is_virtual() and not test_mode:
        raise VirtualPrinterRefused(printer=client.name)
    current = client.job()
    if current.printing:
        raise PrinterBusy(printer=client.name, state=current.state)
    client.upload(gcode, select=True, print_=start, remote_name=remote_name)
    return client.job()


def watch(client: OctoPrintClient, until: Callable[[JobProgress], bool], timeout: float = 60,
          interval: float = 1.0, on_progress: Callable[[JobProgress], None] | None = None) -> JobProgress:
    """Poll the job until ``until(progress)`` is true (or the timeout), reporting progress."""
    deadline = time.monotonic() + timeout
    while True:
        p = client.job()
        if on_progress:
            on_progress(p)
        if until(p) or time.monotonic() > deadline:
            return p
        time.sleep(interval)


# -- fair queue over several printers ---------------------------------------------------
class PrinterLike(Protocol):
    name: str

    def is_ready(self) -> bool: ...
    def is_virtual(self) -> bool: ...
    def job(self) -> JobProgress: ...
    def upload(self, gcode: str | Path, select: bool = True, print_: bool = False,
               remote_name: str | None = None) -> dict: ...
    def cancel(self) -> None: ...


@dataclass
class PrintJob:
    id: int
    owner: str
    gcode: Path
    status: str = "queued"  # queued | printing | done | cancelled | failed
    printer: str | None = None
    remote_name: str | None = None
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    name: str | None = None  # the file name its owner gave (shown in lists)


class PrintQueue:
    """Jobs from many students spread over the hall's printers, round-robin by owner.

    With ``state_path`` the queue lives in a JSON file (locked while in use), so a
    teacher's ``youthlab stamp queue add`` and a running ``youthlab stamp queue run`` share
    it, and it survives a restart; each job's G-code is then copied into ``files_dir``
    (default: ``<state folder>/print-files``) under a name the queue chooses.
    """

    def __init__(self, printers: list[PrinterLike], test_mode: bool | None = None,
                 state_path: str | Path | None = None, files_dir: str | Path | None = None) -> None:
        self.printers = {p.name: p for p in printers}
        self.test_mode = test_mode_enabled() if test_mode is None else test_mode
        self.state_path = Path(state_path) if state_path else None
        if files_dir is None and self.state_path is not None:
            files_dir = self.state_path.parent / "print-files"
        self.files_dir = Path(files_dir) if files_dir else None
        self._waiting: "OrderedDict[str, deque[PrintJob]]" = OrderedDict()
        self.jobs: dict[int, PrintJob] = {}
        self._next_id = 1
        self._lock = threading.RLock()

    # -- persistence --------------------------------------------------------------------
    @contextmanager
    def _state(self) -> Iterator[None]:
        with self._lock:
            if self.state_path is None:
                yield
                return
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.state_path.with_suffix(".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                self._load()
                try:
                    yield
                finally:
                    self._save()

    def _load(self) -> None:
        if not self.state_path.is_file():
            return
        data = json.loads(self.state_path.read_text(encoding="utf-8"))
        self._next_id = data.get("next_id", 1)
        self.jobs = {j["id"]: PrintJob(**{**j, "gcode": Path(j["gcode"])}) for j in data.get("jobs", [])}
        self._waiting = OrderedDict()
        for owner in data.get("rotation", []):
            self._waiting[owner] = deque()
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            if job.status == "queued":
                self._waiting.setdefault(job.owner, deque()).append(job)
        for owner in [o for o, q in self._waiting.items() if not q]:
            del self._waiting[owner]

    def _save(self) -> None:
        jobs = [{**asdict(j), "gcode": str(j.gcode)} for j in sorted(self.jobs.values(), key=lambda j: j.id)]
        data = {"next_id": self._next_id, "rotation": list(self._waiting), "jobs": jobs}
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.state_path)

    # -- queue operations ---------------------------------------------------------------
    def waiting_count(self, owner: str | None = None) -> int:
        """Jobs still waiting: all of them, or one owner's."""
        with self._state():
            if owner is not None:
                return len(self._waiting.get(owner, ()))
            return sum(len(q) for q in self._waiting.values())

    def submit(self, owner: str, gcode: str | Path, max_per_owner: int | None = None,
               max_total: int | None = None) -> PrintJob:
        """Queue a G-code file for ``owner``. A symlink or non-regular file is refused;
        with limits, a full queue raises :class:`OwnerQueueFull` / :class:`QueueFull`."""
        fd = open_regular_nofollow(gcode)
        try:
            with self._state():
                if max_per_owner is not None and len(self._waiting.get(owner, ())) >= max_per_owner:
                    raise OwnerQueueFull(limit=max_per_owner)
                if max_total is not None and sum(len(q) for q in self._waiting.values()) >= max_total:
                    raise QueueFull(limit=max_total)
                job = PrintJob(id=self._next_id, owner=owner, gcode=Path(os.path.abspath(gcode)))
                job.remote_name = f"{job.id:04d}-{_safe(owner)}-{_safe(Path(gcode).stem)}.gcode"
                if self.files_dir is not None:
                    job.gcode = self._keep_copy(fd, job)
                self._next_id += 1
                self.jobs[job.id] = job
                self._waiting.setdefault(owner, deque()).append(job)
                return job
        finally:
            os.close(fd)

    def _keep_copy(self, fd: int, job: PrintJob) -> Path:
        """Copy the open file into the queue's own folder under a name chosen here."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        target = self.files_dir / f"{job.id:05d}-{secrets.token_hex(6)}.gcode"
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        copied = 0
        try:
            while chunk := os.read(fd, 1 << 20):
                copied += len(chunk)
                if copied > MAX_GCODE_BYTES:
                    from youthlab.stamp.print_errors import FileTooBig

                    raise FileTooBig(size=copied, limit=MAX_GCODE_BYTES)
                os.write(out, chunk)
        except BaseException:
            os.close(out)
            target.unlink(missing_ok=True)
            raise
        os.close(out)
        return target

    def _next_fair(self) -> PrintJob | None:
        """The next job: first owner in the rotation, who then goes to the back."""
        for owner in list(self._waiting):
            q = self._waiting.pop(owner)
            if q:
                job = q.popleft()
                if q:
                    self._waiting[owner] = q
                return job
        return None

    def order(self) -> list[PrintJob]:
        """The order in which the waiting jobs would be started (without starting them)."""
        with self._state():
            queues = [list(q) for q in self._waiting.values()]
        out = []
        for rnd in itertools.zip_longest(*queues):
            out.extend(j for j in rnd if j is not None)
        return out

    def dispatch(self) -> list[PrintJob]:
        """Start waiting jobs on every ready printer; returns the jobs started now."""
        started = []
        with self._state():
            for printer in self.printers.values():
                if not self._waiting:
                    break
                try:
                    if not printer.is_ready():
                        continue
                    if printer.is_virtual() and not self.test_mode:
                        continue  # never send real work to a simulated printer
                except PrinterError:
                    continue
                job = self._next_fair()
                if job is None:
                    break
                try:
                    os.close(open_regular_nofollow(job.gcode))  # never a symlink, whatever the printer does
                    printer.upload(job.gcode, select=True, print_=True, remote_name=job.remote_name)
                    job.status, job.printer = "printing", printer.name
                    started.append(job)
                except (PrinterError, PrintRequestError, OSError) as exc:
                    job.status = "failed"
                    job.error = exc.message("en") if isinstance(exc, (PrinterError, PrintRequestError)) else str(exc)
        return started

    def poll(self) -> list[PrintJob]:
        """Mark printing jobs done once their printer has finished (or moved on)."""
        finished = []
        with self._state():
            for job in self.jobs.values():
                if job.status != "printing" or job.printer not in self.printers:
                    continue
                try:
                    p = self.printers[job.printer].job()
                except PrinterError:
                    continue
                if p.file != job.remote_name or not p.printing:
                    job.status = "done" if (p.file != job.remote_name or (p.completion or 0) >= 100) else "cancelled"
                    finished.append(job)
        return finished

    def cancel(self, job_id: int) -> PrintJob:
        with self._state():
            job = self.jobs.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.status == "queued":
                q = self._waiting.get(job.owner)
                if q and job in q:
                    q.remove(job)
                    if not q:
                        del self._waiting[job.owner]
            elif job.status == "printing" and job.printer in self.printers:
                self.printers[job.printer].cancel()
            job.status = "cancelled"
            return job

    def status(self) -> list[PrintJob]:
        with self._state():
            return sorted(self.jobs.values(), key=lambda j: j.id)

    def run(self, stop: threading.Event, interval: float = 5.0,
            on_change: Callable[[PrintJob], None] | None = None) -> None:
        """Poll and dispatch until ``stop`` is set (the hall's queue runner)."""
        while not stop.is_set():
            for job in self.poll() + self.dispatch():
                if on_change:
                    on_change(job)
            stop.wait(interval)


def default_queue_file() -> Path:
    return data_dir() / "stamp" / "print-queue.json"


def _safe(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in s)[:32] or "user"
