"""``youthlab flash …``: firmware catalog, fetch, flash one board, run the club's bench."""

from __future__ import annotations

import click

from youthlab.boards.flash.bench import Bench, attached_boards, deploy_and_check, export_csv, flash_job
from youthlab.boards.flash.catalog import cache_dir, fetch as fetch_one, firmware_for, load_catalog, verified_file
from youthlab.boards.flash.errors import FlashError
from youthlab.boards.flash.flow import flash_board, make_method
from youthlab.boards.flash.names import BoardNames
from youthlab.boards.flash.roles import require_flash_role
from youthlab.boards.flash.views import rich_table
from youthlab.i18n import t


@click.group()
def flash() -> None:
    """Install MicroPython on club boards (pinned firmware, checked before writing)."""


@flash.command("list")
def list_families() -> None:
    """Pinned firmware per board family, and whether the cache holds a good copy."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=t("flash.list.title", folder=cache_dir()))
    for col in ("family", "method", "version", "file", "cache"):
        table.add_column(t(f"flash.list.col.{col}"))
    for fw in load_catalog().values():
        try:
            verified_file(fw)
            state = f"[green]{t('flash.list.ok')}[/green]"
        except FlashError as exc:
            state = f"[red]{t('flash.list.' + exc.key.split('.')[-1])}[/red]"
        table.add_row(fw.family, fw.method, fw.version, fw.file, state)
    Console().print(table)


@flash.command()
@click.argument("families", nargs=-1)
def fetch(families: tuple[str, ...]) -> None:
    """Download pinned firmware into the cache (all families when none is named)."""
    names = families or tuple(load_catalog())
    for name in names:
        path = fetch_one(firmware_for(name))
        click.echo(t("flash.fetched", path=path))


def rich_progress():
    """A progress callback drawing one rich bar per stage; returns (callback, stop)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    bar.start()
    tasks: dict[str, int] = {}
    last = [0.0]

    def callback(stage: str, done: int, total: int) -> None:
        import time

        now = time.monotonic()
        if stage in tasks and done < total and now - last[0] < 0.1:
            return  # the bar redraws 10 times a second; more updates only cost time
        last[0] = now
        if stage not in tasks:
            tasks[stage] = bar.add_task(t(f"flash.stage.{stage}"), total=total or 1)
        bar.update(tasks[stage], completed=done, total=total or 1)

    return callback, bar.stop


@flash.command()
@click.argument("family")
@click.option("--port", default=None, help="Serial port (ESP: required; UF2: to enter the bootloader).")
@click.option("--erase", is_flag=True, help="ESP: erase the whole flash first.")
@click.option("--connect-mode", default="default-reset",
              type=click.Choice(["default-reset", "usb-reset", "no-reset"]), help="ESP: esptool's --before.")
@click.option("--no-stub", is_flag=True, help="ESP: talk to the ROM bootloader only (slower).")
@click.option("--no-verify", is_flag=True, help="Do not connect to MicroPython afterwards.")
def write(family: str, port: str | None, erase: bool, connect_mode: str, no_stub: bool, no_verify: bool) -> None:
    """Put the pinned MicroPython of FAMILY on one board."""
    fw = firmware_for(family)
    traits = {"erase": erase, "connect_mode": connect_mode, "stub": not no_stub} if fw.method == "esptool" else {}
    callback, stop = rich_progress()
    try:
        result = flash_board(family, port, progress=callback, verify=not no_verify,
                             method=make_method(fw, **traits))
    finally:
        stop()
    impl = result.board.get("implementation") or ("?", "?", "")
    click.echo(t("flash.done", family=result.family, version=result.version,
                 implementation=f"{impl[0]} {impl[1]}", machine=impl[2] or result.board.get("uname", {}).get("machine", "-")))


@flash.group()
def bench() -> None:
    """Every attached board by name: flash, deploy, self-test, report."""


def _selected(names: tuple[str, ...]):
    boards = attached_boards()
    unknown = set(names) - {b.name for b in boards}
    if unknown:
        raise click.BadParameter(", ".join(sorted(unknown)), param_hint="--board")
    return [b for b in boards if not names or b.name in names]


def _run_live(boards, job, csv_path: str | None) -> None:
    import sys

    from rich.console import Console
    from rich.live import Live

    console = Console(file=sys.stdout)
    bench_ = Bench(boards)
    if console.is_terminal:
        with Live(rich_table(bench_.rows()), console=console, refresh_per_second=8,
                  redirect_stdout=False, redirect_stderr=False) as live:
            bench_.on_change = lambda rows: live.update(rich_table(rows))
            rows = bench_.run(job)
            live.update(rich_table(rows), refresh=True)
    else:  # a log or a pipe gets the final table once
        rows = bench_.run(job)
        console.print(rich_table(rows))
    if csv_path:
        click.echo(export_csv(rows, csv_path))
    sys.stdout.flush()
    if any(r.state == "failed" for r in rows):
        raise SystemExit(1)


@bench.command("list")
def bench_list() -> None:
    """Attached boards with their stable names."""
    for b in _selected(()):
        click.echo(f"{b.name}\t{b.port}\t{b.serial_number}\t{b.chip}")


@bench.command("name")
@click.argument("serial_number")
@click.argument("name")
def bench_name(serial_number: str, name: str) -> None:
    """Give the board with SERIAL_NUMBER a name, e.g. team-3-robot."""
    BoardNames().rename(serial_number, name)
    click.echo(t("flash.bench.renamed", serial=serial_number, name=name))


@bench.command("deploy")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--board", "boards", multiple=True, help="Only these boards (by name); default all.")
@click.option("--selftest", default=None, help="Script in FOLDER to run as the self-test.")
@click.option("--csv", "csv_path", default=None, help="Write the report to this CSV file.")
def bench_deploy(folder: str, boards: tuple[str, ...], selftest: str | None, csv_path: str | None) -> None:
    """Deploy FOLDER to the boards in parallel, self-test, report."""
    _run_live(_selected(boards), deploy_and_check(folder, selftest), csv_path)


@bench.command("flash")
@click.argument("family")
@click.option("--board", "boards", multiple=True, help="Only these boards (by name); default all.")
@click.option("--csv", "csv_path", default=None, help="Write the report to this CSV file.")
def bench_flash(family: str, boards: tuple[str, ...], csv_path: str | None) -> None:
    """Flash FAMILY's pinned MicroPython onto the boards in parallel."""
    require_flash_role()
    _run_live(_selected(boards), flash_job(family), csv_path)
