"""The island delivery kiosk app in Chromium: the island shows at once and the drone flies only on
the visitor's press (a flight during page load made preheated pages late under load); a stop is
placed by tapping the map (or with the keyboard), the route through the seabird rock loses with
the reason, a route around it wins, and the drone is seen flying the route."""

from __future__ import annotations

import re

import pytest

from tests.kiosk.labpage import kiosk_lab_page
from tests.kiosk.plays.drone import SCENE, scene_point, wait_still
from youthlab.i18n import t
from youthlab.paths import labs_dir

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _positions(page, count: int, every_s: float = 0.25) -> list[tuple[int, int]]:
    """The drone's map position, sampled while it flies."""
    seen = []
    for _ in range(count):
        seen.append((int(page.get_attribute(SCENE, "data-x")), int(page.get_attribute(SCENE, "data-y"))))
        page.wait_for_timeout(every_s * 1000)
    return seen


@pytest.mark.timeout(400)
def test_the_visitor_taps_a_route_loses_through_the_rock_then_wins_around_it(tmp_path):
    island = labs_dir() / "11-island-delivery" / "kiosk.ipynb"
    with kiosk_lab_page(tmp_path, island, "11-island-delivery", "?lang=en") as page:
        page.wait_for_selector(f"{SCENE}[data-ready='1']", timeout=120_000)
        scene = page.locator(SCENE)
        box = scene.bounding_box()
        assert box["width"] > 500 and box["height"] > 500  # the map is the big thing on screen
        assert page.locator(f"{SCENE} svg polygon").count() >= 2  # the mainland and the island, before any tap
        assert scene.get_attribute("role") == "application" and scene.get_attribute("aria-label")
        body = page.inner_text("body")
        assert t("drone.kiosk.delivery.help", "en") in body and "Delivered" not in body
        assert not re.search(r"[\uac00-\ud7a3]", body.replace("한국어", ""))  # one language
        page.screenshot(path=str(tmp_path / "island-before.png"))

        # 1. straight across: the drone flies over the rock -> a try-again with the reason
        page.get_by_role("button", name=t("drone.kiosk.delivery.fly", "en")).click()
        page.wait_for_selector(f"{SCENE}[data-playing='1']", timeout=30_000)
        moving = _positions(page, 6)
        assert len(set(moving)) >= 3, moving  # seen flying, not jumping to the end
        lose = page.locator(".youthlab-kiosk-banner-lose")
        lose.wait_for(timeout=90_000)
        why = page.locator(".youthlab-kiosk-status")
        assert "no-fly zone" in why.inner_text() and "Seabird rock" in why.inner_text()  # why it lost
        page.screenshot(path=str(tmp_path / "island-lose.png"))

        # 2. a tap on the rock is refused; a tap west of it is a stop (the old result goes)
        rock = (154.8, 151.3)
        page.mouse.click(*scene_point(page, *rock))
        page.wait_for_selector(f"text={t('drone.kiosk.delivery.on_rock', 'en')}", timeout=30_000)
        assert scene.get_attribute("data-stops") == "0"
        page.mouse.click(*scene_point(page, 100, 300))
        page.wait_for_selector(f"{SCENE}[data-stops='1']", timeout=30_000)
        assert lose.count() == 0 or not lose.is_visible()

        # 3. the keyboard places a stop too: focus the map, arrows move a cursor, Enter drops it
        scene.focus()
        for key in ("ArrowUp",) * 5 + ("Enter",):
            page.keyboard.press(key)
        page.wait_for_selector(f"{SCENE}[data-stops='2']", timeout=30_000)
        page.get_by_role("button", name=t("drone.kiosk.delivery.undo", "en")).click()
        page.wait_for_selector(f"{SCENE}[data-stops='1']", timeout=30_000)

        # 4. around the rock: delivered, the win moment
        page.get_by_role("button", name=t("drone.kiosk.delivery.fly", "en")).click()
        page.locator(".youthlab-kiosk-banner-win").filter(has_text="Delivered!").wait_for(timeout=90_000)
        wait_still(page)
        assert abs(int(scene.get_attribute("data-x"))) < 40 and abs(int(scene.get_attribute("data-y"))) < 40
        assert page.locator(f"{SCENE} svg polyline[stroke='#1c7ed6']").count() >= 1  # the flown route stays drawn
        assert "Traceback" not in page.inner_text("body")
        assert page.is_hidden("#youthlab-cell-error") or page.locator("#youthlab-cell-error").count() == 0
        page.screenshot(path=str(tmp_path / "island-win.png"))
        print("screenshots in", tmp_path)
