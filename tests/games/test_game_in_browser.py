"""A streamed game played in headless Chromium through the kiosk service (Voila)."""

from __future__ import annotations

import json

import pytest

from tests.kiosk.labpage import kiosk_lab_page
from youthlab.paths import games_dir


@pytest.mark.timeout(300)
def test_sorting_office_plays_on_the_kiosk_page(tmp_path):
    with kiosk_lab_page(tmp_path, games_dir() / "sorting-office" / "kiosk.ipynb", "game-sorting-office") as page:
        game = page.locator(".ylab-game")
        game.wait_for(timeout=120_000)
        page.wait_for_function("() => Number(document.querySelector('.ylab-game').dataset.frames || 0) > 5",
                               timeout=60_000)
        assert game.get_attribute("data-state") == "attract"
        page.locator(".ylab-game-screen").click()  # a touch starts the game
        page.wait_for_function("() => document.querySelector('.ylab-game').dataset.state === 'play'",
                               timeout=30_000)
        for key in ("ArrowRight", "Space", "ArrowRight", "Space"):
            page.keyboard.press(key)
        page.wait_for_function("() => JSON.parse(document.querySelector('.ylab-game').dataset.latency || '[]')"
                               ".length >= 4", timeout=30_000)
        frames0 = int(game.get_attribute("data-frames"))
        page.wait_for_timeout(2000)  # measure the frame rate over two seconds of play
        fps = float(game.get_attribute("data-fps"))
        latency = json.loads(game.get_attribute("data-latency"))
        shot = tmp_path / "sorting-office-browser.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}; fps {fps}; input-to-screen ms {latency}")
        assert int(game.get_attribute("data-frames")) > frames0 + 20
        assert max(latency) < 1000
