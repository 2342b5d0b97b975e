"""Watching the robot: top-down frames, notebook animations, sensor plots, pygame.

* :func:`frame` — one top-down picture (PIL) of the world, the robot, its trail and its
  sensors; the building block of everything else.
* :class:`RobotView` — an ipywidgets ``Image`` updated per frame: :meth:`RobotView.play`
  replays a finished run, :meth:`RobotView.follow` follows a live simulator (virtual
  board) from a background thread.
* :func:`animation` — a matplotlib animation (``.to_jshtml()`` works without a kernel).
* :func:`plot_run`, :func:`plot_sensors` — static figures for the notebook.
* :class:`PygameView` — the hall screen (``youthlab robot view``), any SDL video driver.
"""

from __future__ import annotations

import io
import math
import threading
import time
from functools import lru_cache
from typing import Any, Iterable, Sequence

from PIL import Image, ImageDraw, ImageFont

from youthlab.i18n import both, current_language, normalize_language, t
from youthlab.robot.kinematics import Pose, RobotBody, RobotParams
from youthlab.robot.worlds import LINE, World

ROBOT_COLOUR = (0, 90, 200)
TRAIL_COLOUR = (0, 150, 255)


@lru_cache(maxsize=4)
def _font(size: int) -> Any:
    """A font with Hangul (Nanum/Noto from Debian) for captions; PIL's default otherwise."""
    from matplotlib import font_manager

    for name in ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR"):
        try:
            path = font_manager.findfont(name, fallback_to_default=False)
            return ImageFont.truetype(path, size)
        except (ValueError, OSError):
            continue
    return ImageFont.load_default()


def _background(world: World, scale: float) -> Image.Image:
    key = ("view-bg", scale)
    if key not in world.cache:
        base = world.image(1)
        size = (int(world.cols * scale), int(world.rows * scale))
        world.cache[key] = base.resize(size, Image.NEAREST) if scale != 1 else base
    return world.cache[key]


def _sensor_points(pose: Pose, p: RobotParams) -> list[tuple[float, float]]:
    c, s = math.cos(pose.heading), math.sin(pose.heading)
    bx, by = pose.x + p.sensor_ahead * c, pose.y + p.sensor_ahead * s
    return [(bx - lat * s, by + lat * c) for lat in (p.sensor_spacing, 0.0, -p.sensor_spacing)]


def frame(world: World, pose: Pose, trail: Sequence[Pose] = (), *, scale: float = 1.0,
          params: RobotParams | None = None, deliveries: Iterable[dict] = (),
          caption: str | None = None) -> Image.Image:
    """One top-down picture (RGB) of the robot in its world."""
    p = params or RobotParams()
    img = _background(world, scale).copy()
    d = ImageDraw.Draw(img)
    k = scale / world.resolution

    def px(x: float, y: float) -> tuple[float, float]:
        return x * k, (world.height - y) * k

    if len(trail) > 1:
        d.line([px(q.x, q.y) for q in trail], fill=TRAIL_COLOUR, width=max(1, int(scale)))
    for info in deliveries:
        cx, cy = px(info["x"], info["y"])
        ok = info.get("house") is not None
        d.rectangle([cx - 4 * scale, cy - 3 * scale, cx + 4 * scale, cy + 3 * scale],
                    fill=(255, 215, 0) if ok else (160, 160, 160), outline=(0, 0, 0))
    cx, cy = px(pose.x, pose.y)
    r = p.body_radius * k
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=ROBOT_COLOUR, outline=(0, 0, 0))
    hx, hy = px(pose.x + p.body_radius * math.cos(pose.heading), pose.y + p.body_radius * math.sin(pose.heading))
    d.line([cx, cy, hx, hy], fill=(255, 255, 255), width=max(1, int(2 * scale)))
    for sx, sy in _sensor_points(pose, p):
        on = world.at(sx, sy) == LINE
        qx, qy = px(sx, sy)
        rr = max(1.5, 0.8 * k)
        d.ellipse([qx - rr, qy - rr, qx + rr, qy + rr], fill=(0, 200, 0) if on else (255, 80, 80))
    if caption:
        font = _font(max(10, int(7 * scale)))
        box = d.textbbox((6, 4), caption, font=font)
        d.rectangle([0, 0, box[2] + 6, box[3] + 4], fill=(255, 255, 255))
        d.text((6, 4), caption, fill=(0, 0, 0), font=font)
    return img


def _encode(img: Image.Image, fmt: str = "jpeg") -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt.upper(), quality=85) if fmt == "jpeg" else img.save(buf, format=fmt.upper())
    return buf.getvalue()


def result_frames(result: Any, *, every: float = 0.2, scale: float = 1.0) -> list[Image.Image]:
    """Frames of a finished run, one per ``every`` seconds of robot time."""
    trace = result.trace
    deliveries = [d for _, d in result.sim.deliveries()]
    times = [d_t for d_t, _ in result.sim.deliveries()]
    out, next_t, start = [], 0.0, 0
    for i, pose in enumerate(trace):
        if pose.t + 1e-9 >= next_t or i == len(trace) - 1:
            done = [d for d, dt in zip(deliveries, times) if dt <= pose.t]
            out.append(frame(result.world, pose, trace[max(start, i - 400): i + 1], scale=scale,
                             params=result.sim.body.p, deliveries=done,
                             caption=t("robot.view.time", time=f"{pose.t:.1f}")))
            next_t = pose.t + every
    return out


class RobotView:
    """A notebook widget (ipywidgets ``Image``) showing the robot, frame by frame."""

    def __init__(self, world: World, scale: float = 1.5) -> None:
        import ipywidgets as widgets

        self.world = world
        self.scale = scale
        self.image = widgets.Image(format="jpeg")
        self._stop = threading.Event()
        self.show(Pose(0.0, *world.start[:2], math.radians(world.start[2])))

    def show(self, pose: Pose, trail: Sequence[Pose] = (), **kw: Any) -> None:
        self.image.value = _encode(frame(self.world, pose, trail, scale=self.scale, **kw))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.image)

    def play(self, result: Any, speed: float = 4.0, fps: float = 12.0) -> None:
        """Replay a finished run at ``speed`` × real time (blocks until the end)."""
        every = speed / fps
        for img in result_frames(result, every=every, scale=self.scale):
            self.image.value = _encode(img)
            time.sleep(1 / fps)

    def follow(self, sim: Any, fps: float = 10.0) -> threading.Thread:
        """Follow a live simulator (e.g. behind a virtual board) until :meth:`stop`."""
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(1 / fps):
                with sim.lock:
                    pose, trail = sim.body.pose(), list(sim.body.trace[-400:])
                    deliveries = [d for _, d in sim.deliveries()]
                self.show(pose, trail, params=sim.body.p, deliveries=deliveries,
                          caption=t("robot.view.time", time=f"{pose.t:.1f}"))

        th = threading.Thread(target=loop, daemon=True, name="ylab-robot-view")
        th.start()
        return th

    def stop(self) -> None:
        self._stop.set()


def animation(result: Any, *, every: float = 0.5, interval_ms: int = 100):
    """A matplotlib animation of a finished run (``.to_jshtml()`` for static pages)."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    frames = result_frames(result, every=every, scale=1.0)
    fig, ax = plt.subplots(figsize=(6, 6 * result.world.height / result.world.width))
    ax.set_axis_off()
    art = ax.imshow(frames[0])
    fig.tight_layout()

    def update(i: int):
        art.set_data(frames[i])
        return (art,)

    anim = FuncAnimation(fig, update, frames=len(frames), interval=interval_ms, blit=True)
    plt.close(fig)
    return anim


def plot_run(result: Any, ax: Any = None, lang: str | None = None):
    """The world, the robot's path and where letters were dropped (matplotlib); labels in
    ``lang``, else the current language."""
    import matplotlib.pyplot as plt

    from youthlab.plotting import use_korean_font

    use_korean_font()
    w = result.world
    code = normalize_language(lang) or current_language()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7 * w.height / w.width))
    ax.imshow(w.image(1), extent=(0, w.width, 0, w.height))
    ax.plot([p.x for p in result.trace], [p.y for p in result.trace], color="#0096ff", lw=1.5)
    ax.plot([result.trace[-1].x], [result.trace[-1].y], "o", color="#005ac8", ms=8)
    for h in w.houses:
        x0, y0, x1, y1 = h.box
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, h.label(code), ha="center", va="center", fontsize=6,
                color="white")
    for _, d in result.sim.deliveries():
        ax.plot([d["x"]], [d["y"]], "s", color="gold" if d["house"] else "grey", mec="black", ms=8)
    ax.set_xlabel("x (cm)")
    ax.set_ylabel("y (cm)")
    ax.set_title(w.title.get(code) or w.title.get("en") or w.name)
    return ax


def sensor_history(result: Any) -> dict[str, list[float]]:
    """Line sensors (0/1) and ultrasonic distance (cm) at every traced pose."""
    body = RobotBody(result.world, result.sim.body.p)
    out: dict[str, list[float]] = {"t": [], "left": [], "centre": [], "right": [], "distance": []}
    for pose in result.trace:
        body.x, body.y, body.th = pose.x, pose.y, pose.heading
        l, c, r = body.on_line()
        out["t"].append(pose.t)
        out["left"].append(l)
        out["centre"].append(c)
        out["right"].append(r)
        out["distance"].append(body.distance())
    return out


def plot_sensors(result: Any, lang: str | None = None):
    """What the sensors saw over time: three line sensors and the distance."""
    import matplotlib.pyplot as plt

    from youthlab.plotting import use_korean_font

    def label(key: str) -> str:  # one language if asked for, else both ("왼쪽 · left")
        return t(key, lang) if lang else " · ".join(both(key).values())

    use_korean_font()
    h = sensor_history(result)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 4), sharex=True)
    sensors = (("left", "robot.plot.left"), ("centre", "robot.plot.centre"), ("right", "robot.plot.right"))
    for i, (name, key) in enumerate(sensors):
        a1.step(h["t"], [v + 1.5 * (2 - i) for v in h[name]], where="post", label=label(key))
    a1.set_yticks([])
    a1.legend(loc="upper right", fontsize=7)
    a1.set_title(label("robot.plot.line_sensors"))
    a2.plot(h["t"], h["distance"], color="#e4002b")
    a2.set_ylabel("cm")
    a2.set_xlabel(label("robot.plot.time"))
    a2.set_title(label("robot.plot.distance"))
    fig.tight_layout()
    return fig


class PygameView:
    """The hall screen: the same frames in a pygame window (or any SDL surface)."""

    def __init__(self, world: World, scale: float = 2.0, title: str | None = None, window: bool = True) -> None:
        import pygame

        self.pg = pygame
        self.world = world
        self.scale = scale
        self.size = (int(world.cols * scale), int(world.rows * scale))
        pygame.display.init()  # video only: the hall PC may have no sound card
        if window:
            self.screen = pygame.display.set_mode(self.size)
            pygame.display.set_caption(title or t("robot.view.title"))
        else:
            self.screen = pygame.Surface(self.size)
        self.window = window

    def draw(self, pose: Pose, trail: Sequence[Pose] = (), **kw: Any) -> Any:
        img = frame(self.world, pose, trail, scale=self.scale, **kw)
        surf = self.pg.image.frombytes(img.tobytes(), img.size, "RGB")
        self.screen.blit(surf, (0, 0))
        if self.window:
            self.pg.display.flip()
        return self.screen

    def closed(self) -> bool:
        """True when the window's close button (or Esc) was pressed."""
        for ev in self.pg.event.get():
            if ev.type == self.pg.QUIT or (ev.type == self.pg.KEYDOWN and ev.key == self.pg.K_ESCAPE):
                return True
        return False

    def replay(self, result: Any, speed: float = 4.0, fps: float = 30.0, hold: float = 2.0) -> int:
        """Play a finished run; returns the number of frames shown."""
        clock = self.pg.time.Clock()
        frames = result_frames(result, every=speed / fps, scale=self.scale)
        for img in frames:
            if self.window and self.closed():
                break
            self.screen.blit(self.pg.image.frombytes(img.tobytes(), img.size, "RGB"), (0, 0))
            if self.window:
                self.pg.display.flip()
            clock.tick(fps)
        end = time.monotonic() + hold
        while self.window and time.monotonic() < end and not self.closed():
            clock.tick(fps)
        return len(frames)

    def close(self) -> None:
        self.pg.display.quit()
