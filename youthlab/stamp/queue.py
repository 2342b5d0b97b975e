"""The hall's fair print queue: students' jobs spread over several printers.

* Fair order: jobs are taken round-robin by owner (student), so one student's five
  stamps do not hold up everybody else; within an owner, first come first served.
* A printer that is simulated (OctoPrint's Virtual Printer) gets no job unless test
  mode is on: ``test_mode=True`` or ``YOUTHLAB_STAMP_TEST_MODE=1``.
* Files are never followed through symlinks (``O_NOFOLLOW``): a ``secret.gcode`` link to
  the hub's cookie secret is refused when queued and again when sent to a printer. A
  queue with a state file keeps its own copy of each job's G-code under a name it chose,
  so nobody can swap the file between queueing and printing.
* Optional limits of waiting jobs per owner and in total (:class:`OwnerQueueFull`,
  :class:`QueueFull`). On a hub, the print service (:mod:`youthlab.stamp.print_service`)
  owns the queue and knows who is asking; this module alone trusts its caller.

The printers themselves (OctoPrint and other kinds, the printers file) live in
:mod:`youthlab.stamp.printers`; their names are importable from here too.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from youthlab.paths import data_dir
from youthlab.stamp.errors import PrinterError
from youthlab.stamp.print_errors import FileTooBig, OwnerQueueFull, PrintRequestError, QueueFull
from youthlab.stamp.printers.base import JobProgress, PrinterConfig, PrinterLike
from youthlab.stamp.printers.gcode_file import MAX_GCODE_BYTES, open_regular_nofollow
from youthlab.stamp.printers.hall import get_printer, load_printers, printers_file
from youthlab.stamp.printers.octoprint import OctoPrintClient
from youthlab.stamp.printers.send import send_to_printer, watch
from youthlab.stamp.settings import PrintQueueSettings

__all__ = [  # the queue, and the printer names callers have always imported from here
    "JobProgress", "MAX_GCODE_BYTES", "OctoPrintClient", "PrintJob", "PrintQueue", "PrinterConfig", "PrinterLike",
    "default_queue_file", "get_printer", "load_printers", "open_regular_nofollow", "printers_file",
    "send_to_printer", "test_mode_enabled", "watch",
]


def test_mode_enabled() -> bool:
    """``YOUTHLAB_STAMP_TEST_MODE``: may jobs go to a simulated printer?"""
    return PrintQueueSettings.from_env().test_mode


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
    def transaction(self) -> Iterator[None]:
        """Hold the queue (lock, and with a state file: load it first, save it after) while
        reading or changing its jobs."""
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
        with self.transaction():
            if owner is not None:
                return len(self._waiting.get(owner, ()))
            return sum(len(q) for q in self._waiting.values())

    def submit(self, owner: str, gcode: str | Path, max_per_owner: int | None = None,
               max_total: int | None = None) -> PrintJob:
        """Queue a G-code file for ``owner``. A symlink or non-regular file is refused;
        with limits, a full queue raises :class:`OwnerQueueFull` / :class:`QueueFull`."""
        fd = open_regular_nofollow(gcode)
        try:
            with self.transaction():
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
        with self.transaction():
            queues = [list(q) for q in self._waiting.values()]
        out = []
        for rnd in itertools.zip_longest(*queues):
            out.extend(j for j in rnd if j is not None)
        return out

    def dispatch(self) -> list[PrintJob]:
        """Start waiting jobs on every ready printer; returns the jobs started now."""
        started = []
        with self.transaction():
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
        with self.transaction():
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
        with self.transaction():
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
        with self.transaction():
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
