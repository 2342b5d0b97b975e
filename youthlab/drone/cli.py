"""``youthlab drone``: fly a mission program, run the Tello emulator, grade a mission."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from youthlab.drone import flight_client, sdk
from youthlab.drone.api import Drone
from youthlab.drone.backends import backend_class, backend_names, make_backend
from youthlab.drone.board_protocol import BoardBackend, SerialLines
from youthlab.drone.checker import check_program
from youthlab.drone.emulator import DEFAULT_PADS, TelloEmulator
from youthlab.drone.flight_url import configured_url
from youthlab.drone.gate import Gate
from youthlab.drone.missions import get_mission
from youthlab.drone.program import fly_real, run_program
from youthlab.drone.service import FlightSettings
from youthlab.drone.service import serve as serve_flights
from youthlab.i18n import current_language, t


@click.group()
def drone() -> None:
    """Drone lab: simulator, Tello SDK emulator, mission checker."""


def _print_events(record: dict) -> None:
    for e in record["events"]:
        click.secho(f"  ⚠ [{e['t']:.1f} s] {t('drone.event.' + e['kind'], **e['params'])}", fg="yellow")


def _print_summary(record: dict, commands: int) -> None:
    """The safety events, then one line: flight time, battery, commands, events."""
    _print_events(record)
    f = record["final"]
    click.echo(t("drone.cli.summary", time=round(f["t"], 1), battery=int(f["battery"]),
                 commands=commands, events=len(record["events"])))


@drone.command()
@click.argument("program", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--backend", type=click.Choice(backend_names()), default="sim", show_default=True,
              help="Where the commands go (the youthlab.drone_backends entry points).")
@click.option("--interpreter", type=click.Choice(["python", "micropython"]), default="python",
              show_default=True, help="Run the program in CPython or in MicroPython (like a board).")
@click.option("--mission", default="hall", show_default=True, help="World: hall or island.")
@click.option("--seed", default=0, show_default=True, help="Simulator seed (wind gusts).")
@click.option("--host", default="192.168.10.1", show_default=True, help="Tello address.")
@click.option("--port", default=8889, show_default=True, help="Tello command port.")
@click.option("--state-port", default=8890, show_default=True, help="Local port for the state stream.")
@click.option("--teacher-pin", default=None, help="Teacher override for the simulate-first rule.")
@click.option("--service", default=None, metavar="URL",
              help="Fly the real drone through this flight service (default under the hub: YOUTHLAB_FLIGHT_URL).")
def fly(program: Path, backend: str, interpreter: str, mission: str, seed: int, host: str,
        port: int, state_port: int, teacher_pin: str | None, service: str | None) -> None:
    """Fly PROGRAM (a file using `from drone import Drone`).

    On the hub, `--backend tello` sends PROGRAM to the flight service, which checks it in
    the simulator and then flies the classroom drone with its own safety rules."""
    source = program.read_text(encoding="utf-8")
    if backend_class(backend).real and (service or _flight_service_configured()):
        _fly_via_service(source, mission, interpreter, teacher_pin, service)
        return
    real = backend_class(backend).real
    if not real:
        record = run_program(source, backend, interpreter=interpreter, mission=mission, seed=seed, echo=True)
    else:
        be = make_backend(backend, host=host, port=port, state_port=state_port)
        record = fly_real(source, be, teacher_pin=teacher_pin, interpreter=interpreter,
                          echo=True, limits=get_mission(mission).limits)
    if record["stderr"]:
        click.echo(record["stderr"], err=True)
    _print_summary(record, record["commands"])
    if not real:
        click.secho(t("drone.cli.sim_pass" if record["sim_pass"] else "drone.cli.sim_fail"),
                    fg="green" if record["sim_pass"] else "red")
    sys.exit(0 if record["returncode"] == 0 and not record["events"] else 1)


def _flight_service_configured() -> bool:
    return configured_url() is not None


def _fly_via_service(source: str, mission: str, interpreter: str, teacher_pin: str | None,
                     url: str | None) -> None:
    click.echo(t("drone.service.sent", url=flight_client.service_url(url)), err=True)
    answer = flight_client.fly(source, mission=mission, interpreter=interpreter, teacher_pin=teacher_pin, url=url)
    if not answer["flown"]:
        sim = answer.get("simulation") or {}
        for line in sim.get("output") or []:
            click.echo(line)
        if sim:
            _print_events(sim)
        message = answer.get("message") or {}
        click.secho(message.get(current_language()) or answer.get("error", "?"), fg="red")
        hint = (answer.get("hint") or {}).get(current_language())
        if hint:
            click.echo(f"→ {hint}")
        sys.exit(1)
    record = answer["flight"]
    for line in record["output"]:
        click.echo(line)
    if record["stderr"]:
        click.echo(record["stderr"], err=True)
    click.secho(t("drone.service.flown"), fg="green")
    _print_summary(record, record["commands"])
    sys.exit(0 if record["returncode"] == 0 and not record["events"] else 1)


@drone.command()
@click.option("--service", default=None, metavar="URL", help="The flight service (default: YOUTHLAB_FLIGHT_URL).")
def stop(service: str | None) -> None:
    """Emergency stop: the flight service stops the drone's motors now."""
    answer = flight_client.emergency(service)
    click.secho(t("drone.service.stopped" if answer.get("flying") else "drone.service.nothing_flying"),
                fg="red", bold=True)


@drone.command()
@click.option("--port", type=int, default=None, show_default="YOUTHLAB_FLIGHT_PORT or 8870",
              help="HTTP port of the service.")
@click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 on a flight station).")
@click.option("--drone", "drone_at", default=None, show_default="YOUTHLAB_FLIGHT_DRONE or emulator",
              help="The drone: `emulator` (a virtual Tello on loopback) or the Tello's address.")
@click.option("--tello-port", type=int, default=None, show_default="8889", help="Tello command port.")
@click.option("--state-port", type=int, default=None, show_default="YOUTHLAB_FLIGHT_STATE_PORT or 8890",
              help="Local port for the Tello's state stream.")
def service(port: int | None, ip: str, drone_at: str | None, tello_port: int | None, state_port: int | None) -> None:
    """Run the flight service: the only process that flies the real drone.

    The hub starts it (service `flight`); on a separate flight station run it by hand
    with YOUTHLAB_FLIGHT_TOKEN set and give students' servers its URL. Every setting:
    `youthlab config --area flight-service`."""
    settings = FlightSettings.from_env()  # the environment, read once; options on top
    for name, value in (("port", port), ("drone", drone_at), ("tello_port", tello_port), ("state_port", state_port)):
        if value is not None:
            setattr(settings, name, value)
    click.echo(t("drone.service.serving", ip=ip, port=settings.port, drone=settings.drone,
                 prefix=os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")), err=True)
    serve_flights(settings.port, ip=ip, settings=settings)


@drone.command()
@click.option("--drone", "drone_at", default="192.168.10.0/24", show_default=True,
              help="The drone's address or network.")
@click.option("--service-user", default="youthlab-flight", show_default=True,
              help="The system user the flight service runs as.")
def firewall(drone_at: str, service_user: str) -> None:
    """Print the firewall rules that let only the flight service reach the drone
    (for a hub that is itself on the drone's Wi-Fi; run them as root)."""
    click.echo(f"# {t('drone.firewall.comment')}")
    click.echo(f"iptables -A OUTPUT -d {drone_at} -m owner --uid-owner {service_user} -j ACCEPT")
    click.echo(f"iptables -A OUTPUT -d {drone_at} -j REJECT")


@drone.command()
@click.option("--port", "url", required=True,
              help="The board's serial port or URL: /dev/ttyACM0, rfc2217://station:4000, a pty.")
@click.option("--backend", type=click.Choice(backend_names()), default="sim", show_default=True,
              help="Where the commands go (the youthlab.drone_backends entry points).")
@click.option("--mission", default="hall", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--host", default="192.168.10.1", show_default=True, help="Tello address.")
@click.option("--tello-port", default=8889, show_default=True)
@click.option("--state-port", default=8890, show_default=True)
@click.option("--teacher-pin", default=None,
              help="Real flights need this, or (through the flight service) --program.")
@click.option("--program", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The program running on the board: the flight service checks it in its simulator first.")
@click.option("--service", default=None, metavar="URL",
              help="Fly the real drone through this flight service (default under the hub: YOUTHLAB_FLIGHT_URL).")
def serve(url: str, backend: str, mission: str, seed: int, host: str, tello_port: int,
          state_port: int, teacher_pin: str | None, program: Path | None, service: str | None) -> None:
    """Fly the commands a board sends (its `drone` library) until the board stops.

    On the hub, `--backend tello` relays them to the flight service, which flies them
    under its own safety rules."""
    real = backend_class(backend).real
    if real and (service or _flight_service_configured()):
        _serve_via_service(url, mission, teacher_pin, program, service)
        return
    if real:
        clearance = Gate().clearance("board:" + url, teacher_pin=teacher_pin)
        flight = Drone(make_backend(backend, host=host, port=tello_port, state_port=state_port),
                       clearance=clearance, limits=get_mission(mission).limits)
    else:
        flight = Drone(backend, mission=mission, seed=seed)
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
    _print_summary(record, result.commands if result else 0)


def _serve_via_service(url: str, mission: str, teacher_pin: str | None, program: Path | None,
                       service: str | None) -> None:
    source = program.read_text(encoding="utf-8") if program else None
    # The port first: opening it flushes its input (pyserial), so a command the board sent
    # while the service was still checking the program would be lost and both would wait.
    lines = SerialLines(url)
    try:
        session = flight_client.open_session(source, mission=mission, teacher_pin=teacher_pin, url=service)
    except flight_client.FlightServiceRefused as exc:
        lines.close()
        sim = exc.answer.get("simulation")
        if sim:
            _print_events(sim)
        raise
    except BaseException:
        lines.close()
        raise
    click.echo(t("drone.cli.serving", url=url, backend="flight service"), err=True)
    try:
        result = flight_client.relay_board(lines, session, on_output=click.echo)
    except KeyboardInterrupt:
        result = None
    finally:
        lines.close()
        record = session.close()
    _print_summary(record, result.commands if result else 0)


@drone.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8889, show_default=True, help="Command port (UDP).")
@click.option("--state-port", default=8890, show_default=True, help="Client port for state packets.")
@click.option("--time-scale", default=1.0, show_default=True, help="Simulated seconds per real second.")
@click.option("--battery", default=100.0, show_default=True, help="Battery at start (%).")
@click.option("--mission", default="hall", show_default=True, help="World (wind, payload): hall or island.")
@click.option("--seed", default=0, show_default=True)
@click.option("--pad", "pads", multiple=True, metavar="ID:X,Y",
              help="A mission pad on the floor at X,Y cm from takeoff (repeatable; default 1:0,0).")
@click.option("--share-port", is_flag=True,
              help="Share the port with a client on this machine (djitellopy binds 8889 on every address); "
                   "use with --host 127.0.0.2.")
def emulator(host: str, port: int, state_port: int, time_scale: float, battery: float,
             mission: str, seed: int, pads: tuple[str, ...], share_port: bool) -> None:
    """Run a Tello SDK 2.0 emulator backed by the simulator (Ctrl-C to stop)."""
    options = get_mission(mission).sim_options(seed)
    options["battery_pct"] = battery
    try:
        layout = {int(i): (float(xy.split(",")[0]), float(xy.split(",")[1]))
                  for i, _, xy in (p.partition(":") for p in pads)} if pads else DEFAULT_PADS
    except (ValueError, IndexError):
        layout = {}
    if not layout or not all(pad in sdk.PAD_IDS for pad in layout):
        raise click.BadParameter(t("drone.cli.pad_format"), param_hint="--pad")
    emu = TelloEmulator(host=host, port=port, state_port=state_port, time_scale=time_scale,
                        pads=layout, share_port=share_port, **options)
    emu.start()
    click.echo(t("drone.cli.emulator", host=emu.address[0], port=emu.address[1], state_port=state_port),
               err=True)
    try:
        while True:
            emu.stop_event.wait(1.0)
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
    result = check_program(program.read_text(encoding="utf-8"), mission, seed=seed,
                           interpreter=interpreter)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(result.feedback())
