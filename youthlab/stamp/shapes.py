"""Simple shapes for stamps and plaques (mm, centred at the origin): star, heart, envelope…"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, box

from youthlab.stamp.errors import BadSize

SHAPES = ("circle", "star", "heart", "envelope", "ring")


def star(size: float = 20.0, points: int = 5, inner: float = 0.45) -> Polygon:
    """A ``points``-pointed star ``size`` mm across."""
    r = size / 2
    angles = np.arange(2 * points) * math.pi / points + math.pi / 2
    radii = np.where(np.arange(2 * points) % 2 == 0, r, r * inner)
    return Polygon(np.c_[radii * np.cos(angles), radii * np.sin(angles)])


def heart(size: float = 20.0) -> Polygon:
    """A heart ``size`` mm wide (the classic parametric curve)."""
    t = np.linspace(0, 2 * math.pi, 160, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    k = size / 32
    return Polygon(np.c_[x * k, y * k])


def envelope(width: float = 24.0, line: float = 1.6) -> shapely.Geometry:
    """A letter envelope outline with its flap (the post office's sign)."""
    h = width * 0.65
    outer = box(-width / 2, -h / 2, width / 2, h / 2)
    frame = outer.difference(outer.buffer(-line, join_style="mitre"))
    flap = shapely.LineString([(-width / 2, h / 2), (0, -h / 10), (width / 2, h / 2)]).buffer(line / 2)
    return shapely.union(frame, flap.intersection(outer))


def circle(size: float = 20.0) -> Polygon:
    return Point(0, 0).buffer(size / 2, quad_segs=32)


def ring(size: float = 20.0, line: float = 2.0) -> shapely.Geometry:
    c = circle(size)
    return c.difference(c.buffer(-line))


def shape(name: str, size: float = 20.0) -> shapely.Geometry:
    """A shape by name (one of :data:`SHAPES`), ``size`` mm across."""
    makers = {"circle": circle, "star": star, "heart": heart, "envelope": envelope, "ring": ring}
    if name not in makers:
        raise BadSize(detail=f"shape={name!r} ({', '.join(SHAPES)})")
    return makers[name](size)
