"""The fast grader on the real MicroPython interpreter (the unix port).

The student's file runs under ``micropython`` with the board's own ``machine`` and
``time`` over the pipe transport (:mod:`youthlab.boards.piped`); a
:class:`~youthlab.robot.car.RobotBoardSim` (``clock="external"``) here follows the
program's simulated clock. Slower than :func:`youthlab.robot.runner.run_fast` (one pipe
round trip per sensor read) but exact about the language: code that only runs on
CPython fails here, as on a robot.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from youthlab.boards.piped import run_piped
from youthlab.boards.virtual import micropython_binary
from youthlab.robot.kinematics import RobotParams
from youthlab.robot.runner import DoneTest, RunResult, _read_program, board_lib_dir, task_done_test
from youthlab.robot.car import RobotBoardSim
from youthlab.robot.worlds import World, load_world


def run_micropython(program: str | os.PathLike, world: World | str = "line", *, kit: str | None = None,
                    time_limit: float | None = None, done: DoneTest | None = None,
                    stop_when_done: bool = True, seed: int = 0, params: RobotParams | None = None,
                    wall_timeout: float = 60.0) -> RunResult:
    """Run a robot program on the real MicroPython interpreter against the simulator
    (``done``: as for :func:`~youthlab.robot.runner.run_fast`)."""
    source, filename = _read_program(program)
    w = load_world(world) if isinstance(world, str) else world
    sim = RobotBoardSim(w, kit=kit, params=params, clock="external", seed=seed)
    limit = float(time_limit if time_limit is not None else w.time_limit)
    if stop_when_done and done is None:
        done = task_done_test(w)
    done = done if stop_when_done else None
    next_check = [0.25]

    def should_stop() -> str | None:
        if sim.clock >= limit:
            return "time_limit"
        if done is not None and sim.clock >= next_check[0]:
            next_check[0] = sim.clock + 0.25
            if done(sim):
                return "done"
        return None

    with tempfile.TemporaryDirectory(prefix="ylab-robot-mpy-") as tmp:
        cfg = Path(tmp) / "cfg"
        cfg.mkdir()
        (cfg / "robot_config.py").write_text(f"KIT = {sim.kit_name!r}\n", encoding="utf-8")
        main = Path(tmp) / (Path(filename).name if filename.endswith(".py") else "main.py")
        main.write_text(source, encoding="utf-8")
        run = run_piped(main, sim, micropython=micropython_binary(), lib_dirs=[cfg, board_lib_dir()],
                        should_stop=should_stop, wall_timeout=wall_timeout)
    text = run.output.replace(str(main), filename)
    ended, error = run.ended, None
    mark = "Traceback (most recent call last):"
    if mark in text:  # the unix port prints uncaught exceptions on stdout
        text, error = text[: text.index(mark)], _student_frames(text[text.index(mark):])
    elif run.returncode not in (0, -9) and ended == "finished":
        error = run.stderr.replace(str(main), filename) or f"exit status {run.returncode}"
    if error:
        ended = "error"
    sim.sync()
    return RunResult(world=w, mode="micropython", sim=sim, ended=ended, sim_time=sim.clock,
                     wall_time=run.wall_time, output=text, error=error, trace=list(sim.body.trace))


def _student_frames(tb: str) -> str:
    """The traceback without the grader's start-up frame (``_ylab_run.py``)."""
    lines = tb.splitlines(keepends=True)
    return "".join(line for line in lines if "_ylab_run.py" not in line)
