"""A hall game on the kiosk design, kernel side: the panel drives the game through the same
Controls as the keyboard, the status line follows the game, one language on screen."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from youthlab.i18n import t


def _app(monkeypatch, tmp_path, name: str, lang: str):
    from youthlab.games import kiosk_app

    shown = []
    monkeypatch.setattr("youthlab.kiosk.ui.display", shown.append)
    widget = kiosk_app.kiosk_game(name, lang=lang, scores_dir=tmp_path, idle_seconds=60)
    return widget, shown[-1]


def _buttons(app):
    out = []
    stack = [app]
    while stack:
        node = stack.pop()
        if type(node).__name__ == "Button":
            out.append(node)
        stack.extend(getattr(node, "children", ()))
    return out


def _tick_until(widget, pred, seconds: float = 5.0) -> None:
    """Run the game's frames here (the browser never asked for them in this test)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        widget._frame(1 / 30)
        widget.state = widget.shell.state
        if pred():
            return
    raise AssertionError("the game never got there")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_panel_starts_and_steers_the_game_and_the_status_line_follows(monkeypatch, tmp_path, lang):
    widget, app = _app(monkeypatch, tmp_path, "robot-postman", lang)
    try:
        game = widget.shell.game
        assert "youthlab-kiosk-stage" in app._dom_classes and widget.fill
        assert Image.open(io.BytesIO(widget.poster)).size == (1280, 720)  # a picture before any frame
        assert t(game.title_key, lang) in widget.label and t(game.how_key, lang) in widget.label
        status = app.children[1].children[1].children[0]  # the panel's status line
        assert t(game.how_key, lang) in status.value.replace("&#x27;", "'")
        buttons = _buttons(app)
        action = next(b for b in buttons if "ylab-game-action" in b._dom_classes)
        up = next(b for b in buttons if "youthlab-kiosk-arrow-up" in b._dom_classes)
        action.click()  # on the attract screen: start
        assert widget.shell.state == "play"
        widget.state = "play"
        assert t("games_kiosk.playing", lang)[:8] in status.value
        start = (game.body.x, game.body.y)
        up.click()  # held for a moment, through the panel's own source
        assert widget.shell.controls.dy == 1
        _tick_until(widget, lambda: abs(game.body.x - start[0]) + abs(game.body.y - start[1]) > 2, seconds=2)  # it drove
        _tick_until(widget, lambda: widget.shell.controls.dy == 0, seconds=2)  # let go after the hold
        other = "en" if lang == "ko" else "ko"
        assert t("games_kiosk.playing", other)[:8] not in status.value
    finally:
        widget.stop()
        widget._thread.join(timeout=5)


def test_sorting_arrows_step_the_bin_and_the_game_has_no_language_button(monkeypatch, tmp_path):
    import pygame

    from youthlab.games.sorting_office import REGIONS

    widget, app = _app(monkeypatch, tmp_path, "sorting-office", "ko")
    try:
        shell, game = widget.shell, widget.shell.game
        right = next(b for b in _buttons(app) if "youthlab-kiosk-arrow-right" in b._dom_classes)
        right.click()  # attract: a key starts the game
        assert shell.state == "play"
        before = game.selected
        right.click()
        widget._frame(1 / 30)
        assert game.selected == (before + 1) % len(REGIONS)  # one tap, one bin to the right
        shell.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F2, unicode="", mod=0))
        assert shell.text.lang == "ko"  # F2 does not switch: the page's button does
        assert not shell.lang_button().colliderect(shell.surface.get_rect())
    finally:
        widget.stop()
        widget._thread.join(timeout=5)
