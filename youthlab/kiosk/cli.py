"""``youthlab kiosk``: run kiosk apps on this machine (a laptop at a fair, a test screen)."""

from __future__ import annotations

import click

from youthlab.errors import YouthLabError
from youthlab.i18n import t
from youthlab.kiosk.apps import find_apps
from youthlab.paths import labs_dir


class UnknownKioskLab(YouthLabError):
    key = "kiosk.unknown_lab"
    hint_key = "kiosk.unknown_lab.hint"


@click.command()
@click.argument("lab", required=False)
@click.option("--port", type=int, default=8866, show_default=True)
@click.option("--ip", default="127.0.0.1", show_default=True, help="0.0.0.0 lets other screens connect.")
@click.option("--idle-seconds", type=int, default=90, show_default=True,
              help="Reset the app after this long without a touch.")
@click.option("--pool-size", type=int, default=1, show_default=True, help="Preheated kernels per app.")
@click.option("--max-kernels", type=int, default=4, show_default=True, help="Visitors at once.")
def kiosk(lab: str | None, port: int, ip: str, idle_seconds: int, pool_size: int, max_kernels: int) -> None:
    """Serve one lab's kiosk app (LAB, e.g. 00-welcome), or the launcher with all of them.

    In the hall the hub serves the kiosk at /services/kiosk/ (see README). The staff exit's
    PIN is YOUTHLAB_KIOSK_PIN (at least 6 characters; "off": no exit), else one made once
    and kept in <data>/kiosk/staff-pin. QR codes point at YOUTHLAB_KIOSK_PUBLIC_URL, else
    at this server's --ip and --port.
    """
    from youthlab.kiosk.server import make_app

    apps = {a.lab: a for a in find_apps(labs_dir())}
    if lab is not None and lab not in apps:
        raise UnknownKioskLab(lab=lab, labs=", ".join(apps) or "-")
    from youthlab.kiosk.environment import restrict_for_kernels
    from youthlab.stamp.kiosk_print import kiosk_printing_enabled

    import os

    os.environ["YOUTHLAB_KIOSK_PRINTING"] = "1" if kiosk_printing_enabled() else "0"
    from youthlab.kiosk.security import ensure_staff_pin, staff_pin_file
    from youthlab.paths import data_dir

    pin, made = ensure_staff_pin(data_dir())  # made (8 digits, 0600) when unset; shown once
    if made:
        click.secho(t("kiosk.security.pin_made", pin=pin, path=staff_pin_file(data_dir())), fg="yellow")
    os.environ["YOUTHLAB_KIOSK_PIN"] = pin  # read and removed by the server
    app = make_app(port, "/", idle_seconds=idle_seconds, max_kernels=max_kernels, pool_size=pool_size,
                   single_app=lab or "", ip=ip)
    restrict_for_kernels(os.environ)  # visitors' kernels get the allow-list only (youthlab/kiosk/environment.py)
    path = f"voila/render/{lab}/kiosk.ipynb" if lab else ""
    click.secho(t("kiosk.single.ready", url=f"http://{'127.0.0.1' if ip == '0.0.0.0' else ip}:{port}/{path}"),
                fg="green", bold=True)
    app.start()
