"""The kiosk's preheated pool: whole pages only, a pool per language, no internet.

Real kiosk server (``python -m youthlab.kiosk.server``) on loopback, real kernels, and
Debian's Chromium whose pages may reach only this machine (tests/kiosk/browser.py).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
import requests

from tests.kiosk.browser import browser, kiosk_server, leave
from youthlab.i18n import t
from youthlab.kiosk.apps import find_apps
from youthlab.paths import labs_dir

pytestmark = pytest.mark.e2e

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _lab(labs: Path, name: str, code: str) -> None:
    (labs / name).mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["youthlab"] = {"kiosk": {"title": {"ko": name, "en": name}}}
    nbformat.write(nb, labs / name / "kiosk.ipynb")


def _wait_ready(url: str, count: int = 2, timeout: float = 180) -> None:
    """Until ``count`` pooled pages are ready (one app: its Korean and its English one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(f"{url}kiosk/status", timeout=10).json()["ready_kernels"] >= count:
            return
        time.sleep(0.3)
    raise AssertionError("the preheated pool never got ready")


def _reset(url: str, body: str) -> None:
    kernel = re.search(r'"kernelId": "([\w-]+)"', body)
    if kernel:
        requests.post(f"{url}kiosk/reset/{kernel.group(1)}", timeout=30)


def test_a_preheated_kernel_that_hangs_never_reaches_a_visitor(tmp_path):
    # The app hangs only in preheated kernels (Voila marks them VOILA_PREHEAT=True): the
    # stall seen in the hall, made certain. Visitors must get a whole page anyway.
    _lab(tmp_path, "01-hang", "import os, time, ipywidgets as w\n"
                              "if os.environ.get('VOILA_PREHEAT') == 'True':\n    time.sleep(3600)\n"
                              "w.Button(description='ready')")
    with kiosk_server(tmp_path, "--pool-size", "1", "--render-budget", "6") as url:
        app = f"{url}voila/render/01-hang/kiosk.ipynb"
        for _ in range(2):
            start = time.monotonic()
            page = requests.get(app, timeout=(5, 120))
            assert page.status_code == 200
            assert WIDGET_VIEW in page.text and page.text.rstrip().endswith("</html>")
            assert time.monotonic() - start < 90
            _reset(url, page.text)
        # The hung kernels were shut down by the watchdog, not left running: only the
        # pool's current one remains (it may be hanging too, it is never handed out).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = requests.get(f"{url}kiosk/status", timeout=10).json()
            if status["visitor_kernels"] == 0:
                break
            time.sleep(1)
        assert status["visitor_kernels"] == 0, status


def test_a_visitor_does_not_wait_for_a_page_still_being_preheated(tmp_path):
    # The preheated kernel takes 60 s over its app (a machine busy refilling pools); the
    # visitor's browser sends nothing meanwhile and may give up. The visitor gets a fresh
    # kernel's whole page after the hand-out wait, and the slow one stays pooled.
    _lab(tmp_path, "03-slow", "import os, time, ipywidgets as w\n"
                              "if os.environ.get('VOILA_PREHEAT') == 'True':\n    time.sleep(60)\n"
                              "w.Button(description='ready')")
    with kiosk_server(tmp_path, "--pool-size", "1", "--pool-languages", "ko", "--render-budget", "120",
                      "--handout-wait", "3") as url:
        deadline = time.monotonic() + 60
        while requests.get(f"{url}kiosk/status", timeout=10).json()["pooled_kernels"] < 1:
            assert time.monotonic() < deadline, "the preheated kernel never started"
            time.sleep(0.3)
        start = time.monotonic()
        page = requests.get(f"{url}voila/render/03-slow/kiosk.ipynb", timeout=(5, 120))
        waited = time.monotonic() - start
        assert page.status_code == 200
        assert WIDGET_VIEW in page.text and page.text.rstrip().endswith("</html>")
        assert waited < 40, f"the visitor waited {waited:.0f} s for the preheated page"
        status = requests.get(f"{url}kiosk/status", timeout=10).json()
        assert status["pooled_kernels"] == 1 and status["ready_kernels"] == 0, status
        _reset(url, page.text)


def test_visitors_of_either_language_get_the_app_in_their_language(tmp_path):
    _lab(tmp_path, "02-lang", "import time, ipywidgets as w\nfrom youthlab.kiosk.ui import KioskUI\n"
                              "ui = KioskUI('kiosk.postcard.title')\n"
                              "ran = w.Label(str(time.time()))\nran.add_class('ran-at')\nui.show(ran)")
    with kiosk_server(tmp_path, "--pool-size", "1") as url, browser() as b:
        page = b.new_page()
        for lang in ("en", "ko", "en"):
            _wait_ready(url)
            asked = time.time()
            page.goto(f"{url}voila/render/02-lang/kiosk.ipynb?lang={lang}")
            page.wait_for_selector(".ran-at", timeout=60_000)
            assert page.inner_text(".youthlab-kiosk-title").strip() == t("kiosk.postcard.title", lang)
            # Either language is preheated: the app had run before the visitor asked.
            assert float(page.inner_text(".ran-at")) < asked, lang
            leave(page, url)


@pytest.fixture(scope="module")
def all_apps_kiosk():
    with kiosk_server(labs_dir(), "--pool-size", "1") as url:
        yield url


@pytest.mark.parametrize("lab", [a.lab for a in find_apps(labs_dir())])
def test_every_app_loads_with_no_internet(all_apps_kiosk, lab):
    url = all_apps_kiosk
    with browser() as b:  # fails the test on any request that would leave the machine
        page = b.new_page()
        for lang in ("ko", "en"):
            page.goto(f"{url}voila/render/{lab}/kiosk.ipynb?lang={lang}", timeout=120_000)  # en: a cold kernel
            page.wait_for_selector(".jupyter-widgets", state="visible", timeout=120_000)
            page.wait_for_load_state("networkidle")
            leave(page, url)
        assert b.blocked == []
