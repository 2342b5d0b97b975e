"""A kiosk app's page loads the front-end extensions its app can use, and no others
(youthlab.kiosk.frontend_extensions): anywidget's scripts only for apps that can show an
anywidget, every extension of Voila's own page always.

The installed extensions and distributions are the real ones of this environment; the
apps are the project's own and small ones written here.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.kiosk.browser import browser, kiosk_server, leave
from youthlab.kiosk.frontend_extensions import ALL, APP, extension_owners, frontend_extensions_hook, page_extensions
from youthlab.paths import labs_dir

WIDGET_MANAGER = "@voila-dashboards/widgets-manager8"
WIDGETS_FRONTEND = "@jupyter-widgets/jupyterlab-manager"


def _installed() -> list[dict]:
    """Voila's page list of this environment (what a plain Voila page loads)."""
    owners = extension_owners()
    assert {"anywidget", WIDGET_MANAGER, WIDGETS_FRONTEND} <= set(owners), owners
    return [{"name": name, "load": "static/remoteEntry.js"} for name in sorted(owners)]


def _names(extensions: list[dict]) -> set[str]:
    return {ext["name"] for ext in extensions}


def _app(folder: Path, *cells: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / "kiosk.ipynb"
    notebook.write_text(json.dumps({
        "cells": [{"cell_type": "code", "source": src, "metadata": {}, "outputs": [], "execution_count": None}
                  for src in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return notebook


def test_an_app_without_anywidget_does_not_load_it_and_keeps_voilas_own(tmp_path):
    notebook = _app(tmp_path / "quiz", "import ipywidgets as w\nw.Button(description='OK')")
    kept = _names(page_extensions(_installed(), notebook))
    assert "anywidget" not in kept
    # the page's widget manager and ipywidgets' front-end are always there
    assert {WIDGET_MANAGER, WIDGETS_FRONTEND} <= kept


def test_an_anywidget_imported_on_a_click_in_a_module_beside_the_app_is_loaded(tmp_path):
    (tmp_path / "quiz").mkdir()
    (tmp_path / "quiz" / "scene.py").write_text(
        "def on_click(_):\n    from fancy import Globe\n    return Globe()\n", encoding="utf-8")
    (tmp_path / "quiz" / "fancy.py").write_text("import anywidget\nclass Globe(anywidget.AnyWidget):\n    pass\n",
                                                encoding="utf-8")
    notebook = _app(tmp_path / "quiz", "from scene import on_click")
    assert "anywidget" in _names(page_extensions(_installed(), notebook))


def test_the_projects_apps_get_anywidget_exactly_when_they_can_show_one():
    labs = labs_dir()
    # the postcard shows ipywidgets only
    assert "anywidget" not in _names(page_extensions(_installed(), labs / "00-welcome" / "kiosk.ipynb"))
    # the stamp app's 3-D preview (an anywidget) is imported inside a method, when it is built
    assert "anywidget" in _names(page_extensions(_installed(), labs / "20-name-stamp" / "kiosk.ipynb"))
    # the drone app's scene is an anywidget imported at the top of its module
    assert "anywidget" in _names(page_extensions(_installed(), labs / "10-first-flight" / "kiosk.ipynb"))


def test_an_ipython_extension_hook_counts_only_when_the_notebook_loads_it(tmp_path):
    """``import youthlab`` does not run ``youthlab.load_ipython_extension`` (which reaches
    the board widgets, anywidgets); ``%load_ext youthlab`` does."""
    plain = _app(tmp_path / "plain", "import youthlab\nimport ipywidgets")
    loaded = _app(tmp_path / "loaded", "%load_ext youthlab\nimport ipywidgets")
    assert "anywidget" not in _names(page_extensions(_installed(), plain))
    assert "anywidget" in _names(page_extensions(_installed(), loaded))


def test_an_extension_no_package_claims_is_always_loaded(tmp_path):
    notebook = _app(tmp_path / "quiz", "import ipywidgets")
    mystery = {"name": "@somebody/hand-copied-extension", "load": "static/remoteEntry.js"}
    assert mystery in page_extensions([*_installed(), mystery], notebook)


def test_the_setting_all_keeps_every_extension_and_an_unknown_page_keeps_them_too(tmp_path):
    notebook = _app(tmp_path / "quiz", "import ipywidgets")
    every = _installed()
    hook_all = frontend_extensions_hook(ALL, lambda path: notebook)
    assert _names(hook_all({"federated_extensions": list(every)}, notebook_path="quiz/kiosk.ipynb")
                  ["federated_extensions"]) == _names(every)
    hook_app = frontend_extensions_hook(APP, lambda path: None)  # not a kiosk notebook: left alone
    assert _names(hook_app({"federated_extensions": list(every)}, notebook_path="x.ipynb")
                  ["federated_extensions"]) == _names(every)
    hook_app = frontend_extensions_hook(APP, lambda path: notebook)
    assert "anywidget" not in _names(hook_app({"federated_extensions": list(every)}, notebook_path="quiz/kiosk.ipynb")
                                     ["federated_extensions"])


def _extension_files(name: str) -> set[str]:
    from jupyter_core.paths import jupyter_path

    folder = next(Path(p) / name / "static" for p in jupyter_path("labextensions")
                  if (Path(p) / name / "static").is_dir())
    return {f.name for f in folder.glob("*.js")}


@pytest.mark.e2e
def test_the_postcard_page_loads_no_anywidget_and_the_stamp_page_shows_its_anywidget():
    anywidget = _extension_files("anywidget")
    code_colours = _extension_files("jupyterlab_pygments")  # a kiosk page shows no code
    with kiosk_server(labs_dir(), "--pool-size", "0") as url, browser() as b:
        page = b.new_page()
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(urlparse(r.url).path.rsplit("/", 1)[-1]))
        try:
            page.goto(f"{url}voila/render/00-welcome/kiosk.ipynb?lang=ko")
            box = page.wait_for_selector(".youthlab-kiosk-app input:not([disabled])", state="visible",
                                         timeout=120_000)
            page.wait_for_load_state("networkidle")
            assert set(fetched) & anywidget == set(), sorted(set(fetched) & anywidget)
            assert code_colours and set(fetched) & code_colours == set(), sorted(set(fetched) & code_colours)
            box.fill("민지")
            assert box.input_value() == "민지"
        finally:
            leave(page, url)
        fetched.clear()
        try:
            page.goto(f"{url}voila/render/20-name-stamp/kiosk.ipynb?lang=ko")
            page.wait_for_selector(".youthlab-kiosk-app", state="visible", timeout=120_000)
            # the 3-D preview is an anywidget: its view draws into a canvas of its own
            page.wait_for_selector(".youthlab-kiosk-app canvas", state="attached", timeout=60_000)
            assert set(fetched) & anywidget, "the stamp page did not load anywidget"
            assert not page.query_selector(".jupyter-widgets-error-widget")
        finally:
            leave(page, url)
