"""Run a student's mission program against a drone, out of our process.

The program is a file that does ``from drone import Drone`` (the library in
``hardware/micropython/drone.py``). It runs in its own process — CPython or the unix
port of MicroPython, the same code a board runs — and talks to the host over the line
protocol of :mod:`youthlab.drone.link`. So the same mission runs unchanged in the
simulator, on the Tello and from a board, and it can never touch the safety layer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from youthlab.drone.api import Drone
from youthlab.drone.backends import FlightBackend
from youthlab.drone.gate import Gate
from youthlab.drone.link import BoardBackend
from youthlab.paths import hardware_dir, venv_bin


def library_path() -> Path:
    return hardware_dir() / "micropython" / "drone.py"


def interpreter_command(interpreter: str) -> list[str]:
    if interpreter == "python":
        return [sys.executable, "-E", "-s", "-u", "main.py"]
    if interpreter == "micropython":
        exe = shutil.which("micropython") or str(venv_bin() / "micropython")
        return [exe, "main.py"]
    raise ValueError(f"unknown interpreter {interpreter!r} (python or micropython)")


def run_program(source: str, backend: str | FlightBackend = "sim", *, interpreter: str = "python",
                mission: Any = None, seed: int = 0, timeout_s: float = 300.0,
                clearance: Any = None, gate: Gate | None = None, echo: bool = False,
                on_drone: Callable[[Drone], None] | None = None, **drone_options: Any) -> dict[str, Any]:
    """Fly ``source`` and return the flight record (events, path, drops, output).

    A clean simulator run (no safety event, landed, no crash) is recorded as a pass for
    the simulate-first rule: ``record["sim_pass"]``. ``on_drone`` gets the drone before
    the program starts (the flight service keeps it for its emergency stop)."""
    drone = Drone(backend, mission=mission, seed=seed, clearance=clearance, gate=gate, **drone_options)
    if on_drone is not None:
        on_drone(drone)
    with tempfile.TemporaryDirectory(prefix="ylab-mission-") as tmp:
        Path(tmp, "main.py").write_text(source, encoding="utf-8")
        shutil.copy(library_path(), Path(tmp, "drone.py"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["MICROPYPATH"] = f"{tmp}:.frozen"
        proc = subprocess.Popen(interpreter_command(interpreter), cwd=tmp, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, bufsize=1, encoding="utf-8")
        timed_out = threading.Event()

        def _kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout_s, _kill)
        timer.start()
        stderr_lines: list[str] = []
        err_thread = threading.Thread(target=lambda: stderr_lines.extend(proc.stderr), daemon=True)
        err_thread.start()
        try:
            link = BoardBackend(drone, proc.stdout, proc.stdin,
                                on_output=print if echo else None)
            result = link.serve()
        finally:
            timer.cancel()
            try:
                proc.stdin.close()
            except OSError:
                pass
            if proc.poll() is None:
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            err_thread.join(timeout=2)
            drone.close()
    record = drone.record()
    record.update(output=result.output, errors=result.errors, commands=result.commands,
                  stderr="".join(stderr_lines), returncode=proc.returncode,
                  timed_out=timed_out.is_set(), interpreter=interpreter)
    record["sim_pass"] = False
    if record["backend"] == "sim" and proc.returncode == 0 and not record["timed_out"]:
        record["sim_pass"] = (gate or Gate()).record(source, record)
    _log_flight(source, record, gate or Gate())
    return record


def _log_flight(source: str, record: dict[str, Any], gate: Gate) -> None:
    """Append a one-line summary (with every safety event) to the flight log."""
    import json
    import time

    from youthlab.drone.gate import program_hash

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
