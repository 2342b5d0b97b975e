"""``youthlab robot``: run, check, watch and deploy robot programs.

    youthlab robot run student.py --world town            # fast simulator, prints output
    youthlab robot run student.py --world town --virtual  # on a virtual MicroPython board
    youthlab robot check student.py --world town --json  # grade (exit 0 = passed)
    youthlab robot view student.py --world town           # replay on the hall screen (pygame)
    youthlab robot track town town.png --scale 4          # print the track
    youthlab robot deploy student.py --port /dev/ttyACM0  # onto a real robot
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from youthlab.boards.errors import VirtualBoardError
from youthlab.boards.session import Session
from youthlab.i18n import t
from youthlab.robot.checker import check as check_run
from youthlab.robot.checker import grade
from youthlab.robot.deploy import deploy as deploy_program
from youthlab.robot.mpyrun import run_micropython
from youthlab.robot.runner import run_fast, run_virtual
from youthlab.robot.views import PygameView
from youthlab.robot.worlds import available_worlds, load_world

#: How long the live view waits for the virtual board to run the program before giving up.
BOARD_START_SECONDS = 60.0
PROGRAM = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def robot() -> None:
    """Robot postman lab: simulator, checker, hall-screen view, deploy."""


@robot.command()
def worlds() -> None:
    """List the worlds (maps)."""
    click.echo(t("robot.cli.worlds") + ":")
    for name in available_worlds():
        w = load_world(name)
        click.echo(f"  {name:8} {w.task:5} {w.title.get('ko', '')} · {w.title.get('en', '')}  "
                   f"({w.width:.0f}×{w.height:.0f} cm, {w.time_limit:.0f} s)")


def _summary(result) -> str:
    return t("robot.cli.result", world=result.world.name, sim_time=f"{result.sim_time:.1f}",
             wall_time=f"{result.wall_time:.2f}", ended=result.ended)


@robot.command()
@click.argument("program", type=PROGRAM)
@click.option("--world", default="line", show_default=True, help="World name or YAML file.")
@click.option("--kit", default=None, help="Robot kit (pin map), default pico-car.")
@click.option("--virtual", is_flag=True, help="Run on a virtual MicroPython board in real time.")
@click.option("--interpreter", type=click.Choice(["python", "micropython"]), default="python",
              show_default=True, help="Fast simulator on CPython or on the real MicroPython.")
@click.option("--seconds", default=None, type=float, help="Time limit (default: the world's).")
def run(program: Path, world: str, kit: str | None, virtual: bool, interpreter: str,
        seconds: float | None) -> None:
    """Run PROGRAM in the simulator and show what it printed."""
    if virtual:
        result = run_virtual(program, world, kit=kit, seconds=seconds or load_world(world).time_limit)
        click.echo(result.output, nl=False)
    elif interpreter == "micropython":
        result = run_micropython(program, world, kit=kit, time_limit=seconds, stop_when_done=False)
        click.echo(result.output, nl=False)
        if result.error:
            click.echo(result.error, err=True)
    else:
        result = run_fast(program, world, kit=kit, time_limit=seconds, echo=True, stop_when_done=False)
        if result.error:
            click.echo(result.error, err=True)
    click.echo(_summary(result))


@robot.command()
@click.argument("program", type=PROGRAM)
@click.option("--world", default="line", show_default=True)
@click.option("--kit", default=None)
@click.option("--interpreter", type=click.Choice(["python", "micropython"]), default="python",
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report (for grading).")
def check(program: Path, world: str, kit: str | None, interpreter: str, as_json: bool) -> None:
    """Grade PROGRAM on WORLD (exit status 0 when passed)."""
    report = grade(program, world, kit=kit, interpreter=interpreter)
    if as_json:
        click.echo(json.dumps({"task": report.task, "passed": report.passed, "score": report.score,
                               "feedback": {"ko": report.lines("ko"), "en": report.lines("en")},
                               "details": report.details}, ensure_ascii=False, default=str))
    else:
        click.echo(report.text())
    sys.exit(0 if report.passed else 1)


@robot.command()
@click.argument("program", type=PROGRAM)
@click.option("--world", default="line", show_default=True)
@click.option("--kit", default=None)
@click.option("--speed", default=4.0, show_default=True, help="Replay speed (× real time).")
@click.option("--scale", default=2.0, show_default=True, help="Screen pixels per track pixel (0.5 cm).")
@click.option("--frames", default=None, type=int, help="Stop after this many frames (tests).")
@click.option("--live", is_flag=True, help="Run on a virtual MicroPython board and show it live.")
def view(program: Path, world: str, kit: str | None, speed: float, scale: float, frames: int | None,
         live: bool) -> None:
    """Run PROGRAM fast, then replay it in a pygame window (the hall screen)."""
    if live:
        _view_live(program, world, kit, scale, frames)
        return
    result = run_fast(program, world, kit=kit)
    report = check_run(result)
    if frames is not None:
        result.trace = result.trace[: max(1, int(frames * speed / 30 / 0.05))]
    pv = PygameView(result.world, scale=scale)
    try:
        pv.replay(result, speed=speed, hold=0 if frames is not None else 3)
    finally:
        pv.close()
    click.echo(report.text())


def _view_live(program: Path, world: str, kit: str | None, scale: float, frames: int | None) -> None:
    """The board runs in a thread; the window (main thread) draws the simulator ~30×/s."""
    import threading

    w = load_world(world)
    holder: dict = {}
    started = threading.Event()

    def on_start(sim) -> None:
        holder["sim"] = sim
        started.set()

    closed = threading.Event()

    def board() -> None:
        try:
            holder["result"] = run_virtual(program, w, kit=kit, seconds=w.time_limit, on_start=on_start,
                                           stop=closed)
        except BaseException as exc:  # a board error (unplugged, stuck…): the main thread reports it
            holder["error"] = exc
        finally:
            started.set()

    th = threading.Thread(target=board, daemon=True)
    th.start()
    pv = None
    stop_wait = BOARD_START_SECONDS
    try:
        if not started.wait(BOARD_START_SECONDS):
            stop_wait = 5.0  # stuck starting: a stop cannot reach it, so wait no longer for it
            raise VirtualBoardError(detail=f"no answer in {BOARD_START_SECONDS:.0f} s")
        if "sim" not in holder:  # the board never started: nothing to draw
            th.join()
            raise holder["error"]
        pv = PygameView(w, scale=scale)
        clock = pv.pg.time.Clock()
        shown = 0
        while th.is_alive() and not pv.closed() and (frames is None or shown < frames):
            sim = holder["sim"]
            with sim.lock:
                pose, trail = sim.body.pose(), list(sim.body.trace[-400:])
                deliveries = [d for _, d in sim.deliveries()]
            pv.draw(pose, trail, params=sim.body.p, deliveries=deliveries,
                    caption=t("robot.view.time", time=f"{pose.t:.1f}"))
            shown += 1
            clock.tick(30)
    finally:
        closed.set()  # window closed, frames done or a failure: switch the board off too
        if pv is not None:
            pv.close()
        th.join(stop_wait)  # the board is off (and its lock free) before the command ends
    if "error" in holder:  # (an error of the window's own wins over the board's)
        raise holder["error"]
    if th.is_alive():
        raise VirtualBoardError(detail=f"no answer in {stop_wait:.0f} s")
    result = holder["result"]
    click.echo(result.output.split("MicroPython")[0], nl=False)
    click.echo(check_run(result).text())


@robot.command()
@click.argument("world")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--scale", default=1, show_default=True, help="Pixels per 0.5 cm.")
def track(world: str, out: Path, scale: int) -> None:
    """Write WORLD's floor as a PNG (to print the track for a real robot)."""
    path = load_world(world).png(out, scale)
    click.echo(str(path))


@robot.command()
@click.argument("program", type=PROGRAM)
@click.option("--port", required=True, help="Board port: /dev/ttyACM0, a virtual board's pty, rfc2217://…")
@click.option("--kit", default=None)
@click.option("--no-run", is_flag=True, help="Only copy the files; the robot runs them at next power-on.")
def deploy(program: Path, port: str, kit: str | None, no_run: bool) -> None:
    """Copy PROGRAM (as main.py) and the robot library to a robot, then run it."""
    with Session(port) as session:
        result, _ = deploy_program(program, session, kit, run=not no_run,
                                   on_output=lambda s: click.echo(s, nl=False))
        click.echo(result.summary())
