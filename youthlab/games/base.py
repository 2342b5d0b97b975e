"""The one interface every hall game implements (the shell does menus, scores, input)."""

from __future__ import annotations

from typing import Protocol

import pygame

from youthlab.games.controls import Controls
from youthlab.games.text import Text

PLAYING, WON, LOST = "playing", "won", "lost"


class Game(Protocol):
    """A game: pure state + drawing; time only advances through :meth:`update`."""

    name: str  # short id, e.g. "sorting-office"
    title_key: str  # catalogue key of its title
    how_key: str  # catalogue key: one line on how to play
    status: str  # PLAYING, WON or LOST
    reason_key: str  # catalogue key: why it ended
    score: int

    def reset(self, seed: int = 0) -> None: ...

    def update(self, dt: float, controls: Controls) -> None: ...

    def draw(self, surface: pygame.Surface, text: Text) -> None: ...

    def tap(self, pos: tuple[int, int], size: tuple[int, int]) -> bool:
        """A touch/click at ``pos`` the game itself handles (True) or not."""
        ...
