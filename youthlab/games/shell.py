"""The game shell: one frame loop around any :class:`~youthlab.games.base.Game`.

It owns what every hall game shares: the attract screen (title, how to play, high
scores) while nobody plays, keyboard / mouse / touch / board input merged into one
:class:`Controls`, ko/en text switched by a button, the initials board, the idle reset
(the Voila kiosks' ``idle_seconds``) and, on a kiosk, the staff exit by PIN.

Time only moves through :meth:`GameShell.tick` (``dt`` seconds), so tests and the
browser stream drive the very same code as the window loop of :meth:`GameShell.run`.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Callable

import pygame

from youthlab.errors import YouthLabError
from youthlab.games.base import PLAYING, WON, Game
from youthlab.games.controls import Controls, board_reading
from youthlab.games.scores import Entry, HighScores
from youthlab.games.text import Text
from youthlab.kiosk.security import device_throttle
from youthlab.paths import own_data_dir

ATTRACT, PLAY, OVER, INITIALS, PIN = "attract", "play", "over", "initials", "pin"
LEFT_KEYS = {pygame.K_LEFT, pygame.K_a}
RIGHT_KEYS = {pygame.K_RIGHT, pygame.K_d}
UP_KEYS = {pygame.K_UP, pygame.K_w}
DOWN_KEYS = {pygame.K_DOWN, pygame.K_s}
ACTION_KEYS = {pygame.K_SPACE, pygame.K_RETURN, pygame.K_KP_ENTER}
OVER_SECONDS = 6.0  # the result stays this long before the attract screen comes back
PIN_KEYS = "123456789<0>"  # the on-screen PIN pad: < rubs out, > is OK


def init_pygame(headless: bool = False) -> None:
    """Video (and fonts) only: a hall PC may have no sound card, and sound is optional."""
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()


class GameShell:
    """Menus, input, scores and idle reset around one game (see the module docstring)."""

    def __init__(self, game: Game, *, size: tuple[int, int] = (1280, 720), lang: str = "ko",
                 scores_dir: str | os.PathLike | None = None, idle_seconds: float = 90.0,
                 staff_pin: str | None = None, surface: pygame.Surface | None = None,
                 seed: int = 0) -> None:
        self.game = game
        self.size = size
        self.default_lang = lang
        self.text = Text(lang)
        self.controls = Controls()
        self.scores = HighScores(scores_dir or default_scores_dir(), game.name)
        self.idle_seconds = idle_seconds
        self.staff_pin = staff_pin  # None: Escape quits (a desk); "": no exit (kiosk with PIN off)
        self.surface = surface if surface is not None else pygame.Surface(size)
        self.seed = seed
        self.state = ATTRACT
        self.running = True
        self.idle = 0.0
        self.clock = 0.0
        self.state_time = 0.0
        self.initials = ["A", "A", "A"]
        self.slot = 0
        self.pin_typed = ""
        self.pin_message = ""
        self.last_board: list[Entry] = []  # the board after the last save
        self._keys: set[int] = set()
        self._pointer: tuple[int, int] | None = None
        self._seen_input = self.controls.last_input
        self._throttle = None
        self.game.reset(seed)

    # -- input -------------------------------------------------------------------------------
    def attach_board(self, session) -> Callable[[dict], None]:
        """Take the readings of ``hardware/micropython/controller.py`` running on a board
        (a :class:`youthlab.boards.Session`'s data channel) as input; returns the listener."""
        def listener(row: dict) -> None:
            board_reading(self.controls, row)
        session.data.listeners.append(listener)
        return listener

    def _keyboard_direction(self) -> None:
        k = self._keys
        dx = (1 if k & RIGHT_KEYS else 0) - (1 if k & LEFT_KEYS else 0)
        dy = (1 if k & UP_KEYS else 0) - (1 if k & DOWN_KEYS else 0)
        self.controls.set_direction("keys", dx, dy)

    def lang_button(self) -> pygame.Rect:
        w, h = self.size
        u = h / 720
        return pygame.Rect(w - int(150 * u), int(10 * u), int(140 * u), int(56 * u))

    def pad(self) -> tuple[pygame.Rect, pygame.Rect]:
        """The on-screen stick (bottom left) and action button (bottom right) for touch."""
        w, h = self.size
        s = int(h * 0.3)
        return pygame.Rect(int(h * 0.03), h - s - int(h * 0.03), s, s), \
            pygame.Rect(w - s - int(h * 0.03), h - s - int(h * 0.03), s, s)

    def toggle_language(self) -> None:
        self.text.lang = "en" if self.text.lang == "ko" else "ko"

    def handle(self, event: pygame.event.Event) -> None:
        """One pygame event (window loop, tests and the browser stream all come here)."""
        if event.type == pygame.QUIT:
            if self.staff_pin is None:
                self.running = False
            return
        if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN):
            self.idle = 0.0
            self.controls.touch()
        if event.type == pygame.KEYDOWN:
            self._key_down(event)
        elif event.type == pygame.KEYUP:
            self._keys.discard(event.key)
            self._keyboard_direction()
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._pointer_down(event.pos)
        elif event.type == pygame.MOUSEMOTION and self._pointer is not None:
            self._pointer_move(event.pos)
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self._pointer = None
            self.controls.set_direction("pointer", 0, 0)

    def _key_down(self, event: pygame.event.Event) -> None:
        key = event.key
        if key == pygame.K_ESCAPE:
            if self.staff_pin is None:
                self.running = False
            elif self.staff_pin and self.state != PIN:
                self._enter(PIN)
                self.pin_typed, self.pin_message = "", ""
            elif self.state == PIN:
                self._enter(ATTRACT)
            return
        if key == pygame.K_F2:
            self.toggle_language()
            return
        if self.state == PIN:
            ch = getattr(event, "unicode", "") or ""
            if ch.isdigit():
                self._pin_key(ch)
            elif key == pygame.K_BACKSPACE:
                self._pin_key("<")
            elif key in ACTION_KEYS:
                self._pin_key(">")
            return
        if self.state == INITIALS:
            self._initials_key(event)
            return
        self._keys.add(key)
        if self.state == PLAY:
            self._keyboard_direction()
            if key in ACTION_KEYS:
                self.controls.press_action()
        elif self.state == ATTRACT:
            self._start()
        elif self.state == OVER and self.state_time > 1.0:
            self._after_over()

    def _pointer_down(self, pos: tuple[int, int]) -> None:
        if self.lang_button().collidepoint(pos):
            self.toggle_language()
            return
        if self.state == PIN:
            for ch, rect in self._pin_pad():
                if rect.collidepoint(pos):
                    self._pin_key(ch)
            return
        if self.state == INITIALS:
            for i, rect in enumerate(self._initial_slots()):
                if rect.collidepoint(pos):
                    self.initials[i] = chr((ord(self.initials[i]) - 65 + 1) % 26 + 65)
            if self._ok_button().collidepoint(pos):
                self._save_initials()
            return
        if self.state == ATTRACT:
            self._start()
            return
        if self.state == OVER:
            if self.state_time > 1.0:
                self._after_over()
            return
        stick, action = self.pad()
        if not getattr(self.game, "touch_pad", True):
            self.game.tap(pos, self.size)
        elif action.collidepoint(pos):
            self.controls.press_action()
        elif stick.collidepoint(pos):
            self._pointer = stick.center
            self._pointer_move(pos)
        else:
            self.game.tap(pos, self.size)

    def _pointer_move(self, pos: tuple[int, int]) -> None:
        stick = self.pad()[0]
        dx = (pos[0] - stick.centerx) / (stick.width / 2)
        dy = -(pos[1] - stick.centery) / (stick.height / 2)
        self.controls.set_direction("pointer", dx if abs(dx) > 0.25 else 0, dy if abs(dy) > 0.25 else 0)

    # -- states ------------------------------------------------------------------------------
    def _enter(self, state: str) -> None:
        self.state, self.state_time = state, 0.0

    def _start(self) -> None:
        self.seed += 1
        self.game.reset(self.seed)
        self.controls.clear()
        self._keys.clear()
        self._enter(PLAY)

    def _after_over(self) -> None:
        if self.game.status == WON and self.scores.qualifies(self.game.score):
            self.initials, self.slot = ["A", "A", "A"], 0
            self._enter(INITIALS)
        else:
            self._enter(ATTRACT)

    def _initials_key(self, event: pygame.event.Event) -> None:
        ch = (getattr(event, "unicode", "") or "").upper()
        key = event.key
        if len(ch) == 1 and "A" <= ch <= "Z":
            self.initials[self.slot] = ch
            self.slot = min(2, self.slot + 1)
        elif key in UP_KEYS or key in DOWN_KEYS:
            step = 1 if key in UP_KEYS else -1
            self.initials[self.slot] = chr((ord(self.initials[self.slot]) - 65 + step) % 26 + 65)
        elif key in LEFT_KEYS:
            self.slot = max(0, self.slot - 1)
        elif key in RIGHT_KEYS:
            self.slot = min(2, self.slot + 1)
        elif key == pygame.K_BACKSPACE:
            self.slot = max(0, self.slot - 1)
        elif key in ACTION_KEYS:
            self._save_initials()

    def _save_initials(self) -> None:
        try:
            self.last_board = self.scores.add("".join(self.initials), self.game.score)
        except OSError:
            self.last_board = self.scores.entries()  # a full or read-only disk: the game goes on
        self._enter(ATTRACT)

    def _pin_key(self, ch: str) -> None:
        if self._throttle is None:
            self._throttle = device_throttle()
        if ch == "<":
            self.pin_typed = self.pin_typed[:-1]
        elif ch == ">":
            try:
                self._throttle.check("game")
            except YouthLabError as exc:
                self.pin_message, self.pin_typed = exc.message(self.text.lang), ""
                return
            if self.staff_pin and hmac.compare_digest(self.pin_typed.encode(), self.staff_pin.encode()):
                self.running = False
            else:
                self._throttle.failed("game")
                self.pin_message = self.text.t("games.pin.wrong")
            self.pin_typed = ""
        elif len(self.pin_typed) < 32:
            self.pin_typed += ch

    # -- time ----------------------------------------------------------------------------------
    def tick(self, dt: float) -> pygame.Surface:
        """Advance ``dt`` seconds, draw the frame, return the surface."""
        self.clock += dt
        self.state_time += dt
        if self.controls.last_input != self._seen_input:
            self._seen_input = self.controls.last_input
            self.idle = 0.0
        else:
            self.idle += dt
        if self.state != ATTRACT and self.idle >= self.idle_seconds:
            self.reset_to_attract()
        if self.state == PLAY:
            self.game.update(dt, self.controls)
            if self.game.status != PLAYING:
                self.controls.clear()
                self._keys.clear()
                self._enter(OVER)
        elif self.state == OVER and self.state_time >= OVER_SECONDS:
            self._after_over()
        elif self.state == ATTRACT:
            # a board's button or stick starts a game, like a key or a touch
            if self.controls.take_action() or self.controls.dx or self.controls.dy:
                self._start()
        self.draw()
        return self.surface

    def reset_to_attract(self) -> None:
        """The idle reset: the next visitor finds the attract screen in the hall's language."""
        self.game.reset(self.seed)
        self.controls.clear()
        self._keys.clear()
        self.text.lang = self.default_lang
        self.pin_typed = ""
        self.idle = 0.0
        self._enter(ATTRACT)

    # -- drawing ---------------------------------------------------------------------------------
    def draw(self) -> None:
        s, text = self.surface, self.text
        w, h = self.size
        u = h / 720
        self.game.draw(s, text)
        if self.state == PLAY and getattr(self.game, "touch_pad", True):
            stick, action = self.pad()
            pygame.draw.circle(s, (255, 255, 255), stick.center, stick.width // 2, max(2, int(3 * u)))
            pygame.draw.circle(s, (255, 255, 255), action.center, action.width // 3, max(2, int(3 * u)))
            text.blit(s, text.t("games.button.action"), int(26 * u), action.center, anchor="center")
        elif self.state == ATTRACT:
            self._shade(s, 215)
            fit = int(w * 0.94)
            text.blit(s, text.t(self.game.title_key), int(72 * u), (w // 2, int(110 * u)), anchor="center",
                      max_width=fit)
            text.blit(s, text.t(self.game.how_key), int(30 * u), (w // 2, int(190 * u)), anchor="center",
                      max_width=fit)
            text.blit(s, text.t("games.scores.title"), int(34 * u), (w // 2, int(260 * u)), (255, 220, 0),
                      anchor="center")
            for i, e in enumerate(self.scores.entries()[:5]):
                text.blit(s, f"{i + 1}. {e.initials}  {e.score:>7}", int(34 * u),
                          (w // 2, int((310 + 44 * i) * u)), anchor="center")
            if int(self.clock * 2) % 2 == 0:
                text.blit(s, text.t("games.attract.start"), int(44 * u), (w // 2, int(620 * u)), (255, 220, 0),
                          anchor="center")
        elif self.state == OVER:
            self._shade(s, 150)
            won = self.game.status == WON
            text.blit(s, text.t("games.over.won" if won else "games.over.lost"), int(80 * u),
                      (w // 2, int(240 * u)), (120, 255, 120) if won else (255, 120, 120), anchor="center")
            text.blit(s, text.t(self.game.reason_key), int(36 * u), (w // 2, int(330 * u)), anchor="center")
            text.blit(s, text.t("games.over.score", score=self.game.score), int(44 * u), (w // 2, int(400 * u)),
                      anchor="center")
        elif self.state == INITIALS:
            self._shade(s, 200)
            text.blit(s, text.t("games.initials.title"), int(48 * u), (w // 2, int(150 * u)), anchor="center")
            for i, rect in enumerate(self._initial_slots()):
                pygame.draw.rect(s, (255, 220, 0) if i == self.slot else (255, 255, 255), rect, max(2, int(4 * u)))
                text.blit(s, self.initials[i], int(90 * u), rect.center, anchor="center")
            ok = self._ok_button()
            pygame.draw.rect(s, (0, 150, 80), ok, border_radius=int(10 * u))
            text.blit(s, text.t("games.button.ok"), int(36 * u), ok.center, anchor="center")
        elif self.state == PIN:
            self._shade(s, 220)
            text.blit(s, text.t("games.pin.title"), int(40 * u), (w // 2, int(60 * u)), anchor="center")
            text.blit(s, "•" * len(self.pin_typed), int(40 * u), (w // 2, int(110 * u)), anchor="center")
            for ch, rect in self._pin_pad():
                pygame.draw.rect(s, (60, 60, 60), rect, border_radius=int(8 * u))
                label = {"<": "⌫", ">": text.t("games.button.ok")}.get(ch, ch)
                text.blit(s, label, int(36 * u), rect.center, anchor="center")
            if self.pin_message:
                text.blit(s, self.pin_message, int(26 * u), (w // 2, h - int(30 * u)), (255, 120, 120),
                          anchor="center")
        lb = self.lang_button()
        pygame.draw.rect(s, (20, 20, 20), lb, border_radius=int(10 * u))
        text.blit(s, "English" if text.lang == "ko" else "한국어", int(28 * u), lb.center, anchor="center")

    def _shade(self, s: pygame.Surface, alpha: int) -> None:
        veil = pygame.Surface(self.size)
        veil.set_alpha(alpha)
        s.blit(veil, (0, 0))

    def _initial_slots(self) -> list[pygame.Rect]:
        w, h = self.size
        u = h / 720
        size = int(120 * u)
        x0 = w // 2 - int(1.5 * size) - int(20 * u)
        return [pygame.Rect(x0 + i * (size + int(20 * u)), int(260 * u), size, size) for i in range(3)]

    def _ok_button(self) -> pygame.Rect:
        w, h = self.size
        u = h / 720
        return pygame.Rect(w // 2 - int(120 * u), int(440 * u), int(240 * u), int(80 * u))

    def _pin_pad(self) -> list[tuple[str, pygame.Rect]]:
        w, h = self.size
        u = h / 720
        bw, bh = int(130 * u), int(110 * u)
        x0 = w // 2 - int(1.5 * bw) - int(10 * u)
        return [(ch, pygame.Rect(x0 + (i % 3) * (bw + int(10 * u)), int(150 * u) + (i // 3) * (bh + int(10 * u)),
                                 bw, bh)) for i, ch in enumerate(PIN_KEYS)]

    # -- the window loop -----------------------------------------------------------------------
    def run(self, fullscreen: bool = False, fps: int = 60, max_seconds: float | None = None) -> None:
        """Open the window (full screen on a kiosk) and play until closed or staff exit."""
        flags = pygame.FULLSCREEN | pygame.SCALED if fullscreen else 0
        screen = pygame.display.set_mode(self.size, flags)
        pygame.display.set_caption(self.text.t(self.game.title_key))
        if fullscreen:
            pygame.mouse.set_visible(False)
        self.surface = screen
        clock = pygame.time.Clock()
        elapsed = 0.0
        while self.running:
            dt = min(clock.tick(fps) / 1000.0, 0.1)
            elapsed += dt
            for event in pygame.event.get():
                self.handle(event)
            self.tick(dt)
            pygame.display.flip()
            if max_seconds is not None and elapsed >= max_seconds:
                break


def default_scores_dir() -> Path:
    return own_data_dir("games")
