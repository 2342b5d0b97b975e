"""The drone apps: what a visitor does in the app, and what they must then see (owned by the app's area).

Each play takes the page and the language on screen (Korean unless told)."""

from __future__ import annotations

import re

from youthlab.i18n import t

SCENE = ".ylab-drone-scene"


def scene_point(page, x_cm: float, y_cm: float) -> tuple[float, float]:
    """Where on the screen the map point (x north, y west, cm) is drawn."""
    return tuple(page.evaluate(
        """([x, y]) => {
             const svg = document.querySelector('.ylab-drone-scene svg');
             const p = svg.createSVGPoint(); p.x = -y; p.y = -x;
             const q = p.matrixTransform(svg.getScreenCTM());
             return [q.x, q.y];
           }""", [x_cm, y_cm]))


def wait_still(page, timeout: float = 60_000) -> None:
    """Until the scene has played every flight it was sent."""
    page.wait_for_function(
        "() => { const s = document.querySelector('.ylab-drone-scene');"
        " return s && s.dataset.playing !== '1'; }", timeout=timeout)


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def _takeoff(page, lang: str = "ko") -> None:
    """Take off (the drone rises on the map), fly to the star and back, land on the H: the win."""
    page.wait_for_selector(f"{SCENE}[data-ready='1']", timeout=120_000)
    page.get_by_role("button", name=t("drone.kiosk.pilot.takeoff", lang)).click()
    page.wait_for_selector(f"{SCENE}[data-played='1']", timeout=60_000)
    assert int(page.get_attribute(SCENE, "data-z")) > 50  # the drone is shown in the air
    page.wait_for_selector(f"text={t('drone.kiosk.pilot.find_star', lang)}", timeout=30_000)
    for place in ("up", "up", "right", "right"):  # forward twice, right twice: the star
        page.click(f".youthlab-kiosk-arrow-{place}")
    page.wait_for_selector(f"text={t('drone.kiosk.pilot.got_star', lang)}", timeout=60_000)
    for place in ("down", "down", "left", "left"):  # and back over the H
        page.click(f".youthlab-kiosk-arrow-{place}")
    page.get_by_role("button", name=t("drone.kiosk.pilot.land", lang)).click()
    win = t("drone.kiosk.pilot.win", lang)
    page.wait_for_selector(f".youthlab-kiosk-banner-win:has-text('{win}')", timeout=90_000)
    wait_still(page)
    assert abs(int(page.get_attribute(SCENE, "data-x"))) < 30 and int(page.get_attribute(SCENE, "data-z")) < 5


def _delivery(page, lang: str = "ko") -> None:
    """Tap one stop west of the seabird rock on the map, press Deliver, see the parcel arrive."""
    page.wait_for_selector(f"{SCENE}[data-ready='1']", timeout=120_000)
    page.mouse.click(*scene_point(page, 100, 300))
    page.wait_for_selector(f"{SCENE}[data-stops='1']", timeout=30_000)
    page.get_by_role("button", name=t("drone.kiosk.delivery.fly", lang)).click()
    page.wait_for_selector(f"text={t('drone.kiosk.delivery.flying', lang)}", timeout=30_000)
    win = re.escape(t("drone.kiosk.delivery.win", lang, score="@")).replace("@", "[0-9]+")
    page.locator(".youthlab-kiosk-banner-win").filter(has_text=re.compile(win)).wait_for(timeout=90_000)


PLAYS = {
    "10-first-flight": _takeoff,
    "11-island-delivery": _delivery,
}
