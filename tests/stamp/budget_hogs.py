"""Work that goes over the stamp budget on purpose (imported by the budget's child process)."""

from __future__ import annotations

import time


def eat_memory(mb: int) -> int:
    chunks = []
    for _ in range(mb // 50):
        chunks.append(bytearray(50 * 1024 * 1024))
    return len(chunks)


def spin(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def old_stroke_search(png: bytes) -> float:
    """The stroke-width search as it was before the fix (opening by up to 2·√area) on a
    noise picture traced without the complexity check: what took 3–23 GB."""
    import math

    import shapely

    from youthlab.stamp import image

    image.MAX_PIECES = image.MAX_TRACE_POINTS = 10**9
    geom = image.image_outline(png, width=30)
    area = geom.area
    lo, hi = 0.0, 2 * math.sqrt(area)
    for _ in range(14):
        mid = (lo + hi) / 2
        kept = geom.buffer(-mid / 2, quad_segs=4).buffer(mid / 2, quad_segs=4).area
        lo, hi = (mid, hi) if kept >= 0.98 * area else (lo, mid)
    return shapely.get_num_coordinates(geom) + lo
