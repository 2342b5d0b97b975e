"""Sending one file to one printer by hand (``youthlab stamp print``), and watching it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from youthlab.stamp.errors import PrinterBusy, VirtualPrinterRefused
from youthlab.stamp.printers.base import JobProgress, PrinterLike
from youthlab.stamp.settings import PrintQueueSettings


def send_to_printer(gcode: str | Path, client: PrinterLike, test_mode: bool | None = None,
                    start: bool = True, remote_name: str | None = None) -> JobProgress:
    """Upload G-code to one printer and start it. Refuses a virtual printer outside test
    mode (``YOUTHLAB_STAMP_TEST_MODE``) and a printer that is busy."""
    if test_mode is None:
        test_mode = PrintQueueSettings.from_env().test_mode
    if client.is_virtual() and not test_mode:
        raise VirtualPrinterRefused(printer=client.name)
    current = client.job()
    if current.printing:
        raise PrinterBusy(printer=client.name, state=current.state)
    client.upload(gcode, select=True, print_=start, remote_name=remote_name)
    return client.job()


def watch(client: PrinterLike, until: Callable[[JobProgress], bool], timeout: float = 60,
          interval: float = 1.0, on_progress: Callable[[JobProgress], None] | None = None) -> JobProgress:
    """Poll the job until ``until(progress)`` is true (or the timeout), reporting progress."""
    deadline = time.monotonic() + timeout
    while True:
        p = client.job()
        if on_progress:
            on_progress(p)
        if until(p) or time.monotonic() > deadline:
            return p
        time.sleep(interval)
