"""Every lab's kiosk app, through the hub's service URL, played in headless Chromium.

Each app gets a visitor's interaction and a check of what shows on screen afterwards,
plus a screenshot (kept in pytest's tmp folder).
"""

from __future__ import annotations

import time

import pytest

from tests.kiosk.browser import browser, leave
from tests.kiosk.kioskhub import open_kiosk_page
from tests.kiosk.plays import PLAYS, run_play
from tests.kiosk.test_kiosk_design import hub  # noqa: F401  (a hub with the kiosk service, visitors' idle time)
from youthlab.kiosk.apps import find_apps
from youthlab.paths import labs_dir

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_every_kiosk_app_has_a_play_test():
    assert {a.lab for a in find_apps(labs_dir())} == set(PLAYS)


@pytest.mark.parametrize("lab", sorted(PLAYS))
def test_visitor_plays_the_app(hub, lab, tmp_path):  # noqa: F811
    kiosk = f"{hub.url}services/kiosk/"
    with browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        open_kiosk_page(hub, page, f"{kiosk}voila/render/{lab}/kiosk.ipynb")
        page.wait_for_selector(".jupyter-widgets", timeout=120_000)
        run_play(lab, page, "ko")
        time.sleep(0.5)
        shot = tmp_path / f"{lab}.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        text = page.inner_text("body")
        assert "Traceback" not in text and "Error" not in text.replace("error", "")
        assert page.is_hidden("#youthlab-cell-error") or page.locator("#youthlab-cell-error").count() == 0
        leave(page, kiosk)


def test_the_frame_language_button_restarts_an_app_in_english(hub):  # noqa: F811
    kiosk = f"{hub.url}services/kiosk/"
    with browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        open_kiosk_page(hub, page, f"{kiosk}voila/render/10-first-flight/kiosk.ipynb")
        page.wait_for_selector("button:has-text('이륙')", timeout=120_000)
        page.click("#youthlab-lang")  # the frame's "English" button
        page.wait_for_selector("button:has-text('Take off')", timeout=120_000)
        assert "lang=en" in page.url
        assert page.inner_text("#youthlab-lang") == "한국어"
        _ = page.locator("button:has-text('Take off')").click()
        page.wait_for_selector(".ylab-drone-scene[data-played='1']", timeout=60_000)
        assert int(page.get_attribute(".ylab-drone-scene", "data-z")) > 50  # the drone shown in the air
        leave(page, kiosk)
