"""``youthlab stamp …``: design, check, slice and print stamps from the terminal."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from youthlab.i18n import t
from youthlab.stamp import budget
from youthlab.stamp.errors import NotPrintable
from youthlab.stamp.fonts import DEFAULT_FONT, available_fonts, resolve_font
from youthlab.stamp.jobs import budgeted, check_file_job, image_job, postage_job, text_job
from youthlab.stamp.print_errors import RawGcodeRefused
from youthlab.stamp.printers import make_printer, printer_class
from youthlab.stamp.queue import (PrintQueue, default_queue_file, get_printer, load_printers, open_regular_nofollow,
                                  send_to_printer)
from youthlab.stamp.queue import watch as watch_job
from youthlab.stamp.slicer import slice_file

_OUT_HELP = "Output file(s): .stl .3mf .png (ink print) .gcode — repeat -o for several."


def _build_options(f):
    for opt in reversed([
        click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False), help=_OUT_HELP),
        click.option("--plate", type=click.Choice(["rect", "round", "oval"]), default="rect", show_default=True),
        click.option("--border", type=float, default=0.0, show_default=True, help="Frame width, mm (0 = none)."),
        click.option("--margin", type=float, default=2.0, show_default=True),
        click.option("--handle/--no-handle", default=False, help="Add a tapered grip."),
        click.option("--mirror/--no-mirror", default=True, show_default=True, help="Mirror for a rubber stamp."),
        click.option("--nozzle", type=float, default=None, help="Nozzle width for the check (default: profile)."),
    ]):
        f = opt(f)
    return f


def _finish(built, outputs) -> None:
    stamp, report = built
    click.echo(report.text())
    outputs = outputs or (f"{_safe_name(stamp.name)}.stl",)
    for out in outputs:
        path = stamp.save(out)
        click.echo(t("stamp.cli.saved", path=str(path)))
    if not report.printable:
        click.secho(t("stamp.cli.saved_not_printable"), fg="yellow", err=True)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:40] or "stamp"


@click.group()
def stamp() -> None:
    """Stamp lab: text or drawing → 3-D printable stamp → check → slice → print queue."""
    budget.warm_start = False  # one build per command: no need to warm the budget's forkserver


@stamp.command("text")
@click.argument("text")
@click.option("--size", type=float, default=10.0, show_default=True,
              help="Letter height in mm (a full Hangul syllable).")
@click.option("--font", default=None, help="Font name (see `youthlab stamp fonts`) or a font file.")
@click.option("--vertical", is_flag=True, help="Stack the letters top to bottom (name seal).")
@_build_options
def text_cmd(text, size, font, vertical, outputs, plate, border, margin, handle, mirror, nozzle) -> None:
    """A stamp from TEXT, e.g. youthlab stamp text "우체국" --size 10 -o stamp.stl"""
    built = budgeted(text_job, text, size, nozzle=nozzle, font=font, vertical=vertical, plate=plate,
                     border=border, margin=margin, handle=handle, mirror=mirror)
    _finish(built, outputs)


@stamp.command("image")
@click.argument("picture", type=click.Path(dir_okay=False))
@click.option("--width", type=float, default=30.0, show_default=True, help="Picture width, mm.")
@click.option("--threshold", type=float, default=None, help="0–255 (default: automatic).")
@click.option("--invert", is_flag=True, help="Use the light parts instead of the dark ones.")
@click.option("--levels", type=click.IntRange(1, 6), default=1, show_default=True,
              help="More than 1: a terraced plaque, higher where darker (posterized height field).")
@_build_options
def image_cmd(picture, width, threshold, invert, levels, outputs, plate, border, margin, handle, mirror,
              nozzle) -> None:
    """A stamp from a PNG/JPEG drawing."""
    built = budgeted(image_job, picture, levels=levels, nozzle=nozzle, threshold=threshold, width=width,
                     invert=invert, plate=plate, border=border, margin=margin, handle=handle, mirror=mirror)
    _finish(built, outputs)


@stamp.command("postage")
@click.argument("picture", type=click.Path(dir_okay=False), required=False)
@click.option("--denomination", default="430원", show_default=True)
@click.option("--country", default="대한민국", show_default=True)
@click.option("--width", type=float, default=40.0, show_default=True)
@click.option("--height", type=float, default=48.0, show_default=True)
@click.option("--shape", type=click.Choice(["circle", "star", "heart", "envelope", "ring"]), default=None,
              help="Use a simple shape as the picture.")
@click.option("--mirror/--no-mirror", default=False, show_default=True, help="Mirror it to stamp with ink.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False), help=_OUT_HELP)
@click.option("--nozzle", type=float, default=None)
def postage_cmd(picture, denomination, country, width, height, shape, mirror, outputs, nozzle) -> None:
    """A postage-stamp plaque with a perforated edge, a picture and a denomination."""
    built = budgeted(postage_job, picture, shape=shape, picture_width=width, nozzle=nozzle,
                     denomination=denomination, country=country, width=width, height=height, mirror=mirror)
    _finish(built, outputs)


@stamp.command("check")
@click.argument("model", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--nozzle", type=float, default=None)
@click.option("--picture", type=click.Path(dir_okay=False), default=None, help="Save the problem-spot picture (PNG).")
def check_cmd(model, nozzle, picture) -> None:
    """Check an STL/3MF for printing; without a file, check the stamp lab's tools."""
    if model is None:
        _check_tools()
        return
    report = budgeted(check_file_job, model, nozzle=nozzle)
    click.echo(report.text())
    if picture:
        Path(picture).write_bytes(report.png())
        click.echo(t("stamp.cli.saved", path=picture))
    if not report.printable:
        raise SystemExit(1)


def _check_tools() -> None:
    rows = [
        (t("stamp.cli.tool.fonts"), ", ".join(available_fonts())),
        ("PrusaSlicer", shutil.which("prusa-slicer")),
        ("OpenSCAD", shutil.which("openscad")),
    ]
    ok = True
    for name, found in rows:
        ok &= bool(found)
        click.echo(f"  {'✓' if found else '✗'} {name}: {found or t('stamp.cli.tool.missing')}")
    if not ok:
        raise SystemExit(1)


@stamp.command("fonts")
def fonts_cmd() -> None:
    """List the installed stamp fonts."""
    for name in available_fonts():
        click.echo(f"{'*' if name == DEFAULT_FONT else ' '} {name:<26} {resolve_font(name).path}")


@stamp.command("slice")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--printer", default=None, help="Use this printer's profile (printers.yaml).")
@click.option("--profile", default=None, help="A PrusaSlicer .ini (default: hall-i3.ini).")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False))
def slice_cmd(model, printer, profile, output) -> None:
    """Slice an STL/3MF with PrusaSlicer; print time and filament."""
    r = _slice(model, printer, profile, output)
    click.echo(t("stamp.cli.sliced", path=str(r.gcode), time=r.time_text, grams=f"{r.filament_g:.1f}",
                 metres=f"{r.filament_mm / 1000:.2f}"))


def _slice(model, printer, profile, output):
    if printer and not profile:
        profile = get_printer(printer).profile
    with click.progressbar(length=1, label=t("stamp.cli.slicing")) as bar:
        r = slice_file(model, out=output, profile=profile)
        bar.update(1)
    return r


@stamp.command("print")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--printer", required=True, help="Printer name from printers.yaml, e.g. hall-1.")
@click.option("--test-mode", is_flag=True, envvar="YOUTHLAB_STAMP_TEST_MODE",
              help="Allow OctoPrint's Virtual Printer (nothing really prints).")
@click.option("--watch/--no-watch", default=False, help="Follow the progress for a while.")
@click.option("--force", is_flag=True, help="Print even if the printability check finds errors.")
def print_cmd(model, printer, test_mode, watch, force) -> None:
    """Check, slice (if needed) and send to a hall printer through OctoPrint."""
    cfg = get_printer(printer)
    gcode = Path(model)
    if gcode.suffix.lower() != ".gcode":
        _check_before_printing(model, cfg.profile, force)
        r = _slice(model, printer, None, None)
        click.echo(t("stamp.cli.sliced", path=str(r.gcode), time=r.time_text, grams=f"{r.filament_g:.1f}",
                     metres=f"{r.filament_mm / 1000:.2f}"))
        gcode = r.gcode
    client = make_printer(cfg)
    if test_mode:
        click.secho(t("stamp.queue.test_mode"), fg="yellow")
    p = send_to_printer(gcode, client, test_mode=bool(test_mode))
    click.echo(t("stamp.queue.sent", file=gcode.name, printer=printer, state=p.state))
    if watch:
        def show(p):
            click.echo(t("stamp.queue.progress", printer=printer, state=p.state,
                         completion=f"{p.completion or 0:.1f}"))
        watch_job(client, lambda p: not p.printing, timeout=30, interval=3, on_progress=show)


def _check_before_printing(model: str, profile: str, force: bool) -> None:
    """A bad design is caught here, before it wastes filament and an hour of printer time."""
    report = budgeted(check_file_job, model, profile=profile)  # someone's mesh: within the budget
    if not report.printable:
        click.echo(report.text())
        if not force:
            raise NotPrintable(detail="; ".join(f.text() for f in report.problems if f.level == "error"))


@stamp.command("status")
@click.option("--printer", required=True)
def status_cmd(printer) -> None:
    """Show what a printer is doing."""
    p = make_printer(get_printer(printer)).job()
    click.echo(t("stamp.queue.progress", printer=printer, state=p.state, completion=f"{p.completion or 0:.1f}"))


@stamp.command("cancel")
@click.option("--printer", required=True)
def cancel_cmd(printer) -> None:
    """Cancel the print on a printer."""
    make_printer(get_printer(printer)).cancel()
    click.echo(t("stamp.queue.cancelled", printer=printer))


@stamp.group("queue")
def queue_group() -> None:
    """The hall's shared print queue (fair order by student)."""


def _queue(test_mode: bool = False, with_printers: bool = False):
    printers = []
    if with_printers:
        printers = [make_printer(c) for c in load_printers().values() if printer_class(c.kind).is_configured(c)]
    return PrintQueue(printers, test_mode=test_mode or None, state_path=default_queue_file())


def _local_staff() -> bool:
    """Local no-hub mode: only the machine's operator (root, not inside a hub server) is staff."""
    import os

    return os.geteuid() == 0 and not os.environ.get("JUPYTERHUB_USER")


def _service_url():
    from youthlab.stamp.print_client import service_url

    return service_url()


@queue_group.command("add")
@click.argument("model", type=click.Path(dir_okay=False, readable=False))  # opened without following symlinks
@click.option("--owner", default=None,
              help="Whose stamp it is (local mode only; on the hub the print service knows who you are).")
@click.option("--force", is_flag=True, help="Queue even if the printability check finds errors (local mode).")
def queue_add(model, owner, force) -> None:
    """Check, slice (if needed) and put a stamp into the print queue."""
    if _service_url():  # on the hub: the print service checks, slices and queues it as you
        from youthlab.stamp.print_client import submit_file

        answer = submit_file(model)
        job, seconds = answer["job"], (answer.get("model") or {}).get("time_s")
        click.echo(t("print.service.added", id=job["id"], owner=job["owner"], position=job["position"] or "-",
                     time=f"{seconds // 60}m {seconds % 60}s" if isinstance(seconds, int) else "-"))
        return

    if not owner:
        raise click.UsageError("--owner is needed without the hub's print service (YOUTHLAB_PRINT_URL)")
    gcode = Path(model)
    os.close(open_regular_nofollow(gcode))  # a symlink is refused before anything else
    if gcode.suffix.lower() == ".gcode":
        if not _local_staff():
            raise RawGcodeRefused()
    else:
        _check_before_printing(model, None, force)
        gcode = _slice(model, None, None, None).gcode
    job = _queue().submit(owner, gcode)
    click.echo(t("stamp.queue.added", id=job.id, owner=owner, file=gcode.name))


@queue_group.command("list")
def queue_list() -> None:
    """Show the jobs you may see and the order the waiting ones will print in."""
    if _service_url():
        from youthlab.stamp.print_client import list_jobs

        jobs = list_jobs()["jobs"]
        if not jobs:
            click.echo(t("print.service.empty"))
        for j in jobs:
            turn = f"#{j['position']}" if j.get("position") else ""
            click.echo(f"{j['id']:4d}  {j['owner']:<12} {t('stamp.queue.status.' + j['status']):<10} {turn:<4} "
                       f"{j.get('printer') or '':<10} {j['name']}")
        return
    q = _queue()
    order = {j.id: i + 1 for i, j in enumerate(q.order())}
    for j in q.status():
        turn = f"#{order[j.id]}" if j.id in order else ""
        click.echo(f"{j.id:4d}  {j.owner:<12} {t('stamp.queue.status.' + j.status):<10} {turn:<4} "
                   f"{j.printer or '':<10} {j.name or j.gcode.name}")


@queue_group.command("cancel")
@click.argument("job_id", type=int)
def queue_cancel(job_id) -> None:
    """Cancel a waiting or printing job (on the hub: your own, or your class's)."""
    if _service_url():
        from youthlab.stamp.print_client import cancel_job

        cancel_job(job_id)
        click.echo(t("print.service.cancelled", id=job_id))
        return
    job = _queue(with_printers=True).cancel(job_id)
    click.echo(t("stamp.queue.status.cancelled") + f": {job.id}")


@queue_group.command("run")
@click.option("--interval", type=float, default=5.0, show_default=True)
@click.option("--once", is_flag=True, help="Poll and dispatch once, then stop.")
@click.option("--test-mode", is_flag=True, envvar="YOUTHLAB_STAMP_TEST_MODE",
              help="Allow OctoPrint's Virtual Printer (nothing really prints).")
def queue_run(interval, once, test_mode) -> None:
    """Send waiting jobs to free printers, fairly, until Ctrl-C (local mode)."""
    import threading

    if _service_url():  # on the hub the print service owns the queue and sends the jobs itself
        click.echo(t("print.service.runs_itself"))
        return

    q = _queue(test_mode=bool(test_mode), with_printers=True)

    def show(job) -> None:
        click.echo(f"{job.id:4d}  {job.owner:<12} {t('stamp.queue.status.' + job.status)} {job.printer or ''}")

    if once:
        for job in q.poll() + q.dispatch():
            show(job)
        return
    stop = threading.Event()
    try:
        q.run(stop, interval=interval, on_change=show)
    except KeyboardInterrupt:
        stop.set()
