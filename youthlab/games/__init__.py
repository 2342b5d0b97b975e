"""Hall games: pygame-ce games for kiosks and big screens, with a board as the controller.

Each game is a class found by entry point (group ``youthlab.games`` in pyproject.toml)
implementing :class:`youthlab.games.base.Game`; :mod:`.shell` wraps any of them with the
attract screen, input, scores and idle reset; :mod:`.stream` plays one in a notebook or
on the Voila kiosk. The folder ``games/<name>/`` holds each game's launcher, kiosk
notebook and picture.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from youthlab.errors import YouthLabError
from youthlab.i18n import both

GROUP = "youthlab.games"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no banner on a kiosk's log


class UnknownGame(YouthLabError):
    key = "games.unknown"
    hint_key = "games.unknown.hint"


def game_names() -> list[str]:
    """The installed games, in the order of the hall's menu."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


def game_class(name: str):
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            return ep.load()
    raise UnknownGame(name=name, names=", ".join(game_names()))


def make_game(name: str, seed: int = 0):
    return game_class(name)(seed=seed)


@dataclass(frozen=True)
class CatalogEntry:
    """What a launcher shows for one game."""

    name: str
    title: dict[str, str]  # {"ko": …, "en": …}
    picture: Path  # PNG in games/<name>/
    kiosk_notebook: Path  # games/<name>/kiosk.ipynb (Voila, streamed frames)
    folder: Path


def catalog() -> list[CatalogEntry]:
    """The games for the kiosk launcher: name, titles ko/en, picture, kiosk notebook."""
    from youthlab.paths import games_dir

    out = []
    for name in game_names():
        folder = games_dir() / name
        out.append(CatalogEntry(name=name, title=both(game_class(name).title_key),
                                picture=folder / "picture.png", kiosk_notebook=folder / "kiosk.ipynb",
                                folder=folder))
    return out
