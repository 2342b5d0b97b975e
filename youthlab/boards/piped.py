"""The pipe transport's host end: a program on the real MicroPython unix port, its
board operations served by a :class:`~youthlab.boards.simulator.BoardSimulator` here.

The MicroPython grader's way. ``micropython _ylab_run.py main.py`` runs with the board's
modules (:data:`~youthlab.boards.simulator.MPY_DIR`) first on ``MICROPYPATH`` and
``YLAB_SIM_PIPE=1``: each operation is one ``\\x1e``-marked JSON line on its stdout
(``[op, args, t, wants_reply]``, ``t`` the program's simulated clock), answered on its
stdin when it asks. Everything else it prints is its output. Exact about the language
(code only CPython runs fails here, as on a board); slower than the in-process transport.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from youthlab.boards.simulator import MPY_DIR, BoardSimulator

MARK = b"\x1e"


@dataclass
class PipedRun:
    """How a piped run went: what it printed, its exit status, why it stopped."""

    output: str
    stderr: str
    returncode: int
    ended: str  # "finished" | "timeout" | whatever ``should_stop`` returned
    wall_time: float


def run_piped(main: Path, sim: BoardSimulator, *, micropython: str, lib_dirs: Iterable[Path] = (),
              should_stop: Callable[[], str | None] | None = None, wall_timeout: float = 60.0,
              memory_bytes: int = 256 * 1024 * 1024) -> PipedRun:
    """Run ``main`` (a file) on MicroPython against ``sim`` (``clock="external"``).

    ``should_stop`` is asked after every operation; a non-empty answer stops the run and
    becomes :attr:`PipedRun.ended`.
    """
    if sim.clock_mode != "external":
        raise ValueError("the pipe transport keeps the clock on the board side: clock='external'")
    env = dict(os.environ, YLAB_SIM_PIPE="1",
               MICROPYPATH=os.pathsep.join([str(MPY_DIR), *map(str, lib_dirs)]))
    env.pop("YLAB_SIM_PORT", None)
    output = bytearray()
    ended = "finished"
    errfile = main.with_name(main.name + ".stderr")

    def limits() -> None:  # bounded work on untrusted code
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    t0 = time.perf_counter()
    with open(errfile, "wb") as err:
        proc = subprocess.Popen([micropython, str(MPY_DIR / "_ylab_run.py"), str(main)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env,
                                cwd=main.parent, bufsize=0, preexec_fn=limits)
    try:
        deadline = time.monotonic() + wall_timeout
        for line in iter(proc.stdout.readline, b""):
            k = line.find(MARK)
            if k < 0:
                output += line
                continue
            output += line[:k]
            op, args, t, wants_reply = json.loads(line[k + 1:])
            sim.set_clock(float(t))
            if op != "sleep":
                reply = sim.answer(op, args)
                if wants_reply:
                    proc.stdin.write(json.dumps(reply).encode() + b"\n")
            stop = should_stop() if should_stop is not None else None
            if stop:
                ended = stop
                break
            if time.monotonic() > deadline:
                ended = "timeout"
                break
    except (BrokenPipeError, OSError, ValueError):
        pass
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        wall = time.perf_counter() - t0
    stderr = errfile.read_bytes().decode("utf-8", "replace")
    errfile.unlink()
    return PipedRun(output=output.decode("utf-8", "replace"), stderr=stderr,
                    returncode=proc.returncode, ended=ended, wall_time=wall)
