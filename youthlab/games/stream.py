"""A hall game in the browser, offline: the kernel runs the game and streams JPEG frames
to an anywidget widget; the visitor's keys and touches come back as pygame events.

Works in JupyterLab and on the Voila kiosk (no CDN, no build step: ``stream.js`` is
the whole front end). The game runs in a thread of the kernel; comm messages (input)
arrive on the kernel's main thread, so a lock keeps one of them at a time on the shell.
Flow control: at most :data:`IN_FLIGHT` frames are sent ahead of what the browser has
shown, so a slow screen gets fewer frames rather than a growing delay.
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import anywidget
import traitlets

from youthlab.games import make_game
from youthlab.i18n import current_language, t
from youthlab.kiosk.settings import KioskSettings

IN_FLIGHT = 2
KEYS = {"ArrowLeft": "K_LEFT", "ArrowRight": "K_RIGHT", "ArrowUp": "K_UP", "ArrowDown": "K_DOWN",
        " ": "K_SPACE", "Enter": "K_RETURN", "Escape": "K_ESCAPE", "Backspace": "K_BACKSPACE", "F2": "K_F2"}


class GameWidget(anywidget.AnyWidget):
    """One streamed game (``fps``: frames a second sent at most)."""

    _esm = (Path(__file__).with_name("stream.js")).read_text(encoding="utf-8")
    width = traitlets.Int(1280).tag(sync=True)
    height = traitlets.Int(720).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("", help="What the frame shows, in words (its alt text); the title if empty").tag(
        sync=True)
    fill = traitlets.Bool(False, help="Fill the box it sits in (a kiosk stage's scene), its shape kept").tag(
        sync=True)
    poster = traitlets.Bytes(b"", help="The first frame (JPEG), on screen before the stream starts").tag(
        sync=True)
    fps = traitlets.Int(40, help="Frames a second at most (above the 30 a game needs to feel smooth)")
    state = traitlets.Unicode("", help="The shell's state (attract, play, over, …), observed by a kiosk app")

    def __init__(self, name: str, *, lang: str | None = None, scores_dir=None, idle_seconds: float | None = None,
                 size: tuple[int, int] = (1280, 720), one_language: bool = False, **kw) -> None:
        from youthlab.games.shell import init_pygame

        lang = lang or current_language()
        init_pygame(headless=True)
        game = make_game(name)
        super().__init__(width=size[0], height=size[1], title=t(game.title_key, lang), **kw)
        if idle_seconds is None:
            idle_seconds = KioskSettings.from_env().idle_seconds
        shell_class = _one_language_shell() if one_language else _shell()
        # staff_pin "": in a browser the kiosk page itself is the way out, not the game
        self.shell = shell_class(game, size=size, lang=lang, scores_dir=scores_dir, idle_seconds=idle_seconds,
                                 staff_pin="")
        self._lock = threading.Lock()
        self._seq = 0
        self._shown = 0
        self._input_seq = 0
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self.frames_sent = 0
        self.on_msg(self._on_msg)
        self.poster = self._frame(0.0)[0]  # the attract screen, before the browser asks for frames
        self.state = self.shell.state
        self._thread = threading.Thread(target=self._loop, name=f"game-{name}", daemon=True)
        self._thread.start()

    # -- input from the browser ----------------------------------------------------------------
    def _on_msg(self, _widget, content: dict, _buffers) -> None:
        import pygame

        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ready":
            self._ready.set()
            return
        if kind == "shown":
            with self._wake:
                self._shown = max(self._shown, int(content.get("seq", 0)))
                self._wake.notify_all()
            return
        event = None
        if kind == "key":
            key = str(content.get("key", ""))[:12]
            down = bool(content.get("down"))
            code = getattr(pygame, KEYS[key]) if key in KEYS else (
                pygame.key.key_code(key.lower()) if len(key) == 1 and key.isalnum() else None)
            if code is not None:
                event = pygame.event.Event(pygame.KEYDOWN if down else pygame.KEYUP, key=code,
                                           unicode=key if len(key) == 1 else "", mod=0)
        elif kind == "pointer":
            pos = content.get("pos")
            if isinstance(pos, list) and len(pos) == 2 and all(isinstance(v, (int, float)) for v in pos):
                p = (int(pos[0]), int(pos[1]))
                etype = {"down": pygame.MOUSEBUTTONDOWN, "up": pygame.MOUSEBUTTONUP,
                         "move": pygame.MOUSEMOTION}.get(content.get("kind"))
                if etype == pygame.MOUSEMOTION:
                    event = pygame.event.Event(etype, pos=p, rel=(0, 0), buttons=(1, 0, 0))
                elif etype is not None:
                    event = pygame.event.Event(etype, pos=p, button=1)
        if event is not None:
            with self._lock:
                self.shell.handle(event)
                seq = content.get("seq")
                if isinstance(seq, int):
                    self._input_seq = max(self._input_seq, seq)

    def press_key(self, key: str) -> None:
        """A key pressed and let go (``key``: a pygame name such as ``"K_RETURN"``), as the
        keyboard would: for menus (start, the result screen, initials) fed from a kiosk panel."""
        import pygame

        code = getattr(pygame, key)
        with self._lock:
            for etype in (pygame.KEYDOWN, pygame.KEYUP):
                self.shell.handle(pygame.event.Event(etype, key=code, unicode="", mod=0))

    def _frame(self, dt: float) -> tuple[bytes, int, str]:
        """Advance the game ``dt`` seconds: (JPEG of the frame, input acknowledged, shell state)."""
        import pygame

        with self._lock:
            surface = self.shell.tick(dt)
            buf = io.BytesIO()
            pygame.image.save(surface, buf, "frame.jpg")
            return buf.getvalue(), self._input_seq, self.shell.state

    # -- the frame loop ------------------------------------------------------------------------
    def _loop(self) -> None:
        self._ready.wait(timeout=600)
        last = time.monotonic()
        while not self._stop.is_set() and self.shell.running:
            with self._wake:  # flow control: wait for the browser to show what it has
                self._wake.wait_for(lambda: self._seq - self._shown < IN_FLIGHT or self._stop.is_set(),
                                    timeout=2.0)
            period = 1.0 / max(1, self.fps)
            now = time.monotonic()
            if now - last < period:
                time.sleep(period - (now - last))
                now = time.monotonic()
            dt, last = min(now - last, 0.1), now
            jpeg, ack, state = self._frame(dt)
            self._seq += 1
            try:
                self.send({"type": "frame", "seq": self._seq, "ack": ack, "state": state}, buffers=[jpeg])
            except Exception:  # the comm closed: the page went away
                break
            self.frames_sent += 1
            if state != self.state:
                try:
                    self.state = state
                except Exception:  # noqa: BLE001 — an observer's failure must not stop the game
                    pass

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()

    def close(self) -> None:
        self.stop()
        super().close()


def _shell():
    from youthlab.games.shell import GameShell

    return GameShell


def _one_language_shell():
    """A shell without its own language button (and F2): on a kiosk page the frame's
    language button switches the whole page, so game and panel never disagree."""
    import pygame

    from youthlab.games.shell import GameShell

    class OneLanguageShell(GameShell):
        def lang_button(self) -> pygame.Rect:
            return pygame.Rect(-10_000, -10_000, 0, 0)  # off the screen: not drawn, never hit

        def toggle_language(self) -> None:
            pass

    return OneLanguageShell


def play(name: str, **kw) -> GameWidget:
    """Show a hall game in this notebook (or on the kiosk page): ``play("sorting-office")``."""
    from IPython.display import display

    widget = GameWidget(name, **kw)
    display(widget)
    return widget
