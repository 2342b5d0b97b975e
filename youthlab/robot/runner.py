"""Run one student robot program — the same file — in the simulator, fast or live.

* :func:`run_fast` — the grader's way: the file runs in this Python with the
  :mod:`~youthlab.robot.shim` ``machine``/``time`` modules; ``time.sleep`` advances a
  simulated clock, so a 3-minute task takes about a second.
* :func:`run_virtual` — the file runs on a virtual board (the real MicroPython unix
  port, :class:`youthlab.boards.virtual.VirtualBoard`) whose ``machine`` shim drives a
  :class:`~youthlab.robot.sim.RobotBoardSim` in real time, exactly as a real robot
  would run it after a deploy.

Both return a :class:`RunResult` that :mod:`youthlab.robot.checker` grades and
:mod:`youthlab.robot.views` animates. The board library (``hardware/micropython``:
``robot.py``, ``ylab.py``) is imported by the program exactly as on a board.
"""

from __future__ import annotations

import builtins
import contextlib
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

from youthlab.paths import hardware_dir
from youthlab.robot.errors import RobotError
from youthlab.robot.kinematics import Pose, RobotParams
from youthlab.robot.shim import BoardModules, SimTimeUp, TaskDone
from youthlab.robot.sim import RobotBoardSim
from youthlab.robot.worlds import World, load_world


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


class _Sandbox:
    """An ``__import__`` that serves the shim modules and the board libraries."""

    def __init__(self, board: BoardModules, kit: str) -> None:
        self.modules: dict[str, types.ModuleType] = dict(board.modules)
        cfg = types.ModuleType("robot_config")
        cfg.KIT = kit
        self.modules["robot_config"] = cfg
        self.builtins = dict(vars(builtins))
        self.builtins["__import__"] = self._import
        self._real = builtins.__import__

    def _import(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if level == 0:
            mod = self.modules.get(name)
            if mod is None and "." not in name:
                mod = self._board_lib(name)
            if mod is not None:
                return mod
        return self._real(name, globals, locals, fromlist, level)

    def _board_lib(self, name: str) -> types.ModuleType | None:
        path = board_lib_dir() / f"{name}.py"
        if not path.is_file():
            return None
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        mod.__dict__["__builtins__"] = self.builtins
        self.modules[name] = mod
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), mod.__dict__)
        return mod

    def run(self, source: str, filename: str) -> None:
        code = compile(source, filename, "exec")
        exec(code, {"__name__": "__main__", "__file__": filename, "__builtins__": self.builtins})


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
             time_limit: float | None = None, stop_when_done: bool = True, seed: int = 0,
             params: RobotParams | None = None, echo: bool = False,
             wall_timeout: float | None = 60.0) -> RunResult:
    """Run a robot program against the simulator on a simulated clock (see module doc)."""
    source, filename = _read_program(program)
    w = load_world(world) if isinstance(world, str) else world
    sim = RobotBoardSim(w, kit=kit, params=params, clock="virtual", seed=seed)
    limit = float(time_limit if time_limit is not None else w.time_limit)
    done: Callable[[RobotBoardSim], bool] | None = None
    if stop_when_done:
        from youthlab.robot.checker import done_condition

        done = done_condition(w)
    board = BoardModules(sim, limit, done)
    sandbox = _Sandbox(board, sim.kit_name)
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


def run_virtual(program: str | os.PathLike, world: World | str = "line", *, kit: str | None = None,
                seconds: float = 10.0, seed: int = 0, params: RobotParams | None = None,
                on_start: Callable[[RobotBoardSim], None] | None = None,
                board_name: str | None = None, stop_at_prompt: bool = True,
                stop: threading.Event | None = None) -> RunResult:
    """Run a robot program on a virtual MicroPython board driving the simulator live.

    The program and the board libraries are put on the board's filesystem as
    ``main.py``, ``robot.py`` …; the board boots and runs ``main.py`` as a real board
    does. After ``seconds`` (real time), or when the program has ended and the board is
    back at its ``>>>`` prompt (``stop_at_prompt``), or when ``stop`` is set, the board is
    switched off.
    """
    import tempfile

    from youthlab.boards.virtual import VirtualBoard

    source, filename = _read_program(program)
    w = load_world(world) if isinstance(world, str) else world
    sim = RobotBoardSim(w, kit=kit, params=params, clock="real", seed=seed)
    with tempfile.TemporaryDirectory(prefix="ylab-robot-") as tmp:
        fs = Path(tmp) / "fs"
        fs.mkdir()
        for lib in board_lib_dir().glob("*.py"):
            (fs / lib.name).write_text(lib.read_text(encoding="utf-8"), encoding="utf-8")
        (fs / "robot_config.py").write_text(f"KIT = {sim.kit_name!r}\n", encoding="utf-8")
        (fs / "main.py").write_text(source, encoding="utf-8")
        name = board_name or f"robot-{os.getpid()}-{threading.get_ident() % 10000}"
        board = VirtualBoard(name, fs_dir=fs, simulator=sim, publish=False)
        output = bytearray()
        t0 = time.perf_counter()
        sim._t0 = time.monotonic()
        sim.run_clock()
        if on_start:
            on_start(sim)
        ended = "time_limit"
        try:
            board.start(timeout=20)
            fd = os.open(board.port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            try:
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    if stop is not None and stop.is_set():
                        ended = "stopped"
                        break
                    try:
                        chunk = os.read(fd, 4096)
                        if chunk:
                            output += chunk
                            if stop_at_prompt and output.endswith(b">>> "):
                                ended = "finished"  # main.py ended; the board is back at its REPL
                                break
                            continue
                    except BlockingIOError:
                        pass
                    time.sleep(0.02)
            finally:
                os.close(fd)
        finally:
            board.stop()
            sim.stop_clock()
        wall = time.perf_counter() - t0
    sim.sync()
    text = output.decode("utf-8", "replace").replace("\r\n", "\n")
    error = None
    if "Traceback (most recent call last)" in text:
        error = text[text.index("Traceback (most recent call last)"):]
    return RunResult(world=w, mode="virtual", sim=sim, ended="error" if error else ended,
                     sim_time=sim.now(), wall_time=wall, output=text, error=error,
                     trace=list(sim.body.trace))
