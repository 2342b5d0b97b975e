"""Worlds as data: ``youthlab/robot/worlds/*.yaml`` → a :class:`World` with a track image.

A world is a table top in centimetres (x to the east, y to the north, origin at the
south-west corner). It is drawn into a *floor raster* at ``resolution`` cm per pixel
whose bytes say what is under each point: :data:`FLOOR`, :data:`LINE` (dark tape the
line sensors see) or :data:`WALL` (what bumpers and the ultrasonic ranger hit). The
same raster feeds the simulator, the checker and (coloured) the views; :meth:`World.png`
writes it as an image so a teacher can print the track.

Three kinds of world (``task``):

* ``line``  — ``paths`` (polylines, optionally smoothed) and a ``finish`` pad;
* ``maze``  — an ASCII ``maze.map`` (``+--+`` walls, ``S`` start, ``G`` goal); a line runs
  along every open passage with a pad at each cell centre;
* ``town``  — a street grid with a door mark in front of each house and ``letters`` to
  deliver in order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image, ImageDraw

from youthlab.robot.errors import WorldError

WORLDS_DIR = Path(__file__).with_name("worlds")
FLOOR, LINE, WALL = 0, 1, 2
WALL_THICKNESS = 2.0  # cm


@dataclass
class House:
    address: str
    en: str
    door: tuple[float, float]
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in cm
    owner: dict[str, str]

    def label(self, lang: str = "ko") -> str:
        return self.address if lang == "ko" else self.en


@dataclass
class World:
    """One table: its floor raster, start pose and what the task asks for."""

    name: str
    task: str
    title: dict[str, str]
    width: float
    height: float
    resolution: float
    start: tuple[float, float, float]  # x, y cm; heading degrees (0 = east, 90 = north)
    time_limit: float
    raster: bytearray = field(repr=False)
    cols: int = 0
    rows: int = 0
    paths: list[list[tuple[float, float]]] = field(default_factory=list, repr=False)
    walls: list[tuple[float, float, float, float]] = field(default_factory=list, repr=False)
    finish: dict[str, float] | None = None
    houses: list[House] = field(default_factory=list)
    letters: list[str] = field(default_factory=list)
    maze: dict[str, Any] | None = None
    post_office: dict[str, Any] | None = None
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- raster access ----------------------------------------------------------------
    def at(self, x: float, y: float) -> int:
        """What is on the floor at (x, y) cm; outside the table counts as wall."""
        c = int(x / self.resolution)
        r = int((self.height - y) / self.resolution)
        if c < 0 or r < 0 or c >= self.cols or r >= self.rows:
            return WALL
        return self.raster[r * self.cols + c]

    def house(self, address: str) -> House | None:
        for h in self.houses:
            if address in (h.address, h.en):
                return h
        return None

    def image(self, scale: int = 1) -> Image.Image:
        """A coloured top view (RGB) of the floor: white floor, black line, brown walls."""
        palette = [250, 250, 246, 25, 25, 25, 139, 94, 60] + [0] * (256 * 3 - 9)
        img = Image.frombytes("P", (self.cols, self.rows), bytes(self.raster))
        img.putpalette(palette)
        img = img.convert("RGB")
        draw = ImageDraw.Draw(img)
        for h in self.houses:
            x0, y0, x1, y1 = h.box
            draw.rectangle([self.px(x0, y1), self.px(x1, y0)], fill=(228, 0, 43), outline=(90, 0, 0))
        if self.post_office:
            x, y = self.post_office["x"], self.post_office["y"]
            draw.rectangle([self.px(x - 26, y + 14), self.px(x - 16, y - 6)], fill=(255, 140, 0))
        if self.finish:
            f = self.finish
            draw.ellipse([self.px(f["x"] - f["r"], f["y"] + f["r"]), self.px(f["x"] + f["r"], f["y"] - f["r"])],
                         outline=(0, 160, 0), width=2)
        if scale != 1:
            img = img.resize((self.cols * scale, self.rows * scale), Image.NEAREST)
        return img

    def px(self, x: float, y: float) -> tuple[int, int]:
        """Pixel (column, row) of a point in cm."""
        return int(x / self.resolution), int((self.height - y) / self.resolution)

    def png(self, path: str | Path, scale: int = 1) -> Path:
        """Write the top view as a PNG (e.g. to print the track)."""
        path = Path(path)
        self.image(scale).save(path)
        return path


# -- loading ------------------------------------------------------------------------
def available_worlds() -> list[str]:
    """Names of the shipped worlds."""
    return sorted(p.stem for p in WORLDS_DIR.glob("*.yaml"))


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime: float) -> World:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return build_world(data)


def load_world(name_or_path: str | Path) -> World:
    """A shipped world by name (``"town"``), or any world YAML by path."""
    p = Path(name_or_path)
    if not p.suffix:
        p = WORLDS_DIR / f"{name_or_path}.yaml"
    if not p.exists():
        raise WorldError(name=str(name_or_path), names=", ".join(available_worlds()))
    return _load_cached(str(p.resolve()), p.stat().st_mtime)


def build_world(data: dict[str, Any]) -> World:
    """Build a world from its YAML mapping (see the module docstring)."""
    task = data.get("task", "line")
    builders = {"line": _build_line, "maze": _build_maze, "town": _build_town}
    if task not in builders:
        raise WorldError(name=data.get("name", "?"), names="line, maze, town")
    return builders[task](data)


def _catmull_rom(points: list[tuple[float, float]], per_segment: int = 12) -> list[tuple[float, float]]:
    pts = [points[0]] + list(points) + [points[-1]]
    out: list[tuple[float, float]] = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(per_segment):
            t = k / per_segment
            t2, t3 = t * t, t * t * t
            out.append(tuple(0.5 * (2 * p1[j] + (-p0[j] + p2[j]) * t + (2 * p0[j] - 5 * p1[j] + 4 * p2[j] - p3[j]) * t2
                                    + (-p0[j] + 3 * p1[j] - 3 * p2[j] + p3[j]) * t3) for j in (0, 1)))
    out.append(tuple(points[-1]))
    return out


class _Canvas:
    """Draws lines and walls in cm into two PIL masks at the world's resolution."""

    def __init__(self, width: float, height: float, res: float) -> None:
        self.w, self.h, self.res = width, height, res
        self.cols, self.rows = int(math.ceil(width / res)), int(math.ceil(height / res))
        self.line = Image.new("1", (self.cols, self.rows), 0)
        self.wall = Image.new("1", (self.cols, self.rows), 0)
        self.dl, self.dw = ImageDraw.Draw(self.line), ImageDraw.Draw(self.wall)
        self.walls: list[tuple[float, float, float, float]] = []

    def p(self, x: float, y: float) -> tuple[float, float]:
        return x / self.res, (self.h - y) / self.res

    def polyline(self, pts: list[tuple[float, float]], width: float) -> None:
        px = [self.p(*q) for q in pts]
        wpx = max(1, round(width / self.res))
        self.dl.line(px, fill=1, width=wpx, joint="curve")
        r = width / 2
        for q in pts[:1] + pts[-1:]:
            self.rect(q[0] - r, q[1] - r, q[0] + r, q[1] + r, self.dl)

    def rect(self, x0: float, y0: float, x1: float, y1: float, draw: ImageDraw.ImageDraw | None = None) -> None:
        (a, b), (c, d) = self.p(x0, y1), self.p(x1, y0)
        (draw or self.dl).rectangle([a, b, c - 1, d - 1], fill=1)

    def wall_rect(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.rect(x0, y0, x1, y1, self.dw)
        self.walls.append((x0, y0, x1, y1))

    def border(self) -> None:
        t = WALL_THICKNESS
        self.wall_rect(0, 0, self.w, t)
        self.wall_rect(0, self.h - t, self.w, self.h)
        self.wall_rect(0, 0, t, self.h)
        self.wall_rect(self.w - t, 0, self.w, self.h)

    def raster(self) -> bytearray:
        line = np.asarray(self.line, dtype=bool)
        wall = np.asarray(self.wall, dtype=bool)
        codes = np.where(wall, WALL, np.where(line, LINE, FLOOR)).astype(np.uint8)
        return bytearray(codes.tobytes())


def _common(data: dict[str, Any], canvas: _Canvas, start: tuple[float, float, float], **extra: Any) -> World:
    return World(
        name=data.get("name", "world"), task=data["task"],
        title=dict(data.get("title") or {"ko": data.get("name", ""), "en": data.get("name", "")}),
        width=canvas.w, height=canvas.h, resolution=canvas.res, start=start,
        time_limit=float(data.get("time_limit", 60)), raster=canvas.raster(),
        cols=canvas.cols, rows=canvas.rows, walls=canvas.walls, **extra,
    )


def _start(data: dict[str, Any]) -> tuple[float, float, float]:
    s = data.get("start") or {}
    return float(s.get("x", 10)), float(s.get("y", 10)), float(s.get("heading", 0))


def _build_line(data: dict[str, Any]) -> World:
    w, h = data.get("size", [200, 150])
    c = _Canvas(float(w), float(h), float(data.get("resolution", 0.5)))
    lw = float(data.get("line_width", 2))
    paths = []
    for spec in data.get("paths", []):
        pts = [tuple(map(float, q)) for q in spec["points"]]
        if spec.get("smooth"):
            pts = _catmull_rom(pts)
        c.polyline(pts, lw)
        paths.append(pts)
    finish = dict(data["finish"]) if data.get("finish") else None
    if finish and finish.get("pad"):
        r = finish["pad"] / 2
        c.rect(finish["x"] - r, finish["y"] - r, finish["x"] + r, finish["y"] + r)
    if data.get("border", True):
        c.border()
    return _common(data, c, _start(data), paths=paths, finish=finish)


def parse_maze(text: str) -> tuple[int, int, set[tuple[tuple[int, int], tuple[int, int]]], tuple[int, int], tuple[int, int]]:
    """ASCII maze → (columns, rows, open passages between cells, start cell, goal cell).

    Cells are (column, row) with row 0 at the *south*; a passage is a sorted pair of cells.
    """
    lines = [ln.rstrip() for ln in text.strip("\n").splitlines()]
    nrows = (len(lines) - 1) // 2
    ncols = (len(lines[0]) - 1) // 3
    opened: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    start = goal = (0, 0)

    def ch(r: int, i: int) -> str:
        return lines[r][i] if i < len(lines[r]) else " "

    for tr in range(nrows):  # tr = text row from the top
        row = nrows - 1 - tr
        cell_line = 2 * tr + 1
        for col in range(ncols):
            body = ch(cell_line, 3 * col + 1) + ch(cell_line, 3 * col + 2)
            if "S" in body:
                start = (col, row)
            if "G" in body:
                goal = (col, row)
            if col + 1 < ncols and ch(cell_line, 3 * col + 3) == " ":
                opened.add(((col, row), (col + 1, row)))
            below = 2 * tr + 2
            if row > 0 and ch(below, 3 * col + 1) == " ":
                opened.add(((col, row - 1), (col, row)))
    return ncols, nrows, opened, start, goal


def _build_maze(data: dict[str, Any]) -> World:
    m = data["maze"]
    cell = float(m.get("cell", 30))
    ox, oy = (float(v) for v in m.get("origin", [5, 5]))
    ncols, nrows, opened, start, goal = parse_maze(m["map"])
    w, h = ox * 2 + ncols * cell, oy * 2 + nrows * cell
    c = _Canvas(w, h, float(data.get("resolution", 0.5)))
    lw = float(data.get("line_width", 2))
    t2 = WALL_THICKNESS / 2

    def centre(cl: tuple[int, int]) -> tuple[float, float]:
        return ox + (cl[0] + 0.5) * cell, oy + (cl[1] + 0.5) * cell

    # walls: every cell boundary that is not an open passage
    for col in range(ncols):
        for row in range(nrows):
            x0, y0 = ox + col * cell, oy + row * cell
            if col == ncols - 1 or ((col, row), (col + 1, row)) not in opened:
                c.wall_rect(x0 + cell - t2, y0 - t2, x0 + cell + t2, y0 + cell + t2)
            if row == nrows - 1 or ((col, row), (col, row + 1)) not in opened:
                c.wall_rect(x0 - t2, y0 + cell - t2, x0 + cell + t2, y0 + cell + t2)
            if col == 0:
                c.wall_rect(x0 - t2, y0 - t2, x0 + t2, y0 + cell + t2)
            if row == 0:
                c.wall_rect(x0 - t2, y0 - t2, x0 + cell + t2, y0 + t2)
    paths = []
    for a, b in sorted(opened):
        pts = [centre(a), centre(b)]
        c.polyline(pts, lw)
        paths.append(pts)
    pad = float(m.get("pad", 5)) / 2
    for col in range(ncols):
        for row in range(nrows):
            x, y = centre((col, row))
            c.rect(x - pad, y - pad, x + pad, y + pad)
    sx, sy = centre(start)
    gx, gy = centre(goal)
    maze = {"cols": ncols, "rows": nrows, "cell": cell, "origin": (ox, oy), "start": start,
            "goal": goal, "open": sorted(opened)}
    return _common(data, c, (sx, sy, float(data.get("start_heading", 0))), paths=paths,
                   finish={"x": gx, "y": gy, "r": cell / 2 - 3}, maze=maze)


def _build_town(data: dict[str, Any]) -> World:
    tw = data["town"]
    xs, ys = [float(v) for v in tw["columns"]], [float(v) for v in tw["rows"]]
    w, h = (float(v) for v in tw["size"])
    c = _Canvas(w, h, float(data.get("resolution", 0.5)))
    lw = float(data.get("line_width", 2))
    paths = []
    for y in ys:
        pts = [(xs[0], y), (xs[-1], y)]
        c.polyline(pts, lw)
        paths.append(pts)
    for x in xs:
        pts = [(x, ys[0]), (x, ys[-1])]
        c.polyline(pts, lw)
        paths.append(pts)
    pad = float(tw.get("pad", 6)) / 2  # a dark square at every crossing: all three sensors see it
    for x in xs:
        for y in ys:
            c.rect(x - pad, y - pad, x + pad, y + pad)
    start = _start(data)
    po = data.get("post_office")
    if po:  # the driveway from the post office to the first crossing
        pts = [(start[0] - 2, start[1]), (float(po["x"]), float(po["y"]))]
        c.polyline(pts, lw)
    mark = float(tw.get("mark", 8)) / 2
    hw, hd = (float(v) for v in tw.get("house_size", [14, 10]))
    houses = []
    for spec in data.get("houses", []):
        (x0, y0), (x1, y1) = spec["segment"]
        dx, dy = (x0 + x1) / 2, (y0 + y1) / 2
        horizontal = y0 == y1
        if horizontal:
            c.rect(dx - lw / 2, dy - mark, dx + lw / 2, dy + mark)
        else:
            c.rect(dx - mark, dy - lw / 2, dx + mark, dy + lw / 2)
        gap = 12.0
        side = spec.get("side", "north")
        if side == "north":
            box = (dx - hw / 2, dy + gap, dx + hw / 2, dy + gap + hd)
        elif side == "south":
            box = (dx - hw / 2, dy - gap - hd, dx + hw / 2, dy - gap)
        elif side == "east":
            box = (dx + gap, dy - hw / 2, dx + gap + hd, dy + hw / 2)
        else:
            box = (dx - gap - hd, dy - hw / 2, dx - gap, dy + hw / 2)
        c.wall_rect(*box)
        houses.append(House(address=spec["address"], en=spec.get("en", spec["address"]), door=(dx, dy),
                            box=box, owner=dict(spec.get("owner") or {})))
    c.border()
    letters = list(data.get("letters", []))
    known = {h.address for h in houses} | {h.en for h in houses}
    for letter in letters:
        if letter not in known:
            raise WorldError(name=f"{data.get('name')}: {letter}", names=", ".join(h.address for h in houses))
    return _common(data, c, start, paths=paths, houses=houses, letters=letters,
                   post_office=dict(po) if po else None)
