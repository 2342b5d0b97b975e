"""A bench of boards: every attached board by its stable name, jobs run on all of them in
parallel (flash, deploy, self-test), a live status per board and a report as CSV.

One Session per board per job (``youthlab.boards.session``), one thread per board
(bounded by ``workers``): boards are independent serial links, so a slow board does not
hold up the others. A job's failure is that board's status, never the bench's.
"""

from __future__ import annotations

import csv
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable

from youthlab.boards.discover import list_boards
from youthlab.boards.errors import BoardCodeError
from youthlab.boards.flash.flow import flash_board
from youthlab.boards.flash.names import BoardNames
from youthlab.boards.session import Session
from youthlab.errors import YouthLabError

REPORT_PROBE = ("import sys, os, gc\n"
                "gc.collect()\n"
                "s = os.statvfs('/')\n"
                "print(repr((sys.implementation.name + ' ' + '.'.join(str(v) for v in sys.implementation.version[:3]), "
                "getattr(sys.implementation, '_machine', sys.platform), gc.mem_free(), s[0] * s[4])))\n")


@dataclass
class BenchBoard:
    name: str
    port: str
    serial_number: str
    chip: str = "?"


@dataclass
class BoardStatus:
    """One row of the live table and of the report."""

    name: str
    port: str
    state: str = "waiting"  # waiting | running | ok | failed
    step: str = ""
    percent: int = 0
    firmware: str = ""
    machine: str = ""
    free_ram: int | None = None
    free_flash: int | None = None
    selftest: str = ""
    detail: str = ""
    started: float = 0.0
    finished: float = 0.0


def attached_boards(names: BoardNames | None = None, include_virtual: bool = True) -> list[BenchBoard]:
    """Every board this machine reaches now, named from the bench's name table."""
    names = names or BoardNames()
    out = []
    for info in list_boards(include_unknown=True):
        if info.kind == "virtual" and not include_virtual:
            continue
        serial = info.serial_number or info.port
        default = (serial[len("VIRT-"):] if serial.startswith("VIRT-")  # a virtual board's own name
                   else f"{info.chip.split()[0].lower()}-{serial[-6:].lower()}")
        out.append(BenchBoard(names.name_for(serial, default), info.port, serial, info.chip))
    return out


Job = Callable[[BenchBoard, Callable[..., None]], None]


class Bench:
    """Runs one job on many boards in parallel; ``on_change(statuses)`` after every update."""

    def __init__(self, boards: Iterable[BenchBoard], workers: int = 8,
                 on_change: Callable[[list[BoardStatus]], None] | None = None) -> None:
        self.boards = list(boards)
        self.workers = workers
        self.status = {b.name: BoardStatus(b.name, b.port) for b in self.boards}
        self.on_change = on_change
        self._lock = threading.Lock()

    def rows(self) -> list[BoardStatus]:
        with self._lock:
            return [BoardStatus(**asdict(s)) for s in self.status.values()]

    def _update(self, name: str, **fields: object) -> None:
        with self._lock:
            for key, value in fields.items():
                setattr(self.status[name], key, value)
        if self.on_change:
            self.on_change(self.rows())

    def run(self, job: Job, select: Iterable[str] | None = None) -> list[BoardStatus]:
        """Run ``job`` on the selected boards (all by default); returns the final rows."""
        chosen = [b for b in self.boards if select is None or b.name in set(select)]

        def one(board: BenchBoard) -> None:
            self._update(board.name, state="running", started=time.monotonic(), detail="")
            try:
                job(board, lambda **f: self._update(board.name, **f))
            except YouthLabError as exc:
                self._update(board.name, state="failed", detail=exc.message())
            except Exception as exc:  # noqa: BLE001 — one board's fault stays on its row
                self._update(board.name, state="failed", detail=f"{type(exc).__name__}: {exc}")
            else:
                self._update(board.name, state="ok", percent=100)
            finally:
                self._update(board.name, finished=time.monotonic())

        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(chosen) or 1))) as pool:
            list(pool.map(one, chosen))
        return self.rows()


def deploy_and_check(folder: str | Path | None = None, selftest: str | None = None) -> Job:
    """A job: deploy ``folder`` (only changed files), read the board's report, run the
    self-test script (a file in ``folder``, run on the board; passes if it raises nothing
    and prints no line starting with FAIL)."""
    import ast

    def job(board: BenchBoard, update: Callable[..., None]) -> None:
        with Session(board.port, serial_number=board.serial_number, notify=lambda m: None) as session:
            if folder is not None:
                update(step="deploy")
                session.deploy(folder, progress=lambda done, total: update(
                    percent=int(100 * done / total) if total else 100))
            update(step="report")
            out = session.exec(REPORT_PROBE, on_output=lambda s: None, timeout=15, remember=False)
            firmware, machine, ram, flash = ast.literal_eval(out.strip().splitlines()[-1])
            update(firmware=firmware, machine=machine, free_ram=ram, free_flash=flash)
            if selftest:
                update(step="selftest")
                code = (Path(folder) / selftest).read_text(encoding="utf-8") if folder else selftest
                try:
                    text = session.exec(code, on_output=lambda s: None, timeout=60, remember=False)
                except BoardCodeError as exc:
                    update(selftest="FAIL")
                    raise YouthLabError(key="flash.selftest_failed", hint_key="flash.selftest_failed.hint",
                                        detail=exc.traceback.strip().splitlines()[-1][:200]) from None
                lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
                failed = [ln for ln in lines if ln.upper().startswith("FAIL")]
                update(selftest="FAIL" if failed else "PASS")
                if failed:
                    raise YouthLabError(key="flash.selftest_failed", hint_key="flash.selftest_failed.hint",
                                        detail=failed[0][:200])
            update(step="")

    return job


def flash_job(family: str, **flash_kw: object) -> Job:
    """A job: flash ``family``'s pinned MicroPython (role-checked once by the caller)."""
    def job(board: BenchBoard, update: Callable[..., None]) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            update(step=stage, percent=int(100 * done / total) if total else 0)

        result = flash_board(family, board.port, progress=progress, check_role=False,
                             serial_number=board.serial_number, **flash_kw)
        impl = result.board.get("implementation") or ("", "", "")
        update(firmware=f"{impl[0]} {impl[1]}".strip(), machine=impl[2])

    return job


REPORT_COLUMNS = ("name", "port", "state", "firmware", "machine", "free_ram", "free_flash", "selftest", "detail")


def export_csv(rows: Iterable[BoardStatus], path: str | Path) -> Path:
    """The per-board report as CSV (UTF-8 with BOM, so spreadsheet apps read Hangul)."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(REPORT_COLUMNS)
        for row in rows:
            writer.writerow(["" if getattr(row, c) is None else getattr(row, c) for c in REPORT_COLUMNS])
    return path
