"""``youthlab drone``: fly a mission program, run the Tello emulator, grade a mission."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from youthlab.i18n import t


@click.group()
def drone() -> None:
    """Drone lab: simulator, Tello SDK emulator, mission checker."""


def _print_events(record: dict) -> None:
    for e in record["events"]:
        click.secho(f"  ⚠ [{e['t']:.1f} s] {t('drone.event.' + e['kind'], **e['params'])}", fg="yellow")


@drone.command()
@click.argument("program", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--backend", type=click.Choice(["sim", "tello"]), default="sim", show_default=True)
@click.option("--interpreter", type=click.Choice(["python", "micropython"]), default="python",
              show_default=True, help="Run the program in CPython or in MicroPython (like a board).")
@click.option("--mission", default="hall", show_default=True, help="World: hall or island.")
@click.option("--seed", default=0, show_default=True, help="Simulator seed (wind gusts).")
@click.option("--host", default="192.168.10.1", show_default=True, help="Tello address.")
@click.option("--port", default=8889, show_default=True, help="Tello command port.")
@click.option("--state-port", default=8890, show_default=True, help="Local port for the state stream.")
@click.option("--teacher-pin", default=None, help="Teacher override for the simulate-first rule.")
def fly(program: Path, backend: str, interpreter: str, mission: str, seed: int, host: str,
        port: int, state_port: int, teacher_pin: str | None) -> None:
    """Fly PROGRAM (a file using `from drone import Drone`)."""
    from youthlab.drone.program import fly_real, run_program

    source = program.read_text(encoding="utf-8")
    if backend == "sim":
        record = run_program(source, interpreter=interpreter, mission=mission, seed=seed, echo=True)
    else:
        from youthlab.drone.backends.tello import TelloBackend
        from youthlab.drone.missions import get_mission

        be = TelloBackend(host=host, port=port, state_port=state_port)
        record = fly_real(source, be, teacher_pin=teacher_pin, interpreter=interpreter,
                          echo=True, limits=get_mission(mission).limits)
    if record["stderr"]:
        click.echo(record["stderr"], err=True)
    _print_events(record)
    f = record["final"]
    click.echo(t("drone.cli.summary", time=round(f["t"], 1), battery=int(f["battery"]),
                 commands=record["commands"], events=len(record["events"])))
    if backend == "sim":
        click.secho(t("drone.cli.sim_pass" if record["sim_pass"] else "drone.cli.sim_fail"),
                    fg="green" if record["sim_pass"] else "red")
    sys.exit(0 if record["returncode"] == 0 and not record["events"] else 1)


@drone.command()
@click.option("--port", "url", required=True,
              help="The board's serial port or URL: /dev/ttyACM0, rfc2217://station:4000, a pty.")
@click.option("--backend", type=click.Choice(["sim", "tello"]), default="sim", show_default=True)
@click.option("--mission", default="hall", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--host", default="192.168.10.1", show_default=True, help="Tello address.")
@click.option("--tello-port", default=8889, show_default=True)
@click.option("--state-port", default=8890, show_default=True)
@click.option("--teacher-pin", default=None,
              help="A board program can't be checked in the simulator first: real flights need this.")
def serve(url: str, backend: str, mission: str, seed: int, host: str, tello_port: int,
          state_port: int, teacher_pin: str | None) -> None:
    """Fly the commands a board sends (its `drone` library) until the board stops."""
    from youthlab.drone.api import Drone
    from youthlab.drone.link import BoardBackend, SerialLines

    clearance = None
    if backend == "tello":
        from youthlab.drone.backends.tello import TelloBackend
        from youthlab.drone.gate import Gate

        clearance = Gate().clearance("board:" + url, teacher_pin=teacher_pin)
        from youthlab.drone.missions import get_mission

        flight = Drone(TelloBackend(host=host, port=tello_port, state_port=state_port),
                       clearance=clearance, limits=get_mission(mission).limits)
    else:
        flight = Drone(mission=mission, seed=seed)
    try:
        lines = SerialLines(url)
    except Exception:
        flight.close()
        raise
    click.echo(t("drone.cli.serving", url=url, backend=backend), err=True)
    try:
        result = BoardBackend(flight, lines, lines, on_output=click.echo).serve()
    except KeyboardInterrupt:
        result = None
    finally:
        flight.close()
        lines.close()
    record = flight.record()
    _print_events(record)
    f = record["final"]
    click.echo(t("drone.cli.summary", time=round(f["t"], 1), battery=int(f["battery"]),
                 commands=result.commands if result else 0, events=len(record["events"])))


@drone.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8889, show_default=True, help="Command port (UDP).")
@click.option("--state-port", default=8890, show_default=True, help="Client port for state packets.")
@click.option("--time-scale", default=1.0, show_default=True, help="Simulated seconds per real second.")
@click.option("--battery", default=100.0, show_default=True, help="Battery at start (%).")
@click.option("--mission", default="hall", show_default=True, help="World (wind, payload): hall or island.")
@click.option("--seed", default=0, show_default=True)
def emulator(host: str, port: int, state_port: int, time_scale: float, battery: float,
             mission: str, seed: int) -> None:
    """Run a Tello SDK 2.0 emulator backed by the simulator (Ctrl-C to stop)."""
    from youthlab.drone.emulator import TelloEmulator
    from youthlab.drone.missions import get_mission

    options = get_mission(mission).sim_options(seed)
    options["battery_pct"] = battery
    emu = TelloEmulator(host=host, port=port, state_port=state_port, time_scale=time_scale, **options)
    emu.start()
    click.echo(t("drone.cli.emulator", host=emu.address[0], port=emu.address[1], state_port=state_port),
               err=True)
    try:
        while True:
            emu._stop.wait(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()


@drone.command()
@click.argument("program", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mission", default="island", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--interpreter", type=click.Choice(["python", "micropython"]), default="python")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result (for grading).")
def check(program: Path, mission: str, seed: int, interpreter: str, as_json: bool) -> None:
    """Grade PROGRAM on a mission in the simulator: score and feedback."""
    from youthlab.drone.checker import check_program

    result = check_program(program.read_text(encoding="utf-8"), mission, seed=seed,
                           interpreter=interpreter)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(result.feedback())
