"""Sorting Office: put each letter in the bin of its region, by the postal code, before
the clock runs out. Korean postal codes are five digits; the first two name the region."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pygame

from youthlab.games.base import LOST, PLAYING, WON
from youthlab.games.controls import Controls
from youthlab.games.text import Text


@dataclass(frozen=True)
class Region:
    key: str  # catalogue key of the region's name
    first: tuple[int, ...]  # first two digits of its postal codes
    towns: tuple[str, ...]  # catalogue keys of towns there (shown as the address)
    color: tuple[int, int, int]


REGIONS = (
    Region("games.sorting.region.seoul", tuple(range(1, 10)), ("games.sorting.town.jongno", "games.sorting.town.mapo"),
           (66, 133, 244)),
    Region("games.sorting.region.busan", (46, 47, 48, 49), ("games.sorting.town.haeundae", "games.sorting.town.saha"),
           (52, 168, 83)),
    Region("games.sorting.region.jeonnam", (57, 58, 59), ("games.sorting.town.goheung", "games.sorting.town.yeosu"),
           (251, 188, 5)),
    Region("games.sorting.region.jeju", (63,), ("games.sorting.town.jeju", "games.sorting.town.seogwipo"),
           (234, 67, 53)),
)


@dataclass
class Letter:
    code: str
    town: str  # catalogue key
    region: int


class SortingOffice:
    name = "sorting-office"
    title_key = "games.sorting.title"
    how_key = "games.sorting.how"
    time_limit = 60.0
    goal = 10
    max_mistakes = 3
    touch_pad = False  # the bins themselves are the touch targets

    def __init__(self, seed: int = 0) -> None:
        self.reset(seed)

    def reset(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.status = PLAYING
        self.reason_key = ""
        self.score = 0
        self.sorted = 0
        self.mistakes = 0
        self.clock = self.time_limit
        self.selected = 0
        self.flash = 0.0
        self.flash_ok = True
        self.letter = self._new_letter()

    def _new_letter(self) -> Letter:
        i = self.rng.randrange(len(REGIONS))
        r = REGIONS[i]
        code = f"{self.rng.choice(r.first):02d}{self.rng.randrange(1000):03d}"
        return Letter(code, self.rng.choice(r.towns), i)

    # -- play -----------------------------------------------------------------------------
    def sort_into(self, bin_index: int) -> None:
        if self.status != PLAYING:
            return
        ok = bin_index == self.letter.region
        self.flash, self.flash_ok = 0.4, ok
        if ok:
            self.sorted += 1
            self.score += 100
        else:
            self.mistakes += 1
        if self.sorted >= self.goal:
            self.status, self.reason_key = WON, "games.sorting.won"
            self.score += int(self.clock) * 10
        elif self.mistakes >= self.max_mistakes:
            self.status, self.reason_key = LOST, "games.sorting.too_many_mistakes"
        self.letter = self._new_letter()

    def update(self, dt: float, controls: Controls) -> None:
        if self.status != PLAYING:
            return
        self.clock = max(0.0, self.clock - dt)
        self.flash = max(0.0, self.flash - dt)
        self.selected = (self.selected + controls.take_taps_x()) % len(REGIONS)
        if controls.take_action():
            self.sort_into(self.selected)
        if self.clock <= 0 and self.status == PLAYING:
            self.status, self.reason_key = LOST, "games.sorting.time_up"

    def _bins(self, size: tuple[int, int]) -> list[pygame.Rect]:
        w, h = size
        n = len(REGIONS)
        bw = w // (n + 1)
        gap = (w - n * bw) // (n + 1)
        return [pygame.Rect(gap + i * (bw + gap), int(h * 0.62), bw, int(h * 0.3)) for i in range(n)]

    def tap(self, pos: tuple[int, int], size: tuple[int, int]) -> bool:
        for i, rect in enumerate(self._bins(size)):
            if rect.collidepoint(pos):
                self.selected = i
                self.sort_into(i)
                return True
        return False

    def draw(self, surface: pygame.Surface, text: Text) -> None:
        w, h = surface.get_size()
        surface.fill((245, 240, 228))
        u = h / 720
        # the letter
        card = pygame.Rect(0, 0, int(w * 0.42), int(h * 0.3))
        card.center = (w // 2, int(h * 0.3))
        border = (0, 0, 0) if not self.flash else ((0, 170, 0) if self.flash_ok else (220, 0, 0))
        pygame.draw.rect(surface, (255, 255, 255), card)
        pygame.draw.rect(surface, border, card, max(2, int(6 * u)))
        pygame.draw.rect(surface, (228, 0, 43), (card.right - int(70 * u), card.top + int(14 * u),
                                                 int(56 * u), int(66 * u)))
        text.blit(surface, text.t(self.letter.town), int(40 * u), (card.left + int(24 * u), card.top + int(40 * u)),
                  (30, 30, 30))
        text.blit(surface, self.letter.code, int(64 * u), (card.left + int(24 * u), card.bottom - int(24 * u)),
                  (0, 0, 0), anchor="bottomleft")
        # the bins
        for i, (rect, region) in enumerate(zip(self._bins((w, h)), REGIONS)):
            pygame.draw.rect(surface, region.color, rect, border_radius=int(12 * u))
            if i == self.selected:
                pygame.draw.rect(surface, (0, 0, 0), rect.inflate(int(12 * u), int(12 * u)), max(3, int(6 * u)),
                                 border_radius=int(16 * u))
            text.blit(surface, text.t(region.key), int(34 * u), (rect.centerx, rect.top + int(50 * u)),
                      (255, 255, 255), anchor="center")
            first = region.first
            codes = f"{first[0]:02d}–{first[-1]:02d}" if len(first) > 1 else f"{first[0]:02d}"
            text.blit(surface, codes + "xxx", int(30 * u), (rect.centerx, rect.top + int(120 * u)),
                      (255, 255, 255), anchor="center")
        # the score line
        text.blit(surface, text.t("games.hud.time", seconds=int(self.clock + 0.999)), int(34 * u),
                  (int(20 * u), int(16 * u)), (20, 20, 20))
        text.blit(surface, text.t("games.sorting.hud", done=self.sorted, goal=self.goal,
                                  mistakes=self.mistakes, most=self.max_mistakes),
                  int(34 * u), (w // 2, int(16 * u)), (20, 20, 20), anchor="midtop")
