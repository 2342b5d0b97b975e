"""The fast grader on the real MicroPython interpreter (the unix port).

The student's file runs under ``micropython`` with ``youthlab/robot/mpy`` first on
``MICROPYPATH``: its ``machine`` and ``time`` replace the built-in ones, and each pin
operation becomes one ``\\x1e``-marked JSON line on stdout carrying the program's
simulated clock; reads (ADC, pins, I2C) wait for this process's answer on stdin. Here
a :class:`~youthlab.robot.sim.RobotBoardSim` (``clock="external"``) follows that clock.
Everything else the program prints is its normal output.

Slower than :func:`youthlab.robot.runner.run_fast` (one pipe round trip per sensor read)
but exact about the language: code that only runs on CPython fails here, as on a robot.
Not simulated in this mode: pin interrupts (encoder ``ticks()`` stay 0) and ``Timer``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from youthlab.boards.virtual import micropython_binary
from youthlab.robot.kinematics import RobotParams
from youthlab.robot.runner import RunResult, _read_program, board_lib_dir
from youthlab.robot.sim import RobotBoardSim
from youthlab.robot.worlds import World, load_world

SHIM_DIR = Path(__file__).with_name("mpy")
MARK = 0x1E


def _serve(sim: RobotBoardSim, msg: list[Any]) -> Any:
    """Apply one operation; returns the answer for reads (None for writes)."""
    op, t, args = msg[0], float(msg[1]), msg[2:]
    if t > sim.clock:
        sim.clock = t
    if op == "s":
        sim.sync()
        return None
    if op == "p":
        sim.pwm(*args)
    elif op == "w":
        sim.pin_write(*args)
    elif op == "m":
        sim.pin_mode(args[0], args[1])
    elif op == "r":
        return sim.pin_read(args[0])
    elif op == "a":
        return sim.adc_read(args[0])
    elif op == "i":
        try:
            sim.i2c_write(args[0], args[1], bytes(args[2]))
        except OSError:
            pass
    elif op == "j":
        try:
            return list(sim.i2c_read(args[0], args[1], args[2]))
        except OSError as exc:
            return exc.errno or 5
    elif op == "c":
        return sim.i2c_scan(args[0])
    elif op == "q":
        before = sim.clock
        r = sim.time_pulse_us(*args)
        sim.clock = before  # the program's own clock adds the pulse time (machine.time_pulse_us)
        return r
    return None


def run_micropython(program: str | os.PathLike, world: World | str = "line", *, kit: str | None = None,
                    time_limit: float | None = None, stop_when_done: bool = True, seed: int = 0,
                    params: RobotParams | None = None, wall_timeout: float = 60.0) -> RunResult:
    """Run a robot program on the real MicroPython interpreter against the simulator."""
    source, filename = _read_program(program)
    w = load_world(world) if isinstance(world, str) else world
    sim = RobotBoardSim(w, kit=kit, params=params, clock="external", seed=seed)
    limit = float(time_limit if time_limit is not None else w.time_limit)
    done = None
    if stop_when_done:
        from youthlab.robot.checker import done_condition

        done = done_condition(w)
    output = bytearray()
    ended = "finished"
    next_check = 0.25
    with tempfile.TemporaryDirectory(prefix="ylab-robot-mpy-") as tmp:
        cfg = Path(tmp) / "cfg"
        cfg.mkdir()
        (cfg / "robot_config.py").write_text(f"KIT = {sim.kit_name!r}\n", encoding="utf-8")
        main = Path(tmp) / (Path(filename).name if filename.endswith(".py") else "main.py")
        main.write_text(source, encoding="utf-8")
        env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(SHIM_DIR), str(cfg), str(board_lib_dir())]))
        errfile = Path(tmp) / "stderr"
        t0 = time.perf_counter()
        with open(errfile, "wb") as err:
            proc = subprocess.Popen([micropython_binary(), str(main)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=err, env=env, cwd=tmp, bufsize=0)
        try:
            rf = proc.stdout
            deadline = time.monotonic() + wall_timeout
            for line in iter(rf.readline, b""):
                if line[:1] != b"\x1e":
                    output += line
                    continue
                msg = json.loads(line[1:])
                reply = _serve(sim, msg)
                if msg[0] in ("r", "a", "j", "c", "q"):
                    proc.stdin.write(json.dumps(reply).encode() + b"\n")
                if sim.clock >= limit:
                    ended = "time_limit"
                    break
                if done is not None and sim.clock >= next_check:
                    next_check = sim.clock + 0.25
                    if done(sim):
                        ended = "done"
                        break
                if time.monotonic() > deadline:
                    ended = "timeout"
                    break
        except (BrokenPipeError, OSError):
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            wall = time.perf_counter() - t0
        stderr = errfile.read_bytes().decode("utf-8", "replace")
    text = output.decode("utf-8", "replace").replace(str(main), filename)
    error = None
    mark = "Traceback (most recent call last):"
    if mark in text:  # the unix port prints uncaught exceptions on stdout
        text, error = text[: text.index(mark)], text[text.index(mark):]
    elif proc.returncode not in (0, -9) and ended == "finished":
        error = stderr.replace(str(main), filename) or f"exit status {proc.returncode}"
    if error:
        ended = "error"
    sim.sync()
    return RunResult(world=w, mode="micropython", sim=sim, ended=ended, sim_time=sim.clock, wall_time=wall,
                     output=text, error=error, trace=list(sim.body.trace))
