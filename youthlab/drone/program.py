"""Run a student's mission program against a drone, out of our process.

The program is a file that does ``from drone import Drone`` (the library in
``hardware/micropython/drone.py``). It runs in its own sandboxed process
(:mod:`youthlab.sandbox`: no environment of ours, no network, limits) — CPython or the
unix port of MicroPython, the same code a board runs — and talks to the host over the
line protocol of :mod:`youthlab.drone.board_protocol` on its stdin/stdout, its only way out. So the same mission runs unchanged in the
simulator, on the Tello and from a board, and it can never touch the safety layer.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from youthlab.drone.api import Drone
from youthlab.drone.backends import FlightBackend
from youthlab.drone.gate import Gate, program_hash
from youthlab.drone.board_protocol import PREFIX, BoardBackend
from youthlab.hub.runtime import reachable_by_others, student_runtime
from youthlab.i18n import t
from youthlab.paths import hardware_dir
from youthlab.sandbox import Limits, Sandbox, capped, python_launcher_argv


OUTPUT_CAP = 64_000  # characters of a program's output (and of its stderr) we keep
LINE_MAX = 4096  # longest line we read at once (a protocol line is ~100)
# Imported before the program drops to its sandbox user, who may not be able to read our
# runtime (a venv under /root): what a mission program may reasonably import.
PRELOAD = ("json", "math", "random", "time", "collections", "itertools", "functools", "re", "string",
           "statistics", "datetime", "typing", "dataclasses", "enum", "copy", "heapq", "bisect", "fractions",
           "decimal", "textwrap", "struct", "array", "operator")


def library_path() -> Path:
    return hardware_dir() / "micropython" / "drone.py"


def program_python() -> str:
    """The Python a sandboxed program runs in: as root, the runtime mirror made for
    students' servers (:mod:`youthlab.hub.runtime`) when ours is closed to other users and
    the mirror is there — then the sandbox user can import the whole standard library —
    else ours (the sandbox user then has what :data:`PRELOAD` imported before the drop)."""
    import os

    if os.geteuid() == 0:
        try:
            runtime = student_runtime(build=False)
            candidate = runtime.bin / "python"
            if runtime.mirrored and reachable_by_others(candidate, execute=True):
                return str(candidate)
        except Exception:  # noqa: BLE001 — no mirror: our own Python still works
            pass
    return sys.executable


def interpreter_command(interpreter: str) -> list[str]:
    """argv of the interpreter (through the sandbox's Python launcher, so the program
    can run as a user who cannot read our runtime)."""
    if interpreter == "python":
        return python_launcher_argv(program_python(), "main.py", PRELOAD)
    if interpreter == "micropython":
        return python_launcher_argv(program_python(), "micropython_run:run_main", ("micropython_run",), ["main.py"])
    raise ValueError(f"unknown interpreter {interpreter!r} (python or micropython)")


def program_sandbox(user: str | None = None, limits: Limits | None = None) -> Sandbox:
    """The sandbox a mission program runs in: ``user`` (a system user, when we are root),
    an environment with nothing of ours, no network (it talks to us over stdin/stdout
    only), rlimits. The scratch folder is filled in by :func:`run_program`."""
    return Sandbox(user=user, network=False,
                   limits=limits or Limits(cpu_seconds=60, memory_mb=1024, processes=16, file_mb=4))


class _CappedLines:
    """The program's stdout as lines for :class:`BoardBackend`: protocol lines always
    pass; other output is kept up to ``cap`` characters, the rest dropped and counted."""

    def __init__(self, stream: Any, cap: int) -> None:
        self.stream, self.cap, self.kept, self.dropped = stream, cap, 0, 0

    def readline(self) -> str:
        while True:
            line = self.stream.readline(LINE_MAX)
            if not line or line.startswith(PREFIX):
                return line
            if self.kept + len(line) <= self.cap:
                self.kept += len(line)
                return line
            self.dropped += len(line)


def run_program(source: str, backend: str | FlightBackend = "sim", *, interpreter: str = "python",
                mission: Any = None, seed: int = 0, timeout_s: float = 300.0,
                clearance: Any = None, gate: Gate | None = None, echo: bool = False,
                on_drone: Callable[[Drone], None] | None = None, sandbox: Sandbox | None = None,
                stop: threading.Event | None = None, output_cap: int = OUTPUT_CAP,
                **drone_options: Any) -> dict[str, Any]:
    """Fly ``source`` and return the flight record (events, path, drops, output).

    The program runs sandboxed (:func:`program_sandbox`, or ``sandbox``): no environment
    of ours, no network, limits, every process it started ended when it is over. Its
    output is capped at ``output_cap`` characters (``record["output_dropped"]``).
    A clean simulator run (no safety event, landed, no crash) is recorded as a pass for
    the simulate-first rule: ``record["sim_pass"]``. ``on_drone`` gets the drone before
    the program starts (the flight service keeps it for its emergency stop); setting
    ``stop`` ends the program at once (``record["stopped"]``)."""
    sandbox = sandbox or program_sandbox()
    drone = Drone(backend, mission=mission, seed=seed, clearance=clearance, gate=gate, **drone_options)
    if on_drone is not None:
        on_drone(drone)
    tmp = sandbox.scratch(prefix="ylab-mission-")
    stopped = threading.Event()
    try:
        Path(tmp, "main.py").write_text(source, encoding="utf-8")
        shutil.copy(library_path(), Path(tmp, "drone.py"))
        for name in ("main.py", "drone.py"):
            sandbox.give(Path(tmp, name))
        box_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp),
                   "MICROPYPATH": f"{tmp}:.frozen"}
        box = dataclasses.replace(sandbox, env=box_env).popen(interpreter_command(interpreter), tmp, drop_in_python=True, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            bufsize=1, encoding="utf-8", errors="replace")
        proc = box.proc
        timed_out = threading.Event()
        done = threading.Event()

        def _watch() -> None:
            """The wall-clock limit, the stop button, and the end: once the program has
            exited, whatever it left running (a detached child holding its stdout) ends."""
            deadline = time.monotonic() + timeout_s
            while not done.wait(0.05):
                if stop is not None and stop.is_set():
                    stopped.set()
                    box.stop()
                    box.kill_all()
                    return
                if time.monotonic() > deadline:
                    timed_out.set()
                    box.stop()
                    box.kill_all()
                    return
                if proc.poll() is not None:
                    done.wait(0.2)  # let the last lines arrive
                    box.kill_all()
                    return

        watcher = threading.Thread(target=_watch, daemon=True, name="program-watch")
        watcher.start()
        stderr_text: dict[str, Any] = {}
        err_thread = threading.Thread(target=lambda: stderr_text.update(zip(("text", "dropped"),
                                                                            capped(proc.stderr, output_cap))),
                                      daemon=True)
        err_thread.start()
        lines = _CappedLines(proc.stdout, output_cap)
        try:
            link = BoardBackend(drone, lines, proc.stdin, on_output=print if echo else None)
            result = link.serve()
        finally:
            done.set()
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            leftover = box.kill_all()
            err_thread.join(timeout=2)
            watcher.join(timeout=2)
            drone.close()
    finally:
        sandbox.remove_scratch(tmp)
    dropped = lines.dropped + stderr_text.get("dropped", 0)
    output = list(result.output)
    if dropped:
        output.append(t("drone.program.output_cut", cap=output_cap, dropped=dropped))
    record = drone.record()
    record.update(output=output, errors=result.errors, commands=result.commands,
                  stderr=stderr_text.get("text", ""), returncode=proc.returncode,
                  timed_out=timed_out.is_set(), stopped=stopped.is_set(), interpreter=interpreter,
                  output_dropped=dropped, leftover_processes=leftover, sandbox=sandbox.describe())
    record["sim_pass"] = False
    if (record["backend"] == "sim" and proc.returncode == 0 and not record["timed_out"]
            and not record["stopped"]):
        record["sim_pass"] = (gate or Gate()).record(source, record)
    _log_flight(source, record, gate or Gate())
    return record


def _log_flight(source: str, record: dict[str, Any], gate: Gate) -> None:
    """Append a one-line summary (with every safety event) to the flight log."""
    import json
    import time

    entry = {"time": time.time(), "program": program_hash(source)[:16], "backend": record["backend"],
             "interpreter": record["interpreter"], "mission": record["mission"],
             "flight_s": round(record["final"]["t"], 1), "events": record["events"],
             "sim_pass": record["sim_pass"], "returncode": record["returncode"]}
    try:
        gate.folder.mkdir(parents=True, exist_ok=True)
        with open(gate.folder / "flights.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError:
        pass  # a read-only data folder must not stop a flight


def fly_real(source: str, backend: FlightBackend, *, teacher_pin: str | None = None,
             gate: Gate | None = None, **options: Any) -> dict[str, Any]:
    """Fly ``source`` on a real drone — only if it passed the simulator (or a teacher
    gave the PIN). Raises :class:`~youthlab.drone.errors.SimulateFirst` otherwise."""
    gate = gate or Gate()
    clearance = gate.clearance(source, teacher_pin=teacher_pin)
    return run_program(source, backend, clearance=clearance, gate=gate, **options)
