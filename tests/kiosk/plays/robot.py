"""The robot apps: what a visitor does in the app, and what they must then see (owned by the app's area).

Each play takes the page and the language on screen (Korean unless told)."""

from __future__ import annotations

import re

from youthlab.i18n import t


def _line_follower(page, lang: str = "ko") -> None:
    """Speed up to full with the [+] button, steering as it is, Go: the robot drives to the flag."""
    page.wait_for_selector(".youthlab-kiosk-scene img", timeout=60_000)
    plus = page.locator(".youthlab-kiosk-stepper-plus").first
    for _ in range(5):
        plus.click()
    page.wait_for_selector(".youthlab-kiosk-stepper-value:has-text('10')", timeout=30_000)
    page.click(".youthlab-kiosk-primary")
    page.wait_for_selector(f".youthlab-kiosk-status:has-text('{t('robot_kiosk.line.driving', lang)}')",
                           timeout=30_000)
    page.wait_for_selector(".youthlab-kiosk-banner-win", timeout=90_000)
    best = page.locator(".youthlab-kiosk-controls").filter(has_text=re.compile(r"[0-9]+\.[0-9]"))
    best.wait_for(timeout=10_000)  # the best time is on the panel


def _postman(page, lang: str = "ko") -> None:
    """Press the route to the three houses step by step (each redraws the map), Go: all delivered."""
    from youthlab.robot.route import plan
    from youthlab.robot.worlds import load_world

    page.wait_for_selector(".youthlab-kiosk-scene img", timeout=60_000)
    picture = ".youthlab-kiosk-scene img"
    for step in plan(load_world("town")):
        before = page.get_attribute(picture, "src")
        page.locator(f".ylab-robot-step-{step}").click()
        # as a visitor does: the next tap once the map shows this one (the buttons offered change with it)
        page.wait_for_function("([sel, old]) => { const i = document.querySelector(sel); return i && i.src !== old; }",
                               arg=[picture, before], timeout=30_000)
    page.wait_for_selector(f".youthlab-kiosk-status:has-text('{t('robot_kiosk.postman.ready', lang)[:8]}')",
                           timeout=30_000)
    page.click(".youthlab-kiosk-primary")
    page.wait_for_selector(".youthlab-kiosk-banner-win", timeout=90_000)
    page.wait_for_selector(f".youthlab-kiosk-banner-win:has-text('{t('robot_kiosk.postman.win', lang, n=3)[:10]}')",
                           timeout=10_000)


PLAYS = {
    "30-line-follower": _line_follower,
    "31-robot-postman": _postman,
}
