"""A kiosk page never arrives complete but without its widgets.

The soak's rare bad load (a page ending in ``</html>`` with no widget in it, seen while
several apps' pools refilled) is nbclient dropping a cell's outputs that come more than
``iopub_timeout`` (4 s by default) after the kernel's "finished" reply — silently. Here a
real kernel runs a widget cell through Voila's own executor, exactly as Voila runs a kiosk
page, with the widget's output held back 6 s on its way to the server (what a server loop
held up by other work does to it): Voila's defaults lose the widget without a word; the
kiosk's settings keep it, and past their wait the page carries the friendly-error marker.
"""

from __future__ import annotations

import asyncio

import nbformat
import pytest
from voila.execute import VoilaExecutor

from youthlab.kiosk.pool import CELL_ERROR_MARKER
from youthlab.kiosk.settings import KioskSettings
from youthlab.kiosk.voila_config import voila_config

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LAG_SECONDS = 6.0


class LateOutputsExecutor(VoilaExecutor):
    """Voila's executor whose widget output reaches it ``LAG_SECONDS`` late."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        receive = kc.iopub_channel.get_msg

        async def late(*args, **kwargs):
            msg = await receive(*args, **kwargs)
            if WIDGET_VIEW in msg.get("content", {}).get("data", {}):
                await asyncio.sleep(LAG_SECONDS)
            return msg

        kc.iopub_channel.get_msg = late
        return kc


def _run_page(config) -> list[dict]:
    """Run a one-cell widget app as Voila's page generator does; the cell's outputs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as w\nw.Button(description='hi')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = LateOutputsExecutor(nb, config=config, show_tracebacks=False)

    async def run() -> None:
        async with executor.async_setup_kernel():
            try:
                await executor.execute_cell(nb.cells[0], None, 0, store_history=False)
            except TimeoutError:
                pass  # Voila's generator stops the page here; the cell keeps the error output

    asyncio.run(run())
    return nb.cells[0].outputs


def _text(outputs: list[dict]) -> str:
    return repr(outputs)


@pytest.mark.timeout(120)
def test_late_outputs_are_lost_silently_with_voila_defaults():
    # The mechanism (not our code): this is what a visitor got.
    config = voila_config(KioskSettings())
    config.VoilaExecutor.iopub_timeout = 4  # nbclient's defaults, as Voila leaves them
    config.VoilaExecutor.raise_on_iopub_timeout = False
    outputs = _run_page(config)
    assert WIDGET_VIEW not in _text(outputs)
    assert CELL_ERROR_MARKER not in _text(outputs)


@pytest.mark.timeout(120)
def test_the_kiosk_waits_for_late_outputs():
    outputs = _run_page(voila_config(KioskSettings()))
    assert WIDGET_VIEW in _text(outputs)


@pytest.mark.timeout(120)
def test_outputs_later_than_the_wait_give_the_friendly_error_not_a_bare_page():
    outputs = _run_page(voila_config(KioskSettings(output_wait=2)))
    assert WIDGET_VIEW not in _text(outputs)
    assert CELL_ERROR_MARKER in _text(outputs)
