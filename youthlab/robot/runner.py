"""Run one student robot program — the same file — in the simulator, fast or live.

* :func:`run_fast` — the grader's way: the file runs in this Python with the board's own
  ``machine``/``time`` modules over the in-process transport
  (:mod:`youthlab.boards.inprocess`); ``time.sleep`` advances a simulated clock, so a
  3-minute task takes about a second.
* :func:`run_virtual` — the file runs on a virtual board (the real MicroPython unix
  port) through a :class:`youthlab.boards.session.Session`, as ``%%board`` runs a cell,
  its ``machine`` driving a :class:`~youthlab.robot.car.RobotBoardSim` in real time.

Both return a :class:`RunResult` that :mod:`youthlab.robot.checker` grades and
:mod:`youthlab.robot.views` animates. The board library (``hardware/micropython``:
``robot.py``, ``ylab.py``) is imported by the program exactly as on a board. The
checker is not imported here: a grader passes its "task done" test as ``done``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import signal
import sys
import threading
import time
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from youthlab.boards.errors import BoardCodeError, BoardTimeout
from youthlab.boards.inprocess import InProcessTransport, Sandbox
from youthlab.boards.registry import start_virtual
from youthlab.boards.session import Session
from youthlab.paths import hardware_dir
from youthlab.robot.errors import RobotError
from youthlab.robot.kinematics import Pose, RobotParams
from youthlab.robot.car import RobotBoardSim
from youthlab.robot.worlds import World, load_world

#: A grader's "is the task complete?" test (the checker's ``done_condition(world)``).
DoneTest = Callable[[RobotBoardSim], bool]
DONE_TESTS_GROUP = "youthlab.robot_done_tests"


def task_done_test(world: World) -> DoneTest | None:
    """The "task complete" test for ``world`` from the plug-in that checks tasks (entry
    point group ``youthlab.robot_done_tests``; the robot checker registers one), so the
    runners stop early without importing the checker, which imports them."""
    for factory in _done_test_factories():
        test = factory(world)
        if test is not None:
            return test
    return None


@functools.lru_cache(maxsize=1)
def _done_test_factories() -> tuple[Callable[[World], DoneTest | None], ...]:
    from importlib.metadata import entry_points

    return tuple(ep.load() for ep in entry_points(group=DONE_TESTS_GROUP))


class SimTimeUp(BaseException):
    """The run's simulated time limit was reached (BaseException: `except Exception` in
    student code must not swallow it)."""


class TaskDone(BaseException):
    """The task is complete; stop the program early."""


@dataclass
class RunResult:
    """What happened in one run: the robot's path, its events, the program's output."""

    world: World
    mode: str
    sim: RobotBoardSim
    ended: str  # "finished" | "done" | "time_limit" | "error" | "timeout" | "stopped"
    sim_time: float
    wall_time: float
    output: str = ""
    error: str | None = None
    trace: list[Pose] = field(default_factory=list)

    @property
    def log(self) -> list[tuple[float, str, dict[str, Any]]]:
        return self.sim.log

    @property
    def collisions(self) -> int:
        return self.sim.body.collisions


def _read_program(program: str | os.PathLike) -> tuple[str, str]:
    """(source, filename) of a path or a source string."""
    if isinstance(program, os.PathLike) or ("\n" not in program and Path(program).is_file()):
        path = Path(program)
        if not path.is_file():
            raise RobotError(detail=f"{path}: no such file")
        return path.read_text(encoding="utf-8"), str(path)
    if "\n" not in program and program.strip().endswith(".py"):
        raise RobotError(detail=f"{program}: no such file")
    return str(program), "<robot program>"


def board_lib_dir() -> Path:
    """The MicroPython libraries that go onto every robot (``hardware/micropython``)."""
    return hardware_dir() / "micropython"


def robot_config(kit: str) -> types.ModuleType:
    """The ``robot_config`` module a robot's board carries (which kit it is)."""
    cfg = types.ModuleType("robot_config")
    cfg.KIT = kit
    return cfg


class GraderClock:
    """Stops a fast-grader run at its time limit or when the task is done."""

    def __init__(self, sim: RobotBoardSim, time_limit: float, done: DoneTest | None,
                 check_every: float = 0.25) -> None:
        self.sim, self.time_limit, self.done, self.check_every = sim, time_limit, done, check_every
        self._next_check = check_every

    def __call__(self) -> None:
        sim = self.sim
        if sim.clock >= self.time_limit:
            raise SimTimeUp()
        if self.done is not None and sim.clock >= self._next_check:
            self._next_check = sim.clock + self.check_every
            if self.done(sim):
                raise TaskDone()


class _Tee(io.TextIOBase):
    def __init__(self, echo: bool) -> None:
        self.buf = io.StringIO()
        self.echo = echo
        self.out = sys.stdout

    def write(self, s: str) -> int:
        self.buf.write(s)
        if self.echo:
            self.out.write(s)
        return len(s)


class _WallClock(BaseException):
    pass


@contextlib.contextmanager
def _wall_timeout(seconds: float | None):
    """Interrupt a program that spins without ever touching a pin or the clock."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _WallClock()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _student_traceback(exc: BaseException, filename: str) -> str:
    """The traceback without our own frames (the student's file and the board library)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename == filename or f.filename.startswith(str(board_lib_dir()))]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return "Traceback (most recent call last):\n" + "".join(lines)


def run_fast(program: str | os.PathLike, world: World | str = "line", *, kit: str | None = None,
             time_limit: float | None = None, done: DoneTest | None = None,
             stop_when_done: bool = True, seed: int = 0, params: RobotParams | None = None,
             echo: bool = False, wall_timeout: float | None = 60.0) -> RunResult:
    """Run a robot program against the simulator on a simulated clock (see module doc).

    The run ends as soon as the task is complete (``done``, by default the plugged-in
    :func:`task_done_test`), unless ``stop_when_done`` is False.
    """
    source, filename = _read_program(program)
    w = load_world(world) if isinstance(world, str) else world
    sim = RobotBoardSim(w, kit=kit, params=params, clock="virtual", seed=seed)
    limit = float(time_limit if time_limit is not None else w.time_limit)
    if stop_when_done and done is None:
        done = task_done_test(w)
    transport = InProcessTransport(sim, GraderClock(sim, limit, done if stop_when_done else None))
    sandbox = Sandbox(transport, [board_lib_dir()], {"robot_config": robot_config(sim.kit_name)})
    tee = _Tee(echo)
    ended, error = "finished", None
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(tee), _wall_timeout(wall_timeout):
            sandbox.run(source, filename)
    except SimTimeUp:
        ended = "time_limit"
    except TaskDone:
        ended = "done"
    except _WallClock:
        ended = "timeout"
    except SystemExit:
        ended = "finished"
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the student's error: report it, do not crash the grader
        ended, error = "error", _student_traceback(exc, filename)
    wall = time.perf_counter() - t0
    sim.sync()
    return RunResult(world=w, mode="fast", sim=sim, ended=ended, sim_time=sim.clock, wall_time=wall,
                     output=tee.buf.getvalue(), error=error, trace=list(sim.body.trace))


def _board_files(kit: str, source: str) -> dict[str, str]:
    files = {lib.name: lib.read_text(encoding="utf-8") for lib in board_lib_dir().glob("*.py")}
    files["robot_config.py"] = f"KIT = {kit!r}\n"
    return files


def run_virtual(program: str | os.PathLike, world: World | str = "line", *, kit: str | None = None,
                seconds: float = 10.0, seed: int = 0, params: RobotParams | None = None,
                on_start: Callable[[RobotBoardSim], None] | None = None,
                board_name: str | None = None, stop: threading.Event | None = None,
                echo: Callable[[str], None] | None = None) -> RunResult:
    """Run a robot program on a virtual MicroPython board driving the simulator live.

    The board libraries go onto the board's filesystem; the board starts like
    ``%board connect virtual`` does (:func:`youthlab.boards.registry.start_virtual`), and
    the program runs through a :class:`~youthlab.boards.session.Session` as a ``%%board``
    cell does. It runs until it ends, for at most ``seconds`` (real time), or until
    ``stop`` is set; then the board is switched off. ``echo`` gets its output as it comes.
    """
    import tempfile

    source, filename = _read_program(program)
    w = load_world(world) if isinstance(world, str) else world
    sim = RobotBoardSim(w, kit=kit, params=params, clock="real", seed=seed)
    output: list[str] = []

    def collect(s: str) -> None:
        output.append(s)
        if echo is not None:
            echo(s)

    ended, error = "finished", None
    with tempfile.TemporaryDirectory(prefix="ylab-robot-") as tmp:
        fs = Path(tmp) / "fs"
        fs.mkdir()
        for name, text in _board_files(sim.kit_name, source).items():
            (fs / name).write_text(text, encoding="utf-8")
        name = board_name or f"robot-{os.getpid()}-{threading.get_ident() % 10000}"
        board = start_virtual(name, fs_dir=fs, simulator=sim, publish=False, profile=sim.profile_name)
        session = None
        t0 = time.perf_counter()
        try:
            session = Session(board.port, name=name, serial_number=board.serial_number,
                              notify=lambda s: None)
            sim.restart_clock()
            sim.run_clock()
            if on_start:
                on_start(sim)
            try:
                session.exec(source, on_output=collect, timeout=seconds, remember=False, stop=stop)
            except BoardTimeout:
                ended = "time_limit"
            except KeyboardInterrupt:
                ended = "stopped"
            except BoardCodeError as exc:
                ended, error = "error", exc.traceback
        finally:
            wall = time.perf_counter() - t0
            sim.stop_clock()
            if session is not None:
                session.close()
            board.stop()
    sim.sync()
    text = "".join(output).replace("\r\n", "\n")
    if error is not None:
        error = error.replace("\r\n", "\n").replace('File "<stdin>"', f'File "{Path(filename).name}"')
    return RunResult(world=w, mode="virtual", sim=sim, ended=ended, sim_time=sim.now(), wall_time=wall,
                     output=text, error=error, trace=list(sim.body.trace))

