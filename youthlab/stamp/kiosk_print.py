""""Print my stamp" for kiosks: check, slice and put the visitor's stamp in the hall's queue.

The button exists only when the operator has really set up a printer (a URL and an API
key in the printers config); otherwise visitors never see it. A design that is not
printable is refused with the reason, and a visitor can queue one stamp per visit.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any, Callable

import ipywidgets as w

from youthlab.errors import YouthLabError
from youthlab.i18n import t
from youthlab.paths import data_dir

log = logging.getLogger("youthlab.stamp.kiosk")


def kiosk_printing_enabled() -> bool:
    """On the hub: the print service's URL and the kiosk's print token are set. Alone:
    a printer with a URL and an API key is configured. A kiosk kernel gets the answer
    from its server (``YOUTHLAB_KIOSK_PRINTING``), never the printer settings."""
    import os

    decided = os.environ.get("YOUTHLAB_KIOSK_PRINTING")
    if decided in ("0", "1"):
        return decided == "1"
    if os.environ.get("YOUTHLAB_PRINT_URL"):
        return bool(os.environ.get("YOUTHLAB_PRINT_TOKEN"))
    from youthlab.stamp.queue import load_printers

    try:
        printers = load_printers()
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return any(p.url and p.api_key for p in printers.values())


def print_button(get_stamp: Callable[[], Any]) -> w.Widget | None:
    """A "print my stamp" button and its status line, or None when no printer is set up."""
    if not kiosk_printing_enabled():
        return None
    button = w.Button(description=t("stamp.kiosk.print"), button_style="success",
                      layout=w.Layout(min_height="64px", width="auto"))
    status = w.HTML()

    def queue_it(_b: Any = None) -> None:
        import os

        from youthlab.stamp.queue import PrintQueue, default_queue_file
        from youthlab.stamp.slicer import slice_stamp

        stamp = get_stamp()
        if stamp is None:
            status.value = t("stamp.kiosk.print.nothing")
            return
        button.disabled = True
        try:
            report = stamp.check()
            if not report.printable:
                status.value = t("stamp.kiosk.print.not_printable")
                button.disabled = False
                return
            status.value = t("stamp.kiosk.print.slicing")
            if os.environ.get("YOUTHLAB_PRINT_URL"):  # the hub's print service slices and queues it
                from youthlab.stamp.print_client import submit_stamp

                answer = submit_stamp(stamp, token=os.environ.get("YOUTHLAB_PRINT_TOKEN"))
                status.value = t("stamp.kiosk.print.queued", number=answer["job"]["id"])
                return
            owner = time.strftime("kiosk-%H%M%S")
            folder = data_dir() / "stamp" / "kiosk"
            folder.mkdir(parents=True, exist_ok=True)
            result = slice_stamp(stamp, out=folder / f"{owner}.gcode")
            job = PrintQueue([], state_path=default_queue_file()).submit(owner, result.gcode)
            status.value = t("stamp.kiosk.print.queued", number=job.id)
        except YouthLabError as exc:
            status.value = exc.message()
            button.disabled = False
        except Exception:  # noqa: BLE001 — a visitor gets a friendly line, staff the log
            log.error("kiosk print failed:\n%s", traceback.format_exc())
            status.value = t("kiosk.error.generic")
            button.disabled = False

    button.on_click(queue_it)
    box = w.VBox([button, status])
    box.press = queue_it  # for notebooks and tests
    return box
