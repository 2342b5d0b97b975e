""""Print my stamp" for kiosks: check, slice and put the visitor's stamp in the hall's queue.

The kiosk apps (:mod:`youthlab.stamp.kiosk_app`) show their print button only when the
operator has really set up a printer (:func:`kiosk_printing_enabled`); a design that is
not printable is refused, and a visitor can queue one stamp per visit (the app's part).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from youthlab.paths import data_dir
from youthlab.stamp.errors import StampError
from youthlab.stamp.printers import UnknownPrinterKind, printer_class
from youthlab.stamp.printers.hall import load_printers
from youthlab.stamp.queue import PrintQueue, default_queue_file
from youthlab.stamp.settings import PrintClientSettings
from youthlab.stamp.slicer import slice_stamp

log = logging.getLogger("youthlab.stamp.kiosk")


def kiosk_printing_enabled() -> bool:
    """On the hub: the print service's URL and the kiosk's print token are set. Alone:
    a printer with a URL and an API key is configured. A kiosk kernel gets the answer
    from its server (``YOUTHLAB_KIOSK_PRINTING``), never the printer settings."""
    import os

    decided = os.environ.get("YOUTHLAB_KIOSK_PRINTING")
    if decided in ("0", "1"):
        return decided == "1"
    client = PrintClientSettings.from_env()
    if client.url:
        return bool(client.token)
    try:
        printers = load_printers()
    except (OSError, ValueError, KeyError, TypeError):
        return False
    ready = False
    for cfg in printers.values():
        try:
            ready = ready or printer_class(cfg.kind).is_configured(cfg)
        except UnknownPrinterKind as exc:  # visitors see no button; staff see why in the log
            log.error("%s", exc.message("en"))
    return ready


class NothingToPrint(StampError):
    """The visitor has no stamp yet (the last change did not build)."""

    key = "stamp.kiosk.print.nothing"
    hint_key = None


class KioskNotPrintable(StampError):
    """The design would not print well: the kiosk never sends it."""

    key = "stamp.kiosk.print.not_printable"
    hint_key = None


class AlreadyQueued(StampError):
    """One stamp per visit: this visitor's stamp is already in the queue."""

    key = "stamp.kiosk.print.once"
    hint_key = None


def queue_stamp(stamp: Any, owner: str | None = None) -> int:
    """Check, slice and queue ``stamp``; the number of its job in the hall's print queue.

    Through the hub's print service when the kiosk has one (it slices and queues there),
    else into this machine's queue. Raises a :class:`YouthLabError` a kiosk can show."""
    if stamp is None:
        raise NothingToPrint()
    if not stamp.check().printable:
        raise KioskNotPrintable()
    client = PrintClientSettings.from_env()
    if client.url:  # the hub's print service slices and queues it
        from youthlab.stamp.print_client import submit_stamp

        answer = submit_stamp(stamp, url=client.url, token=client.token or None)
        return int(answer["job"]["id"])

    owner = owner or time.strftime("kiosk-%H%M%S")
    folder = data_dir() / "stamp" / "kiosk"
    folder.mkdir(parents=True, exist_ok=True)
    result = slice_stamp(stamp, out=folder / f"{owner}.gcode")
    return int(PrintQueue([], state_path=default_queue_file()).submit(owner, result.gcode).id)
