"""Scripted players for the hall games: they press keys through the shell like a visitor."""

from __future__ import annotations

import math
from pathlib import Path

import pygame

from youthlab.games.shell import GameShell

FRAME = 1 / 30

KEYS = {"left": pygame.K_LEFT, "right": pygame.K_RIGHT, "up": pygame.K_UP, "down": pygame.K_DOWN,
        "space": pygame.K_SPACE, "enter": pygame.K_RETURN, "escape": pygame.K_ESCAPE, "f2": pygame.K_F2,
        "backspace": pygame.K_BACKSPACE}


def key_event(kind: int, name: str) -> pygame.event.Event:
    if name in KEYS:
        return pygame.event.Event(kind, key=KEYS[name], unicode=" " if name == "space" else "", mod=0)
    return pygame.event.Event(kind, key=pygame.key.key_code(name.lower()), unicode=name, mod=0)


def press(shell: GameShell, name: str) -> None:
    shell.handle(key_event(pygame.KEYDOWN, name))
    shell.handle(key_event(pygame.KEYUP, name))


def type_text(shell: GameShell, text: str) -> None:
    for ch in text:
        press(shell, ch)


class Held:
    """Arrow keys held down, changed only when the wanted set changes (like fingers)."""

    def __init__(self, shell: GameShell) -> None:
        self.shell = shell
        self.down: set[str] = set()

    def want(self, names: set[str]) -> None:
        for name in self.down - names:
            self.shell.handle(key_event(pygame.KEYUP, name))
        for name in names - self.down:
            self.shell.handle(key_event(pygame.KEYDOWN, name))
        self.down = set(names)


def tap(shell: GameShell, pos: tuple[int, int]) -> None:
    shell.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    shell.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))


def run_until(shell: GameShell, done, seconds: float, dt: float = FRAME, each=None) -> bool:
    for _ in range(int(seconds / dt)):
        if each:
            each()
        shell.tick(dt)
        if done():
            return True
    return done()


def screenshot(shell: GameShell, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    pygame.image.save(shell.surface, str(path))
    print(f"screenshot: {path}")
    return path


# -- a player per game -----------------------------------------------------------------------------
def sorting_bin(code: str) -> int:
    """The player's own reading of a postal code: its region's bin (Seoul, Busan, Jeonnam, Jeju)."""
    first = int(code[:2])
    if first <= 9:
        return 0
    if 46 <= first <= 49:
        return 1
    if 57 <= first <= 59:
        return 2
    return 3


def sort_letter(shell: GameShell, right: bool = True) -> None:
    game = shell.game
    want = sorting_bin(game.letter.code)
    if not right:
        want = (want + 1) % 4
    while game.selected != want:
        press(shell, "right")
        shell.tick(FRAME)  # one step per press
    press(shell, "space")
    shell.tick(FRAME)


def steer_towards(held: Held, dx: float, dy: float, slack: float) -> None:
    """Arrows towards a screen-direction error (dx right, dy up)."""
    keys = set()
    if dx > slack:
        keys.add("right")
    elif dx < -slack:
        keys.add("left")
    if dy > slack:
        keys.add("up")
    elif dy < -slack:
        keys.add("down")
    held.want(keys)


def fly_delivery(shell: GameShell) -> bool:
    """Fly the lab's safe route around the rock, hover over the hall, drop."""
    game = shell.game
    held = Held(shell)
    route = game.mission.ideal_route()
    route = route[1: route.index(game.mission.target) + 1]
    for i, (wx, wy) in enumerate(route):
        last = i == len(route) - 1

        def there() -> bool:
            x, y = game.pos_cm
            near = math.hypot(wx - x, wy - y) < (8 if last else 20)
            return near and (not last or math.hypot(game.sim.vx, game.sim.vy) < 0.05)

        def steer() -> None:
            x, y = game.pos_cm
            # screen right = east = -y (cm), screen up = north = +x
            steer_towards(held, -(wy - y), wx - x, 4)

        if not run_until(shell, there, 40, each=steer):
            return False
    held.want(set())
    press(shell, "space")
    shell.tick(FRAME)
    return True


def drive_route(shell: GameShell, points: list[tuple[float, float]], deliver_at: set[int]) -> bool:
    """Drive the car through ``points`` (cm), posting the letter at the indices in ``deliver_at``."""
    game = shell.game
    held = Held(shell)
    for i, (px, py) in enumerate(points):
        def there() -> bool:
            return math.hypot(px - game.body.x, py - game.body.y) < 4

        def steer() -> None:
            b = game.body
            want = math.atan2(py - b.y, px - b.x)
            err = (want - b.th + math.pi) % (2 * math.pi) - math.pi
            if abs(err) > 0.25:
                held.want({"left" if err > 0 else "right"})
            elif abs(err) > 0.08:
                held.want({"up", "left" if err > 0 else "right"})
            else:
                held.want({"up"})

        if not run_until(shell, there, 30, each=steer):
            return False
        held.want(set())
        run_until(shell, lambda: abs(game.body.speed) < 1, 2)
        if i in deliver_at:
            press(shell, "space")
            shell.tick(FRAME)
    return True
