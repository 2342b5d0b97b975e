"""Text on a game screen: a Hangul font, rendered once per string and size."""

from __future__ import annotations

from functools import lru_cache

import pygame

from youthlab.i18n import t
from youthlab.stamp.fonts import resolve_font

# Hangul and Latin in one font (Debian fonts-nanum), with fallbacks; see youthlab/stamp/fonts.py.
FONT_CHOICES = ("nanum-gothic-bold", "noto-sans-cjk-bold", "nanum-gothic")


@lru_cache(maxsize=None)
def font_path() -> str | None:
    for name in FONT_CHOICES:
        try:
            return str(resolve_font(name).path)
        except Exception:
            continue
    return None  # pygame's own font: no Hangul, but the game still runs


class Text:
    """Draws catalogue texts in the current language (``lang`` switches in game)."""

    def __init__(self, lang: str = "ko") -> None:
        self.lang = lang
        self._fonts: dict[int, pygame.font.Font] = {}
        self._cache: dict[tuple[str, int, tuple[int, int, int]], pygame.Surface] = {}

    def font(self, size: int) -> pygame.font.Font:
        f = self._fonts.get(size)
        if f is None:
            if not pygame.font.get_init():
                pygame.font.init()
            f = self._fonts[size] = pygame.font.Font(font_path(), size)
        return f

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def render(self, text: str, size: int, color: tuple[int, int, int] = (255, 255, 255)) -> pygame.Surface:
        k = (text, size, color)
        s = self._cache.get(k)
        if s is None:
            if len(self._cache) > 512:
                self._cache.clear()
            s = self._cache[k] = self.font(size).render(text, True, color)
        return s

    def blit(self, surface: pygame.Surface, text: str, size: int, pos: tuple[int, int],
             color: tuple[int, int, int] = (255, 255, 255), anchor: str = "topleft",
             max_width: int | None = None) -> pygame.Rect:
        """Draw ``text``; with ``max_width``, a smaller size where it would not fit (a
        longer English line than the Korean one the layout was drawn for)."""
        img = self.render(text, size, color)
        while max_width and img.get_width() > max_width and size > 12:
            size = max(12, min(size - 1, int(size * max_width / img.get_width())))
            img = self.render(text, size, color)
        rect = img.get_rect(**{anchor: pos})
        surface.blit(img, rect)
        return rect
