"""The hall games on the kiosk: listed by the launcher next to the labs, opened from their
tile in headless Chromium (the game streams frames), and nothing else under games/ reachable."""

from __future__ import annotations

import json

import pytest
import requests

from tests.kiosk.browser import browser, kiosk_server, leave
from youthlab.games import catalog
from youthlab.kiosk.apps import find_apps, is_kiosk_notebook, kiosk_apps, kiosk_notebook_file

LAB_NOTEBOOK = {
    "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
               "source": "print('harbour lab')"}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                 "youthlab": {"kiosk": {"title": {"ko": "항구 실험실", "en": "Harbour lab"}, "icon": "⚓"}}},
    "nbformat": 4, "nbformat_minor": 5,
}


@pytest.fixture
def labs(tmp_path):
    lab = tmp_path / "labs" / "01-harbour"
    lab.mkdir(parents=True)
    (lab / "kiosk.ipynb").write_text(json.dumps(LAB_NOTEBOOK), encoding="utf-8")
    (lab / "answers.ipynb").write_text(json.dumps(LAB_NOTEBOOK), encoding="utf-8")
    return tmp_path / "labs"


def test_games_are_kiosk_apps_and_nothing_else_under_games(labs):
    names = [e.name for e in catalog()]
    assert names == ["island-delivery", "robot-postman", "sorting-office"]
    assert [a.lab for a in find_apps(labs)] == ["01-harbour"]  # `youthlab kiosk <lab>`: labs only
    assert [a.lab for a in kiosk_apps(labs)] == ["01-harbour"] + [f"games.{n}" for n in names]
    for name in names:
        path = f"games/{name}/kiosk.ipynb"
        assert is_kiosk_notebook(path)
        assert kiosk_notebook_file(labs, path).read_bytes().startswith(b"{")
    for path in ("games/island-delivery/__main__.py", "games/island-delivery/picture.png", "games/README.md",
                 "games/no-such-game/kiosk.ipynb", "games/../01-harbour/kiosk.ipynb",
                 "games/island-delivery/../robot-postman/kiosk.ipynb", "01-harbour/answers.ipynb"):
        assert not is_kiosk_notebook(path), path
        assert kiosk_notebook_file(labs, path) is None, path


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_launcher_lists_the_games_and_a_tile_opens_the_streamed_game(labs, tmp_path):
    with kiosk_server(labs) as kiosk, browser() as b:
        # Nothing under games/ but the kiosk notebooks, whatever the URL.
        for path in ("voila/render/games/island-delivery/__main__.py", "voila/render/games/README.md",
                     "voila/render/games/no-such-game/kiosk.ipynb", "voila/files/games/island-delivery/kiosk.ipynb",
                     "voila/render/games/%2E%2E/01-harbour/answers.ipynb", "voila/render/01-harbour/answers.ipynb"):
            r = requests.get(kiosk + path, timeout=60, allow_redirects=False)
            assert r.status_code in (403, 404), (path, r.status_code)
            assert "import" not in r.text and "Traceback" not in r.text
        qr = requests.get(kiosk + "kiosk/qr/games.island-delivery.svg", timeout=30)
        assert qr.status_code == 200 and b"<svg" in qr.content

        page = b.new_page(viewport={"width": 1280, "height": 800})
        for lang, titles in (("ko", ["섬마을 드론 배달", "항구 실험실"]), ("en", ["Island Drone Delivery", "Harbour lab"])):
            page.goto(f"{kiosk}?lang={lang}", timeout=60_000)
            tiles = page.locator("a.app")
            assert tiles.count() == 4
            text = page.inner_text("main")
            for entry in catalog():
                assert entry.title[lang] in text, (lang, entry.title[lang])
            for title in titles:
                assert title in text
            game_tile = page.locator("a.app[data-lab='games.island-delivery']")
            assert game_tile.get_attribute("href").endswith(
                f"voila/render/games/island-delivery/kiosk.ipynb?lang={lang}")
        page.screenshot(path=str(tmp_path / "launcher-en.png"))

        page.goto(f"{kiosk}?lang=ko", timeout=60_000)
        page.locator("a.app[data-lab='games.island-delivery']").click()
        game = page.locator(".ylab-game")
        game.wait_for(timeout=180_000)
        page.wait_for_function("() => Number(document.querySelector('.ylab-game').dataset.frames || 0) > 5",
                               timeout=90_000)
        assert game.get_attribute("data-state") == "attract"
        assert "/voila/render/games/island-delivery/kiosk.ipynb" in page.url
        assert "Traceback" not in page.inner_text("body")
        shot = tmp_path / "island-delivery-kiosk.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        leave(page, kiosk)

        page.goto(f"{kiosk}?lang=en", timeout=60_000)  # an English visitor's game
        page.locator("a.app[data-lab='games.sorting-office']").click()
        page.wait_for_function("() => Number(document.querySelector('.ylab-game')?.dataset.frames || 0) > 5",
                               timeout=120_000)
        assert "/voila/render/games/sorting-office/kiosk.ipynb?lang=en" in page.url
        assert page.inner_text("#youthlab-lang") == "한국어"  # the page is in English
        page.screenshot(path=str(tmp_path / "sorting-office-kiosk-en.png"))
        leave(page, kiosk)
