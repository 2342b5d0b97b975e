"""Robot Postman: drive the robot car through the postal town (the robot lab's ``town``
world and its car physics, ``youthlab.robot.kinematics.RobotBody``) and hand each letter
in at the right door, in order, before the clock runs out."""

from __future__ import annotations

import math

import pygame

from youthlab.games.base import LOST, PLAYING, WON
from youthlab.games.controls import Controls
from youthlab.games.text import Text
from youthlab.robot.kinematics import RobotBody
from youthlab.robot.worlds import load_world

TIME_LIMIT = 120.0
TIME_SCALE = 2.0  # the car's 30 cm/s is slow for a visitor: the town runs at twice the speed
DOOR_REACH_CM = 14.0


class RobotPostman:
    name = "robot-postman"
    title_key = "games.postman.title"
    how_key = "games.postman.how"

    def __init__(self, seed: int = 0, world: str = "town") -> None:
        self.world = load_world(world)
        self._bg: pygame.Surface | None = None
        self._bg_key: tuple | None = None
        self.reset(seed)

    def reset(self, seed: int = 0) -> None:
        self.body = RobotBody(self.world, seed=seed, trace_every=1e9)
        self.status = PLAYING
        self.reason_key = ""
        self.score = 0
        self.delivered = 0
        self.clock = TIME_LIMIT
        self.wrong_door = 0.0

    @property
    def next_house(self):
        if self.delivered >= len(self.world.letters):
            return None
        return self.world.house(self.world.letters[self.delivered])

    def update(self, dt: float, controls: Controls) -> None:
        if self.status != PLAYING:
            return
        self.clock = max(0.0, self.clock - dt)
        self.wrong_door = max(0.0, self.wrong_door - dt)
        ahead, turn = controls.dy, controls.dx
        left, right = ahead * 0.9 + turn * 0.5, ahead * 0.9 - turn * 0.5
        if not ahead:  # turning on the spot needs more than the motors' deadband
            left, right = turn * 0.6, -turn * 0.6
        self.body.set_wheels(left, right)
        self.body.advance_to(self.body.t + dt * TIME_SCALE)
        if controls.take_action():
            house = self.next_house
            if house and math.hypot(house.door[0] - self.body.x, house.door[1] - self.body.y) <= DOOR_REACH_CM:
                self.delivered += 1
                self.score += 300
                if self.next_house is None:
                    self.score += int(self.clock) * 10 - 50 * self.body.collisions
                    self.score = max(self.score, 1)
                    self.status, self.reason_key = WON, "games.postman.won"
                    return
            else:
                self.wrong_door = 1.0
        if self.clock <= 0:
            self.status, self.reason_key = LOST, "games.postman.time_up"

    def tap(self, pos: tuple[int, int], size: tuple[int, int]) -> bool:
        return False

    # -- drawing ---------------------------------------------------------------------------
    def _view(self, size: tuple[int, int]) -> tuple[float, int, int]:
        w, h = size
        top = int(h * 0.12)
        k = min(w / self.world.width, (h - top) / self.world.height) * 0.98
        ox = int((w - self.world.width * k) / 2)
        oy = top + int((h - top - self.world.height * k) / 2)
        return k, ox, oy

    def to_screen(self, x: float, y: float, size: tuple[int, int]) -> tuple[int, int]:
        k, ox, oy = self._view(size)
        return int(ox + x * k), int(oy + (self.world.height - y) * k)

    def _background(self, size: tuple[int, int], text: Text) -> pygame.Surface:
        key = (size, text.lang)
        if self._bg is not None and self._bg_key == key:
            return self._bg
        k, ox, oy = self._view(size)
        img = self.world.image()
        town = pygame.image.frombytes(img.tobytes(), img.size, "RGB")
        town = pygame.transform.smoothscale(town, (int(self.world.width * k), int(self.world.height * k)))
        bg = pygame.Surface(size)
        bg.fill((70, 90, 70))
        bg.blit(town, (ox, oy))
        u = size[1] / 720
        for house in self.world.houses:
            x0, y0, x1, y1 = house.box
            c = self.to_screen((x0 + x1) / 2, (y0 + y1) / 2, size)
            text.blit(bg, house.label(text.lang), int(16 * u), c, (255, 255, 255), anchor="center")
        self._bg, self._bg_key = bg, key
        return bg

    def draw(self, surface: pygame.Surface, text: Text) -> None:
        size = surface.get_size()
        u = size[1] / 720
        surface.blit(self._background(size, text), (0, 0))
        k = self._view(size)[0]
        house = self.next_house
        if house:
            d = self.to_screen(*house.door, size)
            pygame.draw.circle(surface, (255, 220, 0), d, int(DOOR_REACH_CM * k), max(2, int(4 * u)))
        b = self.body
        p = self.to_screen(b.x, b.y, size)
        r = int(b.p.body_radius * k)
        pygame.draw.circle(surface, (30, 90, 200), p, r)
        tip = self.to_screen(b.x + math.cos(b.th) * b.p.body_radius, b.y + math.sin(b.th) * b.p.body_radius, size)
        pygame.draw.line(surface, (255, 255, 255), p, tip, max(2, int(4 * u)))
        line = (text.t("games.postman.hud", address=house.label(text.lang), done=self.delivered,
                       total=len(self.world.letters), seconds=int(self.clock + 0.999))
                if house else "")
        text.blit(surface, line, int(30 * u), (int(20 * u), int(16 * u)), (255, 255, 255))
        if self.wrong_door:
            text.blit(surface, text.t("games.postman.not_here"), int(34 * u), (size[0] // 2, int(size[1] * 0.55)),
                      (255, 80, 80), anchor="center")
