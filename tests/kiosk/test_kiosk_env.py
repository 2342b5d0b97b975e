"""The kiosk's environment is an allow-list: visitors' kernels hold none of the hall's
secrets (flight token, teacher and kiosk PINs, hub tokens, printer keys), whatever the
operator set on the hub."""

from __future__ import annotations

import time

import psutil
import pytest
import requests

from tests.kiosk.browser import kiosk_server
from youthlab.kiosk.environment import kernel_environment, kiosk_service_environment
from youthlab.paths import labs_dir

SECRETS = {
    "YOUTHLAB_FLIGHT_TOKEN": "flight-token-5a1f",
    "YOUTHLAB_TEACHER_PIN": "teacher-pin-8642",
    "YOUTHLAB_KIOSK_PIN": "kiosk-pin-9753",
    "JUPYTERHUB_API_TOKEN": "hub-token-of-another-service-77aa",
    "JPY_API_TOKEN": "hub-token-of-another-service-77aa",
    "YOUTHLAB_PRINTER_KEY": "octoprint-key-c0ffee",
    "CONFIGPROXY_AUTH_TOKEN": "proxy-token-3e3e",
    "YOUTHLAB_SOMETHING_NEW_SECRET": "a-secret-added-next-year-1234",
}


def test_hub_gives_the_kiosk_service_its_settings_only():
    hub_env = {**SECRETS, "YOUTHLAB_KIOSK_IDLE": "60", "YOUTHLAB_LANG": "en", "PATH": "/usr/bin",
               "YOUTHLAB_KIOSK_PUBLIC_URL": "http://hall:8000"}
    env = kiosk_service_environment(hub_env, {"YOUTHLAB_PRINT_URL": "http://127.0.0.1:1/services/print/"})
    assert env["YOUTHLAB_KIOSK_IDLE"] == "60" and env["YOUTHLAB_KIOSK_PUBLIC_URL"] == "http://hall:8000"
    assert env["YOUTHLAB_PRINT_URL"].endswith("/services/print/")
    leaked = {k for k, v in env.items() if v in SECRETS.values()}
    assert leaked == {"YOUTHLAB_KIOSK_PIN"}  # for the server's staff exit only; see the next test
    assert not any(v in SECRETS.values() for v in kernel_environment(env).values())


def _kernel_processes(root: int) -> list[psutil.Process]:
    try:
        kids = psutil.Process(root).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in kids if any("ipykernel" in part for part in p.cmdline())]


@pytest.mark.e2e
def test_visitor_kernels_hold_no_secret():
    env = dict(SECRETS, YOUTHLAB_KIOSK_IDLE="7")
    with kiosk_server(labs_dir(), "--app", "00-welcome", "--pool-size", "1", env=env) as url:
        me = psutil.Process()
        deadline = time.monotonic() + 120
        while not _kernel_processes(me.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        pooled = _kernel_processes(me.pid)
        assert pooled, "no preheated kernel started"
        # a visitor asking for the other language gets a kernel started for them
        r = requests.get(url + "voila/render/00-welcome/kiosk.ipynb?lang=en", timeout=180)
        assert r.status_code == 200
        kernels = _kernel_processes(me.pid)
        assert len(kernels) >= 2, kernels
        for proc in kernels:
            environ = proc.environ()
            found = {k for k, v in environ.items() if v in SECRETS.values() or k in SECRETS}
            assert not found, f"kernel {proc.pid} holds {found}"
            assert environ.get("YOUTHLAB_LABS_DIR") and environ.get("PATH")  # what apps need is still there
        # nor does their server's own starting environment (kernels run as its user and
        # could read /proc/<server>/environ); it still has its staff PIN
        server = psutil.Process(kernels[0].ppid())
        assert not {k for k, v in server.environ().items() if v in SECRETS.values() or k in SECRETS}
        config = requests.get(url + "kiosk/config.json", timeout=10).json()
        assert config["exit_enabled"] is True and config["idle_seconds"] == 7  # settings kept


@pytest.mark.e2e
def test_visitor_kernels_keep_no_history_and_find_the_font_cache_built(tmp_path):
    """A kiosk's kernels write no IPython history: nothing a visitor's session ran stays
    on the kiosk, and the many kernels of a pool do not share one history database (a CI
    run showed a page with "OperationalError('database is locked') … History will not be
    written to the database." when a kernel's history thread lost that race)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "MPLCONFIGDIR": str(home / "mpl")}
    with kiosk_server(labs_dir(), "--app", "00-welcome", "--pool-size", "0", env=env) as url:
        # matplotlib's font list is built by the server before any kernel (the pool's first
        # kernels would each build it, and past 5 s say so in a visitor's page)
        assert list((home / "mpl").glob("fontlist-v*.json"))
        r = requests.get(url + "voila/render/00-welcome/kiosk.ipynb", timeout=180)
        assert r.status_code == 200 and "application/vnd.jupyter.widget-view+json" in r.text
        time.sleep(1.5)  # the history thread writes after each cell
        kept = list(home.rglob("history.sqlite"))
        assert not kept, f"visitors' kernels kept a history: {kept}"
