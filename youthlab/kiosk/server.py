"""Start the kiosk server: ``python -m youthlab.kiosk.server`` (the hub's ``kiosk`` service
at ``/services/kiosk/``, see hub_config/jupyterhub_config.py).

The settings are :class:`youthlab.kiosk.settings.KioskSettings` (environment, then these
options: ``--pool-size 2``, ``--app 00-welcome`` …; ``--help-all`` lists them). Before any
kernel starts, the server makes sure visitors' kernels can read no secret: it takes the
staff PIN (or makes one), starts itself again with only the kernels' allow-list in its
environment and the PIN in a pipe (``youthlab.kiosk.environment``), and keeps the PIN in
memory only. The app itself is :mod:`youthlab.kiosk.app`.

A kiosk that stops answering can be asked where it is: ``kill -USR1 <pid>`` writes every
thread's stack to its log (the hub's log under the hub), and it keeps serving.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys

from traitlets.config import Application

from youthlab.errors import YouthLabError
from youthlab.i18n import t
from youthlab.kiosk import security
from youthlab.kiosk.environment import (PIN_FD_VAR, exec_without_secrets, handed_over_pin,
                                        restrict_for_kernels)
from youthlab.kiosk.settings import KioskSettings
from youthlab.paths import data_dir
from youthlab.stamp.kiosk_print import kiosk_printing_enabled


class KioskCommandLine(Application):
    """The kiosk server's command line: options are the settings' traits, nothing else."""

    name = "youthlab-kiosk"
    description = "YouthLab kiosk server (Voila for visitors)."
    classes = [KioskSettings]
    aliases = {
        "port": "KioskSettings.port",
        "ip": "KioskSettings.ip",
        "app": "KioskSettings.single_app",
        "pool-size": "KioskSettings.pool_size",
        "pool-languages": "KioskSettings.pool_languages",
        "max-kernels": "KioskSettings.max_kernels",
        "idle-seconds": "KioskSettings.idle_seconds",
        "cull-seconds": "KioskSettings.cull_seconds",
        "render-budget": "KioskSettings.render_budget",
        "handout-wait": "KioskSettings.handout_wait",
        "math": "KioskSettings.math",
    }


def _fail(exc: YouthLabError) -> None:
    print(exc.user_text(), file=sys.stderr, flush=True)
    raise SystemExit(2) from None


def _hand_over_secrets(argv: list[str]) -> None:
    """First start: read or make the staff PIN, then start again without secrets (no return)."""
    try:  # the staff PIN: the operator's (if strong enough), else made once and kept 0600
        pin, made = security.ensure_staff_pin(data_dir())
    except YouthLabError as exc:
        _fail(exc)
    if made:
        print(t("kiosk.security.pin_made", pin=pin, path=security.staff_pin_file(data_dir())),
              file=sys.stderr, flush=True)
    os.environ[security.PIN_VAR] = pin  # handed over through a pipe, not the environment
    # Whether the stamp app shows "print my stamp" is decided here, where the printer
    # settings are; the kernels get the answer, not the settings.
    os.environ["YOUTHLAB_KIOSK_PRINTING"] = "1" if kiosk_printing_enabled() else "0"
    exec_without_secrets("youthlab.kiosk.server", argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point for the hub service: JupyterHub sets the prefix and the URL to listen on."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command_line = KioskCommandLine()
    command_line.initialize(argv)  # --help, --help-all and bad options end here
    if PIN_FD_VAR not in os.environ:
        _hand_over_secrets(argv)
    pin = handed_over_pin() or ""
    from youthlab.kiosk.app import make_app

    try:
        settings = KioskSettings.from_env(config=command_line.config)  # the environment, read once
        app = make_app(settings, staff_pin=pin)
    except YouthLabError as exc:  # e.g. a YOUTHLAB_KIOSK_PUBLIC_URL that is no origin
        _fail(exc)
    # Settings read: from here on visitors' kernels inherit only the allow-list
    # (youthlab/kiosk/environment.py) — no PIN, no hub token, no printer key.
    restrict_for_kernels(os.environ)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # where a stuck kiosk is
    app.start()


if __name__ == "__main__":
    main(sys.argv[1:])
