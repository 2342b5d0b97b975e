"""Island Drone Delivery: fly the parcel from Goheung dock to Deungnyangdo's village
hall against the sea breeze and a used battery, on the drone simulator the labs use
(``youthlab.drone.quadsim.QuadSim`` with the lab's island mission), and drop it there."""

from __future__ import annotations

import math

import pygame

from youthlab.drone.missions import get_mission
from youthlab.drone.quadsim import QuadSim
from youthlab.games.base import LOST, PLAYING, WON
from youthlab.games.controls import Controls
from youthlab.games.text import Text

CRUISE_M = 1.0
SPEED_M_S = 0.8  # hall-scale metres per second at full stick
TIME_SCALE = 2.0  # simulated seconds per real second: a crossing takes ~10 s of play
RESERVE_PCT = 5.0  # below this the drone must land: the player lost
DROP_TOLERANCE_CM = 40.0  # a little kinder than the lab's 25 cm: visitors are 10


class IslandDelivery:
    name = "island-delivery"
    title_key = "games.island.title"
    how_key = "games.island.how"

    def __init__(self, seed: int = 0) -> None:
        self.mission = get_mission("island")
        self._bg: pygame.Surface | None = None
        self._bg_size: tuple[int, int] | None = None
        self.reset(seed)

    def reset(self, seed: int = 0) -> None:
        self.sim = QuadSim(**self.mission.sim_options(seed))
        self.sim.start_motors()
        self.sim.fly_to(0.0, 0.0, CRUISE_M, 1.0, timeout=3.0)  # take off from the dock
        self.status = PLAYING
        self.reason_key = ""
        self.score = 0
        self.drop: dict | None = None
        self._acc = 0.0

    # -- positions in hall cm --------------------------------------------------------------
    @property
    def pos_cm(self) -> tuple[float, float]:
        return self.sim.x * 100, self.sim.y * 100

    def distance_to_target_cm(self) -> float:
        tx, ty = self.mission.target
        x, y = self.pos_cm
        return math.hypot(tx - x, ty - y)

    def _in_no_fly(self) -> bool:
        x, y = self.pos_cm
        return any(math.hypot(z.x - x, z.y - y) < z.radius for z in self.mission.no_fly)

    def _outside_fence(self) -> bool:
        x, y = self.pos_cm
        lim = self.mission.limits
        return not (lim.x_min <= x <= lim.x_max and lim.y_min <= y <= lim.y_max)

    # -- play --------------------------------------------------------------------------------
    def update(self, dt: float, controls: Controls) -> None:
        if self.status != PLAYING:
            return
        sim = self.sim
        # screen up = north (+x), screen left = west (+y)
        north, west = controls.dy, -controls.dx
        self._acc += dt * TIME_SCALE
        while self._acc >= sim.dt and self.status == PLAYING:
            self._acc -= sim.dt
            result = sim.fly_to(sim.x + north * SPEED_M_S, sim.y + west * SPEED_M_S, CRUISE_M,
                                SPEED_M_S, timeout=sim.dt)
            if result in ("splash", "crash"):
                self._end(LOST, "games.island." + result)
        if controls.take_action() and self.status == PLAYING:
            self.drop = sim.drop_payload()
            dx = self.drop["land_x"] * 100 - self.mission.target[0]
            dy = self.drop["land_y"] * 100 - self.mission.target[1]
            if not self.drop["in_water"] and math.hypot(dx, dy) <= DROP_TOLERANCE_CM:
                self.score = int(sim.battery * 100) + max(0, int(DROP_TOLERANCE_CM - math.hypot(dx, dy))) * 10
                self._end(WON, "games.island.delivered")
            else:
                self._end(LOST, "games.island.missed")
        if self.status != PLAYING:
            return
        if sim.battery <= RESERVE_PCT:
            self._end(LOST, "games.island.battery")
        elif self._in_no_fly():
            self._end(LOST, "games.island.birds")
        elif self._outside_fence():
            self._end(LOST, "games.island.fence")

    def _end(self, status: str, reason: str) -> None:
        self.status, self.reason_key = status, reason

    def tap(self, pos: tuple[int, int], size: tuple[int, int]) -> bool:
        return False

    # -- drawing -----------------------------------------------------------------------------
    def _view(self, size: tuple[int, int]) -> tuple[float, float, float]:
        lim = self.mission.limits
        w, h = size
        k = min(w / (lim.y_max - lim.y_min), h / (lim.x_max - lim.x_min)) * 0.95
        ox = w / 2 + (lim.y_max + lim.y_min) / 2 * k
        oy = h / 2 + (lim.x_max + lim.x_min) / 2 * k
        return k, ox, oy

    def to_screen(self, x_cm: float, y_cm: float, size: tuple[int, int]) -> tuple[int, int]:
        k, ox, oy = self._view(size)
        return int(ox - y_cm * k), int(oy - x_cm * k)

    def _background(self, size: tuple[int, int], text: Text) -> pygame.Surface:
        if self._bg is not None and self._bg_size == (size, text.lang):
            return self._bg
        bg = pygame.Surface(size)
        bg.fill((40, 110, 170))
        for poly in self.mission.land_cm.values():
            pygame.draw.polygon(bg, (120, 170, 90), [self.to_screen(x, y, size) for x, y in poly])
        k = self._view(size)[0]
        u = size[1] / 720
        for z in self.mission.no_fly:
            c = self.to_screen(z.x, z.y, size)
            pygame.draw.circle(bg, (200, 60, 60), c, int(z.radius * k), max(2, int(4 * u)))
            text.blit(bg, text.t(z.key), int(22 * u), c, (255, 230, 230), anchor="center")
        home = self.to_screen(0, 0, size)
        pygame.draw.rect(bg, (90, 70, 50), (home[0] - 12, home[1] - 6, 24, 12))
        text.blit(bg, text.t(self.mission.home_name), int(24 * u), (home[0], home[1] + int(14 * u)),
                  anchor="midtop")
        tgt = self.to_screen(*self.mission.target, size)
        pygame.draw.circle(bg, (255, 255, 255), tgt, int(DROP_TOLERANCE_CM * k), max(2, int(3 * u)))
        pygame.draw.circle(bg, (228, 0, 43), tgt, max(4, int(8 * u)))
        text.blit(bg, text.t(self.mission.target_name), int(24 * u), (tgt[0], tgt[1] - int(DROP_TOLERANCE_CM * k)),
                  anchor="midbottom")
        self._bg, self._bg_size = bg, (size, text.lang)
        return bg

    def draw(self, surface: pygame.Surface, text: Text) -> None:
        size = surface.get_size()
        u = size[1] / 720
        surface.blit(self._background(size, text), (0, 0))
        x, y = self.pos_cm
        p = self.to_screen(x, y, size)
        r = max(6, int(14 * u))
        for ax, ay in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
            pygame.draw.circle(surface, (30, 30, 30), (p[0] + ax * r, p[1] + ay * r), r // 2 + 2)
        pygame.draw.circle(surface, (255, 200, 0) if self.sim.payload_kg else (200, 200, 200), p, r // 2 + 2)
        if self.drop:
            d = self.to_screen(self.drop["land_x"] * 100, self.drop["land_y"] * 100, size)
            pygame.draw.rect(surface, (160, 100, 40), (d[0] - 6, d[1] - 6, 12, 12))
        wx, wy = self.sim.wind_now()
        bat = self.sim.battery
        text.blit(surface, text.t("games.island.hud", battery=int(bat), wind=round(math.hypot(wx, wy) * 10, 1),
                                  distance=int(self.distance_to_target_cm() * self.mission.scale / 100)),
                  int(30 * u), (int(20 * u), int(16 * u)), (255, 255, 255))
        bar = pygame.Rect(int(20 * u), int(60 * u), int(200 * u), int(16 * u))
        pygame.draw.rect(surface, (0, 0, 0), bar)
        fill = bar.inflate(-4, -4)
        fill.width = int(fill.width * min(1.0, bat / 25.0))
        pygame.draw.rect(surface, (0, 200, 0) if bat > 12 else (230, 60, 40), fill)
