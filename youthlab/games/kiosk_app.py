"""A hall game as a kiosk app on the one kiosk design (``games/<name>/kiosk.ipynb``).

The streamed frame (:mod:`youthlab.games.stream`) is the stage's scene; the controls panel
has a big arrow pad with a big round action button in its middle for a touch screen, and the status line says
how to play, that the game is on, and how it ended. The panel feeds the very
:class:`~youthlab.games.controls.Controls` the keyboard and the frame's touch feed, as its
own source (:data:`SOURCE`), so a game never knows which device moved it. The game starts
in the page's language and has no language button of its own: the frame's button
switches the whole page. The game's attract screen, idle reset and high scores stay as
they are.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from youthlab.games.shell import ATTRACT, INITIALS, OVER, PLAY
from youthlab.games.stream import GameWidget
from youthlab.i18n import current_language, t
from youthlab.kiosk.ui import KioskUI
from youthlab.paths import games_dir

SOURCE = "panel"  # the arrow pad's source in Controls (next to "keys", "pointer", "board")
HOLD_SECONDS = 0.35  # one tap on an arrow holds that direction this long (taps in a row keep it held)
DIRECTIONS = {"up": (0, 1), "down": (0, -1), "left": (-1, 0), "right": (1, 0)}


def game_icon(name: str) -> str:
    """The game's picture as its launcher tile shows it (the kiosk notebook's metadata)."""
    try:
        meta = json.loads((games_dir() / name / "kiosk.ipynb").read_text(encoding="utf-8"))
        return str(meta["metadata"]["youthlab"]["kiosk"]["icon"])
    except (OSError, ValueError, KeyError, TypeError):
        return "🎮"


class ArrowHold:
    """Arrow taps on the panel as a held direction: each tap holds it :data:`HOLD_SECONDS`."""

    def __init__(self, widget: GameWidget) -> None:
        self.widget = widget
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def press(self, place: str) -> None:
        dx, dy = DIRECTIONS[place]
        controls = self.widget.shell.controls
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self.widget.shell.state != PLAY:  # menus (start, initials) answer keys
                self.widget.press_key({"up": "K_UP", "down": "K_DOWN", "left": "K_LEFT", "right": "K_RIGHT"}[place])
                return
            controls.set_direction(SOURCE, 0, 0)  # a new push each tap (a step for games that count them)
            controls.set_direction(SOURCE, dx, dy)
            self._timer = threading.Timer(HOLD_SECONDS, self.release)
            self._timer.daemon = True
            self._timer.start()

    def release(self) -> None:
        self.widget.shell.controls.set_direction(SOURCE, 0, 0)

    def action(self) -> None:
        """The big button: the game's action while playing, "go on" in its menus."""
        if self.widget.shell.state == PLAY:
            self.widget.shell.controls.press_action()
        else:
            self.widget.press_key("K_RETURN")


def kiosk_game(name: str, lang: str | None = None, **widget_options: Any) -> GameWidget:
    """Show game ``name`` full screen on the kiosk design; returns its :class:`GameWidget`."""
    lang = lang or current_language()
    widget = GameWidget(name, lang=lang, one_language=True, fill=True, **widget_options)
    game = widget.shell.game
    widget.label = f"{t(game.title_key, lang)}. {t(game.how_key, lang)}"
    ui = KioskUI(game.title_key, icon=game_icon(name), lang=lang)
    hold = ArrowHold(widget)
    # The action button sits in the middle of the cross, like a game pad's: the panel keeps
    # room for the how-to-play line in large type on a 1280x800 screen.
    actions = {place: (lambda p=place: hold.press(p)) for place in DIRECTIONS}
    pad = ui.arrow_pad({**actions, "center": hold.action})
    action = next(b for b in pad.children if "youthlab-kiosk-arrow-center" in b._dom_classes)
    ui.bind(action, "tooltip", "games_kiosk.action")
    action.add_class("ylab-game-action")

    def show_state(change: dict) -> None:
        state = change["new"]
        if state == PLAY:
            ui.say("games_kiosk.playing")
        elif state == OVER:
            won = game.status == "won"
            ui.say("games_kiosk.over.won" if won else "games_kiosk.over.lost", kind="success" if won else "warning",
                   reason=t(game.reason_key, lang), score=game.score)
        elif state == INITIALS:
            ui.say("games_kiosk.initials")
        elif state == ATTRACT:
            ui.say(game.how_key)

    widget.observe(ui.safe(show_state), names="state")
    ui.stage(widget, [pad], scene_key=None)
    show_state({"new": widget.state})
    return widget
