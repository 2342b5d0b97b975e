"""The hall games on the kiosk design: what a visitor does with the panel, and what they must then see.

A play starts the game with the panel's big button, steers with the arrow pad, and
returns once the game is on (the frame's state is "play" and the status line says so)
and the streamed frame has changed under the visitor's taps."""

from __future__ import annotations

from youthlab.i18n import t

FRAMES = "() => Number(document.querySelector('.ylab-game')?.dataset.frames || 0)"


def _scene(page) -> bytes:
    return page.locator(".youthlab-kiosk-scene img").screenshot()


def _play(page, lang: str) -> None:
    page.wait_for_function(f"{FRAMES} > 3", timeout=60_000)  # the stream is running
    assert page.get_attribute(".ylab-game", "data-state") == "attract"
    page.click(".ylab-game-action")
    page.wait_for_selector(".ylab-game[data-state='play']", timeout=20_000)
    page.wait_for_selector(f".youthlab-kiosk-status:has-text('{t('games_kiosk.playing', lang)[:10]}')",
                           timeout=20_000)
    before = _scene(page)
    for place in ("right", "up", "right", "left"):
        page.click(f".youthlab-kiosk-arrow-{place}")
    shown = page.evaluate(FRAMES)
    page.wait_for_function(f"{FRAMES} > {shown + 3}", timeout=20_000)
    assert _scene(page) != before, "the game's frame did not change while playing"
    assert page.get_attribute(".ylab-game", "data-state") in ("play", "over")


PLAYS = {
    "games.island-delivery": _play,
    "games.robot-postman": _play,
    "games.sorting-office": _play,
}
