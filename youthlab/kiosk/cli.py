"""``youthlab kiosk``: run kiosk apps on this machine (a laptop at a fair, a test screen)."""

from __future__ import annotations

import click

from youthlab.errors import YouthLabError
from youthlab.i18n import t
from youthlab.kiosk.apps import find_apps
from youthlab.kiosk.environment import restrict_for_kernels
from youthlab.kiosk.security import PIN_VAR, ensure_staff_pin, staff_pin_file
from youthlab.kiosk.settings import KioskSettings
from youthlab.paths import data_dir, labs_dir
from youthlab.stamp.kiosk_print import kiosk_printing_enabled


class UnknownKioskLab(YouthLabError):
    key = "kiosk.unknown_lab"
    hint_key = "kiosk.unknown_lab.hint"


@click.command()
@click.argument("lab", required=False)
@click.option("--port", type=int, default=None, help="Default: KioskSettings.port (8866).")
@click.option("--ip", default=None, help="0.0.0.0 lets other screens connect (default 127.0.0.1).")
@click.option("--idle-seconds", type=int, default=None,
              help="Reset the app after this long without a touch (YOUTHLAB_KIOSK_IDLE, 90).")
@click.option("--pool-size", type=int, default=None,
              help="Preheated kernels per app and language (YOUTHLAB_KIOSK_POOL, 1).")
@click.option("--max-kernels", type=int, default=None, help="Visitors at once (YOUTHLAB_KIOSK_MAX_KERNELS, 8).")
def kiosk(lab: str | None, port: int | None, ip: str | None, idle_seconds: int | None, pool_size: int | None,
          max_kernels: int | None) -> None:
    """Serve one lab's kiosk app (LAB, e.g. 00-welcome), or the launcher with all of them.

    In the hall the hub serves the kiosk at /services/kiosk/ (see README). The staff exit's
    PIN is YOUTHLAB_KIOSK_PIN (at least 6 characters; "off": no exit), else one made once
    and kept in <data>/kiosk/staff-pin. QR codes point at YOUTHLAB_KIOSK_PUBLIC_URL, else
    at this server's --ip and --port. Every setting: `youthlab config --area kiosk`.
    """
    import os

    from traitlets.config import Config

    from youthlab.kiosk.app import make_app

    apps = {a.lab: a for a in find_apps(labs_dir())}
    if lab is not None and lab not in apps:
        raise UnknownKioskLab(lab=lab, labs=", ".join(apps) or "-")
    given = {"port": port, "ip": ip, "idle_seconds": idle_seconds, "pool_size": pool_size,
             "max_kernels": max_kernels, "single_app": lab}
    settings = KioskSettings.from_env(config=Config({"KioskSettings": {k: v for k, v in given.items()
                                                                        if v is not None}}))
    os.environ["YOUTHLAB_KIOSK_PRINTING"] = "1" if kiosk_printing_enabled() else "0"
    pin, made = ensure_staff_pin(data_dir())  # made (8 digits, 0600) when unset; shown once
    if made:
        click.secho(t("kiosk.security.pin_made", pin=pin, path=staff_pin_file(data_dir())), fg="yellow")
    os.environ.pop(PIN_VAR, None)  # the server keeps it in memory; kernels must not inherit it
    app = make_app(settings, staff_pin=pin)
    restrict_for_kernels(os.environ)  # visitors' kernels get the allow-list only (youthlab/kiosk/environment.py)
    path = f"voila/render/{lab}/kiosk.ipynb" if lab else ""
    shown_ip = "127.0.0.1" if settings.ip == "0.0.0.0" else settings.ip
    click.secho(t("kiosk.single.ready", url=f"http://{shown_ip}:{settings.port}/{path}"), fg="green", bold=True)
    app.start()
