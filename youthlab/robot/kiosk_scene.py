"""Pictures for the robot kiosk apps: the track or the town drawn big and clear, one language.

* :class:`Scene` — a world drawn for a visitor (smooth roads and tape, houses with their
  addresses, start and finish marks) with a friendly robot sprite on it.
  :meth:`Scene.track` draws the line-following table, :meth:`Scene.town` the postal
  town with the visitor's planned route (:class:`youthlab.robot.kiosk_plan.Plan`).
* :func:`replay_poses` — which poses of a finished run to show so the drive plays in a
  few seconds however long it took in robot time.
* :func:`jpeg` — a picture as bytes for an ``ipywidgets.Image``.

The student lab keeps :mod:`youthlab.robot.views` (a pixel-exact raster view with sensor
spots); these pictures are for a hall screen seen from a step away.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from typing import Any, Iterable, Sequence

from PIL import Image, ImageDraw, ImageFont

from youthlab.i18n import t
from youthlab.robot.kinematics import Pose, RobotParams
from youthlab.robot.worlds import LINE, World

LONG_SIDE = 1000  # px: the picture's longer side (the stage scales it to the screen)
SUPERSAMPLE = 3  # the static parts are drawn this much larger, then smoothed down

TABLE, FRAME, TAPE = (247, 245, 239), (139, 94, 60), (31, 31, 31)
GRASS, ROAD, LABEL_BG = (226, 239, 214), (205, 205, 200), (255, 255, 255)
ROBOT, ROBOT_RIM, WHEEL = (0, 87, 184), (0, 50, 110), (40, 40, 40)
TRAIL, ROUTE, GOOD, BAD = (110, 170, 235), (245, 163, 0), (0, 166, 81), (228, 0, 43)
HOUSE, TARGET, POST = (190, 182, 165), (228, 0, 43), (245, 120, 0)


@lru_cache(maxsize=8)
def font(size: int, bold: bool = True) -> Any:
    """A round Hangul font (Debian's fonts-nanum; it has Latin too) at ``size`` px."""
    from matplotlib import font_manager

    for family in ("NanumSquareRound", "NanumGothic", "Noto Sans CJK KR"):
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family,
                                                                     weight="bold" if bold else "normal"),
                                         fallback_to_default=False)
            return ImageFont.truetype(path, size)
        except (ValueError, OSError):
            continue
    return ImageFont.load_default(size)


def jpeg(img: Image.Image, quality: int = 85) -> bytes:
    """The picture as JPEG bytes (small enough to stream a dozen a second)."""
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


# -- the robot -------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _sprite(px_per_cm: float, ghost: bool = False) -> Image.Image:
    """The robot seen from above, facing east, as RGBA (drawn large and smoothed)."""
    p = RobotParams()
    k = px_per_cm * 4
    r = p.body_radius * k
    wheel_y, wheel_l, wheel_w = (p.body_radius + 0.6) * k, 2 * p.wheel_radius * k, 2.6 * k
    half = int(wheel_y + wheel_w) + 4
    img = Image.new("RGBA", (2 * half, 2 * half), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = half
    alpha = 110 if ghost else 255
    for side in (-1, 1):
        y = c + side * wheel_y
        d.rounded_rectangle([c - wheel_l / 2, y - wheel_w / 2, c + wheel_l / 2, y + wheel_w / 2],
                            radius=wheel_w / 3, fill=WHEEL + (alpha,))
    d.ellipse([c - r, c - r, c + r, c + r], fill=ROBOT + (alpha,), outline=ROBOT_RIM + (alpha,),
              width=max(2, int(0.7 * k)))
    for side in (-1, 1):  # two eyes looking ahead
        ex, ey, er = c + 3.0 * k, c + side * 2.8 * k, 1.9 * k
        d.ellipse([ex - er, ey - er, ex + er, ey + er], fill=(255, 255, 255, alpha))
        pr = 0.95 * k
        d.ellipse([ex + 0.6 * k - pr, ey - pr, ex + 0.6 * k + pr, ey + pr], fill=(20, 20, 20, alpha))
    d.polygon([(c + r - 0.3 * k, c), (c + r - 2.6 * k, c - 1.7 * k), (c + r - 2.6 * k, c + 1.7 * k)],
              fill=(255, 214, 0, alpha))  # a yellow nose: the front
    return img.resize((img.width // 4, img.height // 4), Image.LANCZOS)


@lru_cache(maxsize=1024)
def _turned(px_per_cm: float, degrees: int, ghost: bool) -> Image.Image:
    return _sprite(px_per_cm, ghost).rotate(degrees, resample=Image.BICUBIC, expand=True)


def _arrow(d: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], colour: tuple, size: float) -> None:
    """An arrow head at the middle of segment a→b."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    tip = (mx + size * math.cos(ang), my + size * math.sin(ang))
    back = [(mx - size * math.cos(ang) + s * size * math.cos(ang + math.pi / 2),
             my - size * math.sin(ang) + s * size * math.sin(ang + math.pi / 2)) for s in (-1, 1)]
    d.polygon([tip, back[0], back[1]], fill=colour)


class Scene:
    """One world drawn for the kiosk in one language; pictures are built on a cached background."""

    def __init__(self, world: World, lang: str, long_side: int = LONG_SIDE) -> None:
        self.world = world
        self.lang = lang
        self.k = long_side / max(world.width, world.height)  # px per cm
        self.size = (round(world.width * self.k), round(world.height * self.k))
        self._bg: Image.Image | None = None

    def px(self, x: float, y: float, k: float | None = None) -> tuple[float, float]:
        k = k or self.k
        return x * k, (self.world.height - y) * k

    # -- backgrounds (drawn once, SUPERSAMPLE times larger, then smoothed) ----------------
    def background(self) -> Image.Image:
        if self._bg is None:
            key = ("kiosk-scene", self.lang, self.size)
            if key not in self.world.cache:
                big = self._draw_town() if self.world.task == "town" else self._draw_track()
                self.world.cache[key] = big.resize(self.size, Image.LANCZOS)
            self._bg = self.world.cache[key]
        return self._bg

    def _canvas(self, floor: tuple) -> tuple[Image.Image, ImageDraw.ImageDraw, float]:
        k = self.k * SUPERSAMPLE
        img = Image.new("RGB", (self.size[0] * SUPERSAMPLE, self.size[1] * SUPERSAMPLE), floor)
        d = ImageDraw.Draw(img)
        for x0, y0, x1, y1 in self.world.walls:
            d.rectangle([self.px(x0, y1, k), self.px(x1, y0, k)], fill=FRAME)
        return img, d, k

    def _tape(self, d: ImageDraw.ImageDraw, pts: Sequence[tuple[float, float]], k: float, width: float,
              colour: tuple = TAPE) -> None:
        xy = [self.px(x, y, k) for x, y in pts]
        w = max(1, round(width * k))
        d.line(xy, fill=colour, width=w, joint="curve")
        for x, y in xy[:1] + xy[-1:]:
            d.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=colour)

    def _label(self, d: ImageDraw.ImageDraw, text: str, centre: tuple[float, float], size: int,
               colour: tuple = (20, 20, 20), bg: tuple | None = LABEL_BG) -> None:
        f = font(size)
        box = d.textbbox((0, 0), text, font=f, anchor="mm")
        w, h = box[2] - box[0], box[3] - box[1]
        pad = size * 0.3
        W, H = self.size[0] * SUPERSAMPLE, self.size[1] * SUPERSAMPLE  # stay inside the picture
        cx = min(max(centre[0], w / 2 + pad + 2), W - w / 2 - pad - 2)
        cy = min(max(centre[1], h / 2 + pad + 2), H - h / 2 - pad - 2)
        if bg:
            d.rounded_rectangle([cx - w / 2 - pad, cy - h / 2 - pad, cx + w / 2 + pad, cy + h / 2 + pad],
                                radius=pad, fill=bg, outline=(120, 120, 120), width=max(1, size // 12))
        d.text((cx, cy), text, font=f, fill=colour, anchor="mm")

    def _draw_track(self) -> Image.Image:
        w = self.world
        img, d, k = self._canvas(TABLE)
        lw = self._line_width()
        for path in w.paths:
            self._tape(d, path, k, lw)
        text = 9 * k  # label size: 9 cm of table
        sx, sy, _ = w.start
        x, y = self.px(sx, sy, k)
        d.ellipse([x - 2.2 * k, y - 2.2 * k, x + 2.2 * k, y + 2.2 * k], fill=GOOD)
        self._label(d, t("robot_kiosk.scene.start", self.lang), self.px(sx + 4, sy - 12, k), int(text * 0.6),
                    colour=(255, 255, 255), bg=GOOD)
        if w.finish:
            fx, fy, r = w.finish["x"], w.finish["y"], w.finish.get("pad", 6) / 2 + 2
            n = 4  # a chequered flag on the finish pad
            cell = 2 * r / n
            for i in range(n):
                for j in range(n):
                    x0, y0 = self.px(fx - r + i * cell, fy + r - j * cell, k)
                    d.rectangle([x0, y0, x0 + cell * k, y0 + cell * k],
                                fill=(20, 20, 20) if (i + j) % 2 else (255, 255, 255))
            x0, y0 = self.px(fx - r, fy + r, k)
            d.rectangle([x0, y0, x0 + 2 * r * k, y0 + 2 * r * k], outline=(20, 20, 20), width=max(2, int(k / 2)))
            self._label(d, t("robot_kiosk.scene.finish", self.lang), self.px(fx + r + 12, fy, k), int(text * 0.6),
                        colour=(255, 255, 255), bg=BAD)
        return img

    def _line_width(self) -> float:
        """The tape's width in cm, read from the floor raster across the streets at a few
        places (the narrowest: pads and door marks are wider), so a world's ``line_width``
        is drawn as the robot feels it."""
        w = self.world
        widths = []
        for path in w.paths[:4]:
            for (x0, y0), (x1, y1) in list(zip(path, path[1:]))[:3]:
                ang = math.atan2(y1 - y0, x1 - x0) + math.pi / 2
                for f in (0.17, 0.41, 0.63, 0.89):
                    mx, my = x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
                    widths.append(sum(1 for i in range(-40, 41)
                                      if w.at(mx + i * 0.1 * math.cos(ang), my + i * 0.1 * math.sin(ang)) == LINE))
        return max(1.0, min(n for n in widths if n) * 0.1) if any(widths) else 2.0

    def _draw_town(self) -> Image.Image:
        w = self.world
        img, d, k = self._canvas(GRASS)
        lw = self._line_width()
        text = int(4.6 * k)
        for path in w.paths:  # roads, then the tape the robot follows on them
            self._tape(d, path, k, 12, ROAD)
        if w.post_office:
            self._tape(d, [(w.start[0] - 6, w.start[1]), (w.post_office["x"], w.post_office["y"])], k, 12, ROAD)
        for path in w.paths:
            self._tape(d, path, k, lw)
        if w.post_office:
            self._tape(d, [(w.start[0] - 2, w.start[1]), (w.post_office["x"], w.post_office["y"])], k, lw)
        xs = sorted({p[0] for path in w.paths for p in path})
        ys = sorted({p[1] for path in w.paths for p in path})
        for x in xs:  # the dark square at every crossing, and the door marks
            for y in ys:
                a, b = self.px(x - 3, y + 3, k), self.px(x + 3, y - 3, k)
                d.rectangle([a, b], fill=TAPE)
        for h in w.houses:
            x, y = h.door
            across = 4
            if self._horizontal(h):
                d.rectangle([self.px(x - lw / 2, y + across, k), self.px(x + lw / 2, y - across, k)], fill=TAPE)
            else:
                d.rectangle([self.px(x - across, y + lw / 2, k), self.px(x + across, y - lw / 2, k)], fill=TAPE)
        targets = {self._address(a): i + 1 for i, a in enumerate(w.letters)}
        for h in w.houses:
            x0, y0, x1, y1 = h.box
            a, b = self.px(x0, y1, k), self.px(x1, y0, k)
            colour = TARGET if h.address in targets else HOUSE
            d.rounded_rectangle([a, b], radius=1.2 * k, fill=colour, outline=(60, 40, 30), width=max(2, int(k / 2)))
            self._label(d, h.label(self.lang), self._label_spot(h, k, text), text)
        if w.post_office:
            po = w.post_office
            x, y = self.px(4, 58, k)
            x1, y1 = self.px(24, 40, k)
            d.rounded_rectangle([x, y, x1, y1], radius=1.5 * k, fill=POST, outline=(110, 50, 0), width=max(2, int(k / 2)))
            name = (po.get("name") or {}).get(self.lang, "")
            if name:
                self._label(d, name, self.px(14, 64, k), text)
        return img

    @staticmethod
    def _horizontal(house: Any) -> bool:
        x0, y0, x1, y1 = house.box
        return abs((y0 + y1) / 2 - house.door[1]) > abs((x0 + x1) / 2 - house.door[0])

    def _label_spot(self, house: Any, k: float, text: int) -> tuple[float, float]:
        """Where a house's address goes: on the house's side away from its street."""
        x0, y0, x1, y1 = house.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        gap = text / k * 0.5 + 2.5
        if self._horizontal(house):  # a north or south house: above or below it
            return self.px(cx, y1 + gap if cy > house.door[1] else y0 - gap, k)
        return self.px(cx, y0 - gap, k)  # an east or west house: under it

    def _address(self, name: str) -> str:
        house = self.world.house(name)
        return house.address if house else name

    # -- pictures ---------------------------------------------------------------------------
    def robot(self, img: Image.Image, pose: Pose | tuple[float, float, float], *, ghost: bool = False,
              sensors: bool = True) -> None:
        """Paste the robot (x, y cm, heading rad) onto ``img``; its line sensors lit green on tape."""
        x, y, heading = (pose.x, pose.y, pose.heading) if isinstance(pose, Pose) else pose
        sprite = _turned(round(self.k, 3), round(math.degrees(heading)) % 360, ghost)
        cx, cy = self.px(x, y)
        img.paste(sprite, (round(cx - sprite.width / 2), round(cy - sprite.height / 2)), sprite)
        if sensors and not ghost:
            p = RobotParams()
            d = ImageDraw.Draw(img)
            c, s = math.cos(heading), math.sin(heading)
            bx, by = x + (p.sensor_ahead + 1.2) * c, y + (p.sensor_ahead + 1.2) * s
            for lat in (2.2, 0.0, -2.2):
                sx, sy = bx - lat * s, by + lat * c
                on = self.world.at(x + p.sensor_ahead * c - lat / 2.2 * p.sensor_spacing * s,
                                   y + p.sensor_ahead * s + lat / 2.2 * p.sensor_spacing * c) == LINE
                qx, qy = self.px(sx, sy)
                rr = 0.9 * self.k
                d.ellipse([qx - rr, qy - rr, qx + rr, qy + rr], fill=GOOD if on else (255, 90, 90),
                          outline=(255, 255, 255))

    def trail(self, img: Image.Image, trail: Sequence[Pose]) -> None:
        if len(trail) > 1:
            ImageDraw.Draw(img).line([self.px(p.x, p.y) for p in trail[::3]] + [self.px(trail[-1].x, trail[-1].y)],
                                     fill=TRAIL, width=max(2, round(1.2 * self.k)))

    def clock(self, img: Image.Image, seconds: float) -> None:
        """The robot's time, top left (as the student lab's views show it)."""
        d = ImageDraw.Draw(img)
        f = font(max(18, round(5 * self.k)))
        text = t("robot.view.time", self.lang, time=f"{seconds:.1f}")
        box = d.textbbox((0, 0), text, font=f)
        pad = 10
        d.rounded_rectangle([8, 8, 8 + box[2] + 2 * pad, 8 + box[3] + 2 * pad], radius=12,
                            fill=(255, 255, 255), outline=(120, 120, 120), width=2)
        d.text((8 + pad, 8 + pad), text, font=f, fill=(20, 20, 20))

    def start_pose(self) -> tuple[float, float, float]:
        x, y, deg = self.world.start
        return x, y, math.radians(deg)

    def track(self, pose: Pose | tuple | None = None, trail: Sequence[Pose] = (),
              seconds: float | None = None) -> Image.Image:
        """The line-following table with the robot (at the start unless ``pose`` is given)."""
        img = self.background().copy()
        self.trail(img, trail)
        self.robot(img, pose if pose is not None else self.start_pose())
        if seconds is not None:
            self.clock(img, seconds)
        return img

    def town(self, plan: Any = None, pose: Pose | tuple | None = None, trail: Sequence[Pose] = (),
             delivered: Iterable[str | None] = (), seconds: float | None = None) -> Image.Image:
        """The postal town: the planned route (arrows, the robot's place at its end), the
        robot, and a badge on each house that waits for a letter (green ✓ once delivered)."""
        img = self.background().copy()
        d = ImageDraw.Draw(img)
        if plan is not None:
            self._route(d, plan)
        self.trail(img, trail)
        self._badges(d, list(delivered))
        if plan is not None and plan.steps and pose is None:
            self._drops(d, plan)
            ghost = self._plan_pose(plan)
            self.robot(img, ghost, ghost=True)
        self.robot(img, pose if pose is not None else self.start_pose())
        if seconds is not None:
            self.clock(img, seconds)
        return img

    def _plan_pose(self, plan: Any) -> tuple[float, float, float]:
        x, y = plan.at
        return x, y, {"E": 0.0, "N": math.pi / 2, "W": math.pi, "S": -math.pi / 2}[plan.heading]

    def _route(self, d: ImageDraw.ImageDraw, plan: Any) -> None:
        pts = [self.px(*self.world.start[:2])] + [self.px(*n) for n in plan.path]
        width = max(3, round(3.2 * self.k))
        if len(pts) > 1:
            d.line(pts, fill=ROUTE, width=width, joint="curve")
        for a, b in zip(pts[1:], pts[2:]):
            if a != b:
                _arrow(d, a, b, (150, 90, 0), 2.6 * self.k)

    def _drops(self, d: ImageDraw.ImageDraw, plan: Any) -> None:
        """An envelope where the plan drops each letter: green at the right door, red elsewhere."""
        good = plan.delivered
        for i, (node, _) in enumerate(plan.drops):
            x, y = self.px(*node)
            s = 2.6 * self.k
            colour = GOOD if i < good else BAD
            d.rectangle([x - s, y - 0.7 * s, x + s, y + 0.7 * s], fill=(255, 255, 255), outline=colour,
                        width=max(2, round(self.k / 2)))
            d.line([(x - s, y - 0.7 * s), (x, y + 0.1 * s), (x + s, y - 0.7 * s)], fill=colour,
                   width=max(2, round(self.k / 2)))

    def _badges(self, d: ImageDraw.ImageDraw, delivered: list[str | None]) -> None:
        """The order of each letter on its house: 1, 2, 3 … (a green tick once delivered there
        in the right order)."""
        letters = [self._address(a) for a in self.world.letters]
        done = 0
        for got, want in zip(delivered, letters):
            if got != want:
                break
            done += 1
        r = 3.6 * self.k
        f = font(round(1.5 * r))
        for i, address in enumerate(letters):
            h = self.world.house(address)
            x0, y0, x1, y1 = h.box
            cx, cy = self.px((x0 + x1) / 2, (y0 + y1) / 2)
            ok = i < done
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=GOOD if ok else (255, 214, 0),
                      outline=(255, 255, 255), width=max(2, round(self.k / 2)))
            if ok:
                d.line([(cx - 0.5 * r, cy), (cx - 0.1 * r, cy + 0.4 * r), (cx + 0.55 * r, cy - 0.45 * r)],
                       fill=(255, 255, 255), width=max(3, round(self.k)), joint="curve")
            else:
                d.text((cx, cy), str(i + 1), font=f, fill=(20, 20, 20), anchor="mm")


def replay_speed(trace: Sequence[Pose], *, max_seconds: float = 10.0, speed: float = 3.0) -> float:
    """How many robot seconds one screen second shows: ``speed``, or more so that the whole
    drive fits in ``max_seconds``."""
    if not trace:
        return speed
    return max(speed, (trace[-1].t - trace[0].t) / max_seconds)


def replay_poses(trace: Sequence[Pose], *, fps: float = 12.0, max_seconds: float = 10.0,
                 speed: float = 3.0) -> list[int]:
    """Indices into ``trace`` to show one per frame at :func:`replay_speed`; always ends on
    the last pose."""
    if not trace:
        return []
    step = replay_speed(trace, max_seconds=max_seconds, speed=speed) / fps
    out, want = [], trace[0].t
    for i, pose in enumerate(trace):
        if pose.t + 1e-9 >= want:
            out.append(i)
            want = pose.t + step
    if out[-1] != len(trace) - 1:
        out.append(len(trace) - 1)
    return out
