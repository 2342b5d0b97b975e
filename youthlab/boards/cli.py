"""``youthlab board …``: boards from a terminal (``youthlab flash`` is youthlab.boards.flash.cli)."""

from __future__ import annotations

import json
import signal
import sys
import threading

import click

from youthlab.boards import stations
from youthlab.boards.bridge import Bridge
from youthlab.boards.discover import find_port, list_boards, usb_boards
from youthlab.boards.errors import BoardCodeError, BoardNotFound
from youthlab.boards.registry import connect
from youthlab.boards.simulator import make_simulator
from youthlab.boards.targets import target_for
from youthlab.boards.virtual import VirtualBoard
from youthlab.i18n import t


@click.group()
def board() -> None:
    """MicroPython boards: list, virtual board, station bridge, deploy, run."""


@board.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also serial ports of unknown USB devices.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(show_all: bool, as_json: bool) -> None:
    """Show connected and virtual boards (name, chip, port, serial number)."""
    boards = list_boards(include_unknown=show_all)
    if as_json:
        click.echo(json.dumps([b.as_dict() for b in boards], indent=1))
        return
    if not boards:
        click.echo(t("boards.list.none"))
        return
    click.echo(t("boards.list.header"))
    for b in boards:
        click.echo(f"{b.port} | {b.name} | {b.chip} | {b.serial_number or '-'}")


def _wait_for_stop() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


@board.command()
@click.option("--name", default="virtual", show_default=True)
@click.option("--baud", type=int, default=0, help="Throttle the link like a UART (e.g. 115200).")
@click.option("--fs", "fs_dir", type=click.Path(file_okay=False), default=None,
              help="Folder that is the board's filesystem (default: var/boards/virtual/NAME/fs).")
@click.option("--profile", default=None,
              help="Board it stands in for: esp32 (default) or rp2040 (with --sim: the simulator's).")
@click.option("--sim", "sim_name", default=None, metavar="NAME",
              help="What is behind its pins: a simulator registered under youthlab.simulators "
                   "(built in: pins, robot-car).")
def virtual(name: str, baud: int, fs_dir: str | None, profile: str | None, sim_name: str | None) -> None:
    """Run a virtual MicroPython board until Ctrl-C; prints its port."""
    sim = make_simulator(sim_name) if sim_name else None
    vb = VirtualBoard(name, fs_dir=fs_dir, baud=baud or None, simulator=sim,
                      profile=profile or (sim.profile_name if sim else None)).start()
    try:
        click.echo(t("boards.virtual.ready", name=name, port=vb.port), err=True)
        click.echo(vb.port)
        sys.stdout.flush()
        _wait_for_stop()
    finally:
        vb.stop()


@board.command()
@click.option("--port", "port", default=None, help="The board's serial port (default: first known board).")
@click.option("--serial", "serial_number", default=None, help="Find the board by USB serial number.")
@click.option("--virtual", "virtual_name", default=None, help="Share a new virtual board instead.")
@click.option("--station", default=None, help="Station id to register in the station registry.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--tcp-port", type=int, default=0, help="TCP port (default: any free port).")
def bridge(port: str | None, serial_number: str | None, virtual_name: str | None,
           station: str | None, host: str, tcp_port: int) -> None:
    """Share this station's board over RFC 2217 (for a kernel on the hub)."""
    vb = None
    if virtual_name:
        vb = VirtualBoard(virtual_name).start()
        port, serial_number = vb.port, vb.serial_number
    elif serial_number and not port:
        port = find_port(serial_number)
    elif not port:
        found = usb_boards()
        if found:
            port, serial_number = found[0].port, found[0].serial_number
    if not port:
        raise BoardNotFound(port=serial_number or "auto")
    br = Bridge(port, host=host, tcp_port=tcp_port, serial_number=serial_number,
                station=station, notify=lambda m: click.echo(m, err=True)).start()
    if station:
        stations.register(station, br.url, serial_number=serial_number, port=port)
    click.echo(t("boards.bridge.ready", port=port, host=host, tcp_port=br.tcp_port,
                 station=station or "-"), err=True)
    click.echo(br.url)
    sys.stdout.flush()
    try:
        _wait_for_stop()
    finally:
        br.stop()
        if station:
            stations.unregister(station, br.url)
        if vb is not None:
            vb.stop()


@board.command()
@click.argument("folder", type=click.Path(exists=True))
@click.option("--port", "target", default="auto", help="Port, URL, station:N, id:SERIAL or virtual.")
@click.option("--delete", is_flag=True, help="Remove files deployed before but gone from FOLDER.")
@click.option("--dest", default="", help="Folder on the board (default: its root).")
def deploy(folder: str, target: str, delete: bool, dest: str) -> None:
    """Copy a lab folder to the board (only changed files)."""
    session = connect(target, quiet=True)
    try:
        result = session.deploy(folder, delete=delete, dest=dest)
        click.echo(result.summary())
    finally:
        session.close()


@board.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--port", "target", default="auto")
@click.option("--timeout", type=float, default=None, help="Stop the program after this many seconds.")
def run(file: str, target: str, timeout: float | None) -> None:
    """Run a local .py file on the board, showing its output (Ctrl-C stops it)."""
    session = connect(target, quiet=True)
    try:
        session.run_file(file, timeout=timeout)
    except KeyboardInterrupt:
        pass
    except BoardCodeError as exc:
        # The board's traceback, as %%board shows it, naming the file it ran.
        click.echo(exc.traceback.replace('File "<stdin>"', f'File "{file}"'), err=True, nl=False)
        raise
    finally:
        session.close()


@board.command("exec")
@click.argument("code")
@click.option("--port", "target", default="auto")
def exec_cmd(code: str, target: str) -> None:
    """Run a line of code on the board."""
    session = connect(target, quiet=True)
    try:
        session.exec(code)
    finally:
        session.close()


@board.command()
@click.option("--port", "target", default="auto", help="Port, URL, station:N, id:SERIAL.")
def repl(target: str) -> None:
    """Open the board's interactive REPL (mpremote's; Ctrl-] or Ctrl-x to leave)."""
    import os
    from pathlib import Path

    kind = target_for(target)
    if kind.takes_board_options:  # a board this process would start, and stop on exec
        raise click.UsageError(t("boards.repl.virtual"))
    port = kind.resolve(target).port
    mpremote = str(Path(sys.executable).with_name("mpremote"))
    os.execv(mpremote, [mpremote, "connect", port, "resume", "repl"])


@board.group()
def station() -> None:
    """The station registry (which board is at which hall station)."""


@station.command("list")
def station_list() -> None:
    for sid, entry in sorted(stations.load().items()):
        click.echo(f"{sid}\t{entry.get('url')}\t{entry.get('serial_number') or '-'}")


@station.command("set")
@click.argument("station_id")
@click.argument("url")
def station_set(station_id: str, url: str) -> None:
    stations.register(station_id, url)
