"""The kiosk server alone: the visitor cap, a broken app, the single-app command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import requests

from tests.kiosk.browser import browser, kiosk_server
from youthlab.kiosk.apps import is_kiosk_notebook

pytestmark = pytest.mark.e2e


def _kiosk_lab(labs: Path, name: str, code: str) -> None:
    (labs / name).mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["youthlab"] = {"kiosk": {"title": {"ko": name, "en": name}}}
    nbformat.write(nb, labs / name / "kiosk.ipynb")


def test_more_visitors_than_kernels_get_a_polite_wait_page(tmp_path):
    _kiosk_lab(tmp_path, "01-hello", "import ipywidgets as w\nw.Button(description='hi')")
    with kiosk_server(tmp_path, "--max-kernels", "2", "--pool-size", "0") as url:
        app = f"{url}voila/render/01-hello/kiosk.ipynb"
        assert requests.get(app, timeout=60).status_code == 200
        assert requests.get(app, timeout=60).status_code == 200
        busy = requests.get(app, timeout=60, headers={"Accept-Language": "ko-KR"})
        assert busy.status_code == 503 and "조금만 기다려 주세요" in busy.text
        assert busy.headers["Retry-After"] == "5" and 'http-equiv="refresh"' in busy.text
        status = requests.get(f"{url}kiosk/status", timeout=10).json()
        assert status["visitor_kernels"] == 2


def test_an_app_that_raises_shows_a_friendly_message_not_a_traceback(tmp_path):
    _kiosk_lab(tmp_path, "02-broken", "import ipywidgets as w\ndisplay(w.Label('before'))\n"
                                      "raise RuntimeError('secret internal detail')")
    with kiosk_server(tmp_path, "--pool-size", "0") as url, browser() as b:
        page = b.new_page(locale="en-US")
        page.goto(f"{url}voila/render/02-broken/kiosk.ipynb?lang=en")
        page.wait_for_selector("#youthlab-cell-error:not([hidden])", timeout=60_000)
        assert "Please tell a staff member" in page.inner_text("#youthlab-cell-error")
        visible = page.inner_text("body")
        assert "secret internal detail" not in visible and "Traceback" not in visible
        assert "secret internal detail" not in page.content()
        # The page's own words come with the page: with kiosk/config.json slow or lost (a busy
        # kiosk), the message and the frame's buttons are there all the same, in the kiosk's
        # language (Korean here, not the browser's English).
        cut = b.new_page(locale="en-US")
        cut.route("**/kiosk/config.json", lambda route: route.abort())
        cut.goto(f"{url}voila/render/02-broken/kiosk.ipynb")
        cut.wait_for_selector("#youthlab-cell-error:not([hidden])", timeout=60_000)
        assert "직원에게 알려 주세요" in cut.inner_text("#youthlab-cell-error")
        assert cut.inner_text("#youthlab-home") == "처음으로"
        assert cut.inner_text("#youthlab-lang") == "English"
        assert cut.evaluate("document.documentElement.lang") == "ko"


def test_only_lab_kiosk_notebooks_count_as_apps():
    assert is_kiosk_notebook("00-welcome/kiosk.ipynb")
    for path in ("00-welcome/welcome.ipynb", "kiosk.ipynb", "a/b/kiosk.ipynb", "_private/kiosk.ipynb",
                 "../x/kiosk.ipynb"):
        assert not is_kiosk_notebook(path), path


def test_kiosk_command_names_labs_that_have_an_app():
    youthlab = str(Path(sys.executable).parent / "youthlab")
    r = subprocess.run([youthlab, "--lang", "en", "kiosk", "99-nope"], capture_output=True, text=True, timeout=180)
    assert r.returncode == 2
    assert "Lab '99-nope' has no kiosk app" in r.stderr and "00-welcome" in r.stderr
    assert "Traceback" not in r.stderr


def test_every_shipped_app_names_itself_in_both_languages():
    from youthlab.kiosk.apps import find_apps
    from youthlab.paths import labs_dir

    for app in find_apps(labs_dir()):
        assert app.title.get("ko") and app.title.get("en") and app.title["ko"] != app.lab, app.lab
        assert app.description.get("ko") and app.description.get("en"), app.lab
