"""Every lab's kiosk app, through the hub's service URL, played in headless Chromium.

Each app gets a visitor's interaction and a check of what shows on screen afterwards,
plus a screenshot (kept in pytest's tmp folder).
"""

from __future__ import annotations

import time

import pytest

from tests.kiosk.browser import browser, leave
from tests.kiosk.test_kiosk_hub import hub  # noqa: F401  (the shared hub with the kiosk service)
from youthlab.kiosk.apps import find_apps
from youthlab.paths import labs_dir

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _takeoff(page):
    page.click("button:has-text('이륙')")
    page.wait_for_selector(r"text=/⬆ [1-9][0-9]* cm/", timeout=60_000)


def _delivery(page):
    handles = page.locator(".noUi-handle")
    handles.nth(0).focus()
    page.keyboard.press("Home")  # detour far west of the seabird rock: x = 0
    handles.nth(1).focus()
    page.keyboard.press("End")   # y = 300
    page.click("button:has-text('배달 출발')")
    page.wait_for_selector("text=비행 금지 구역을 잘 피했어요.", timeout=90_000)
    page.wait_for_selector("text=배달 성공!", timeout=10_000)


def _name_stamp(page):
    box = page.locator("input[type=text]").first
    box.fill("민준")
    box.press("Enter")
    page.wait_for_function("document.body.innerText.includes('민준')", timeout=60_000)
    page.wait_for_selector("text=인쇄할 수 있어요.", timeout=60_000)


def _postage(page):
    page.wait_for_selector("text=인쇄할 수 있어요.", timeout=60_000)
    price = page.locator("input[type=text]").first
    price.fill("1000원")
    price.press("Enter")
    page.wait_for_selector("text=크기:", timeout=60_000)


def _line_follower(page):
    page.click("button:has-text('출발')")
    page.wait_for_selector("text=선을 끝까지 따라갔어요!", timeout=90_000)


def _postman(page):
    for step in ("곧장", "배달"):
        page.click(f"button:has-text('{step}')")
    page.click("button:has-text('출발')")
    page.wait_for_selector("text=ROUTE = S D", timeout=30_000)
    page.wait_for_selector("text=아직 배달하지 못한 편지", timeout=90_000)


def _postcard(page):
    page.fill(".youthlab-kiosk-app input", "서연")
    page.click("button:has-text('엽서 만들기')")
    page.wait_for_selector("text=서연에게 보낼 엽서가 완성됐어요!", timeout=30_000)


PLAYS = {
    "00-welcome": _postcard,
    "10-first-flight": _takeoff,
    "11-island-delivery": _delivery,
    "20-name-stamp": _name_stamp,
    "21-postage-stamp": _postage,
    "30-line-follower": _line_follower,
    "31-robot-postman": _postman,
}


def test_every_kiosk_app_has_a_play_test():
    assert {a.lab for a in find_apps(labs_dir())} == set(PLAYS)


@pytest.mark.parametrize("lab", sorted(PLAYS))
def test_visitor_plays_the_app(hub, lab, tmp_path):  # noqa: F811
    kiosk = f"{hub.url}services/kiosk/"
    with browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        page.goto(f"{kiosk}voila/render/{lab}/kiosk.ipynb", wait_until="commit", timeout=120_000)
        page.wait_for_selector(".jupyter-widgets", timeout=120_000)
        PLAYS[lab](page)
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
        page.goto(f"{kiosk}voila/render/10-first-flight/kiosk.ipynb", wait_until="commit", timeout=120_000)
        page.wait_for_selector("button:has-text('이륙')", timeout=120_000)
        page.click("#youthlab-lang")  # the frame's "English" button
        page.wait_for_selector("button:has-text('Take off')", timeout=120_000)
        assert "lang=en" in page.url
        assert page.inner_text("#youthlab-lang") == "한국어"
        _ = page.locator("button:has-text('Take off')").click()
        page.wait_for_selector(r"text=/⬆ [1-9][0-9]* cm/", timeout=60_000)
        leave(page, kiosk)
