"""Voila's configuration for a kiosk: what the kiosk settings mean to Voila, its executor
and its kernel manager.

Why the executor's output wait (``iopub_timeout``) is long and strict: nbclient takes the
kernel's "cell finished" reply on one channel and then waits only 4 s (its default) for
the cell's outputs on the other; past that it drops them *silently* and the page arrives
complete, without its widgets and without an error. A kiosk server whose event loop is
held up for seconds (pools of several apps refilling on two busy cores) meets exactly
that. Here it waits ``output_wait`` seconds, and past that the cell fails, so the page
shows the friendly error and a preheated page is never handed out (``youthlab.kiosk.pool``).
"""

from __future__ import annotations

import re

from traitlets.config import Config

from youthlab.kiosk.pool import CELL_ERROR_MARKER
from youthlab.kiosk.settings import KioskSettings

TEMPLATE = "youthlab-kiosk"
UNUSED_FRONTEND_EXTENSIONS = ("@jupyter/nbgrader", "@jupyter-notebook/lab-extension", "jupyterlab_pygments")


def voila_config(settings: KioskSettings) -> Config:
    """The Voila ``Config`` for a kiosk with these settings (the ``KioskVoila`` app reads
    the settings themselves too)."""
    c = Config()
    c.VoilaConfiguration.template = TEMPLATE
    c.VoilaConfiguration.preheat_kernel = bool(settings.preheated_languages())
    c.VoilaConfiguration.default_pool_size = settings.pool_size
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.file_allowlist = [r".*\.(png|jpg|jpeg|gif|svg|webp)$"]
    # Front-end extensions a visitor's page has no use for (nbgrader's, the notebook's
    # menus, JupyterLab's colours for code: a kiosk page shows none, and a code block in an
    # app's text keeps nbconvert's own): ~13 fewer files to load and run on every visit.
    c.VoilaConfiguration.extension_denylist = list(UNUSED_FRONTEND_EXTENSIONS)
    c.VoilaExecutor.cell_error_instruction = CELL_ERROR_MARKER  # kiosk.js looks for it
    # A cell that never answers ends the page with an error (kiosk.js shows the friendly
    # message and reports it) instead of keeping a visitor on "Executing…" forever.
    c.VoilaExecutor.timeout = settings.cell_timeout
    c.VoilaExecutor.cell_timeout_instruction = CELL_ERROR_MARKER
    # Outputs late behind the "finished" reply: wait for them, and never drop them silently.
    c.VoilaExecutor.iopub_timeout = settings.output_wait
    c.VoilaExecutor.raise_on_iopub_timeout = True
    # Preheat only the kiosk notebooks, never a lab's source notebook (Voila matches
    # these against the notebook's full path).
    app_dir = re.escape(settings.single_app) if settings.single_app else "[^/]+"
    c.VoilaKernelManager.preheat_denylist = [rf"^(?!.*/{app_dir}/kiosk\.ipynb$).*$"]
    c.MappingKernelManager.cull_idle_timeout = settings.cull_seconds
    c.MappingKernelManager.cull_interval = max(5, min(60, settings.cull_seconds // 2))
    c.MappingKernelManager.cull_connected = False
    c.Voila.open_browser = False
    c.Voila.port_retries = 0
    c.Voila.ip = settings.ip
    c.Voila.port = settings.port
    c.Voila.base_url = settings.base_url
    c.Voila.server_url = settings.base_url
    return c
