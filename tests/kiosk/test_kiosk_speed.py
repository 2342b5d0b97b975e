"""A kiosk page spends the visitor's seconds on the app, not on machinery meant for
somewhere else (how fast it is lives in benchmarks/kiosk_tti.py, not here).

Real kiosk server on loopback, a real preheated kernel, Debian's Chromium.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.kiosk.browser import browser, kiosk_server, leave
from youthlab.paths import labs_dir

APP = "voila/render/00-welcome/kiosk.ipynb"
WIDGET = ".youthlab-kiosk-app input"
PROBE = "youthlab-kiosk-console-probe"
#: Before the page's own scripts: keep every window message, and once the page's head
#: has run, write one console line (Voila's preview relay would copy it as a message).
RECORD_MESSAGES = """
window.__youthlabMessages = [];
window.addEventListener("message", (e) => {
  try { window.__youthlabMessages.push(JSON.parse(JSON.stringify(e.data))); }
  catch (err) { window.__youthlabMessages.push(String(e.data)); }
});
document.addEventListener("DOMContentLoaded", () => console.info("%s"));
""" % PROBE


def _ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(f"{url}kiosk/status", timeout=10).json()["ready_kernels"] >= 1:
            return
        time.sleep(0.2)
    raise AssertionError("no preheated page")


@pytest.mark.e2e
def test_a_kiosk_page_keeps_its_console_to_itself():
    """Voila's template copies every console line to ``window.top`` for JupyterLab's
    preview panel; a kiosk page is never in that panel, so it must not pay for it."""
    with kiosk_server(labs_dir(), "--pool-size", "1", "--app", "00-welcome") as url, browser() as b:
        _ready(url)
        page = b.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        page.add_init_script(RECORD_MESSAGES)
        try:
            page.goto(f"{url}{APP}?lang=ko")
            page.wait_for_selector(f"{WIDGET}:not([disabled])", state="visible", timeout=120_000)
            page.wait_for_load_state("networkidle")
            messages = page.evaluate("window.__youthlabMessages")
            assert any(PROBE in line for line in console)  # the page did write to its console
            relayed = [m for m in messages if isinstance(m, dict) and "level" in m and "msg" in m]
            assert relayed == [], relayed[:3]
            assert not any(PROBE in str(m) for m in messages)
            # ... and the app works as before: the visitor types their name.
            page.fill(f"{WIDGET}:not([disabled])", "민지")
            assert page.input_value(f"{WIDGET}:not([disabled])") == "민지"
        finally:
            leave(page, url)


def _mathjax3_chunks() -> set[str]:
    """The files Voila's MathJax 3 typesetter loads on its first use (read from its own
    chunk, so a Voila upgrade keeps the test honest)."""
    from jupyter_core.paths import jupyter_path

    plugin = next(p for folder in jupyter_path("voila", "templates", "base", "static")
                  for p in sorted(Path(folder).glob("*.voila.js"))
                  if '"@jupyterlab/mathjax-extension:plugin"' in p.read_text(errors="replace"))
    chunks = set(re.findall(r"\.e\((\d+)\)", plugin.read_text()))
    assert len(chunks) >= 10, chunks  # MathJax 3's input, output, fonts, handlers ...
    return {f"{chunk}.voila.js" for chunk in chunks}


@pytest.mark.e2e
def test_a_kiosk_page_shows_its_labels_without_loading_mathjax():
    """Every widget label asks the page's LaTeX typesetter to typeset it. Voila's default
    (MathJax 3) made every visitor's page fetch and run ~800 KB of MathJax while its
    kernel connected; no kiosk app shows a formula, so the kiosk's typesetter leaves text
    as written and loads nothing but its own few hundred bytes, from the kiosk itself."""
    mathjax = _mathjax3_chunks()
    with kiosk_server(labs_dir(), "--pool-size", "1", "--app", "00-welcome") as url, browser() as b:
        _ready(url)
        page = b.new_page()
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url))
        try:
            page.goto(f"{url}{APP}?lang=ko")
            name_box = page.wait_for_selector(f"{WIDGET}:not([disabled])", state="visible", timeout=120_000)
            page.wait_for_load_state("networkidle")
            names = {urlparse(u).path.rsplit("/", 1)[-1] for u in fetched}
            assert names & mathjax == set(), sorted(names & mathjax)
            typesetter = [u for u in fetched if urlparse(u).path.endswith("/plain-typesetter.js")]
            assert typesetter, "the page's labels never asked for typesetting"
            assert all(urlparse(u).netloc == urlparse(url).netloc for u in typesetter)
            # The labels read as written (the catalogue's Korean), and the app works.
            labels = page.eval_on_selector_all(".youthlab-kiosk-app .widget-label, .youthlab-kiosk-app label",
                                               "els => els.map(e => e.textContent.trim()).filter(Boolean)")
            assert labels and any(re.search("[가-힣]", text) for text in labels), labels
            assert not page.query_selector(".MathJax, mjx-container")
            name_box.fill("민지 $x$")
            assert name_box.input_value() == "민지 $x$"
        finally:
            leave(page, url)


def test_the_math_setting_picks_the_page_typesetter(monkeypatch):
    """``plain`` names the kiosk's own script (a versioned URL the browser keeps);
    ``mathjax`` leaves Voila's MathJax 3 (no URL, no config), for an app with formulas."""
    from youthlab.kiosk.app import SHARE_DIR
    from youthlab.kiosk.settings import KioskSettings
    from youthlab.kiosk.typesetting import typesetter_page_config
    from youthlab.kiosk.voila_config import TEMPLATE

    monkeypatch.setenv("JUPYTER_PATH", str(SHARE_DIR))
    plain = typesetter_page_config({}, "/services/kiosk/", TEMPLATE, KioskSettings().math)
    assert re.fullmatch(r"/services/kiosk/voila/templates/youthlab-kiosk/static/plain-typesetter\.js\?v=\w+",
                        plain["fullMathjaxUrl"])
    assert (SHARE_DIR / "voila" / "templates" / TEMPLATE / "static" / "plain-typesetter.js").is_file()
    monkeypatch.setenv("YOUTHLAB_KIOSK_MATH", "mathjax")
    chosen = KioskSettings.from_env().math
    assert typesetter_page_config({"fullMathjaxUrl": "x"}, "/", TEMPLATE, chosen) == {
        "fullMathjaxUrl": None, "mathjaxConfig": None}
