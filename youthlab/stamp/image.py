"""Drawings (PNG/JPEG) → threshold → smooth vector outlines in millimetres.

Untrusted uploads are opened defensively: a byte limit, a pixel limit checked from the
header *before* decoding (decompression bombs), Pillow's own bomb check as errors, and
clear messages for files that are not pictures or are damaged.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import shapely
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from shapely.affinity import scale as _scale
from shapely.geometry import MultiPolygon, Polygon

from youthlab.stamp.errors import BadSize, CorruptImage, EmptyDrawing, ImageTooLarge, NotAnImage, TooDetailed

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
MAX_PIXELS = 16_000_000  # 16 MP: a phone photo; anything larger is refused
MAX_BYTES = 20 * 1024 * 1024
WORK_PX = 600  # drawings are traced at most this many pixels on their long side
# A stamp holds a drawing, not a photo: more separate pieces (outlines and holes bigger than
# the smallest printable speck) or outline points than this are refused before tracing.
MAX_PIECES = 300
MAX_TRACE_POINTS = 40_000

# File signatures of the allowed formats: such a file that Pillow cannot read is damaged.
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"RIFF")

Source = str | os.PathLike | bytes | BinaryIO


def load_image(source: Source, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES,
               name: str | None = None) -> Image.Image:
    """Open an uploaded picture safely as greyscale ("L"), transparent parts white."""
    data, name = _read_bytes(source, max_bytes, name)
    if len(data) > max_bytes:
        raise ImageTooLarge(detail=f"{len(data) / 1e6:.1f} MB", limit=f"{max_bytes / 1e6:.0f} MB")
    limit = f"{max_pixels / 1e6:.0f} MP"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data))
            fmt = im.format
            w, h = im.size
            if fmt not in ALLOWED_FORMATS:
                raise NotAnImage(name=name, formats=", ".join(ALLOWED_FORMATS))
            if w * h > max_pixels:
                raise ImageTooLarge(detail=f"{w}×{h} px", limit=limit)
            if fmt == "JPEG":
                im.draft("L", (WORK_PX, WORK_PX))
            im.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            m = re.search(r"(\d+) pixels", str(exc))
            size = f"{int(m.group(1)) / 1e6:.0f} MP, " if m else ""
            raise ImageTooLarge(detail=f"{size}decompression bomb", limit=limit) from None
        except UnidentifiedImageError:
            if data.startswith(_MAGIC):  # looks like a picture, but is broken
                raise CorruptImage(name=name) from None
            raise NotAnImage(name=name, formats=", ".join(ALLOWED_FORMATS)) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            if "too large" in str(exc).lower():
                raise ImageTooLarge(detail=str(exc)[:80], limit=limit) from None
            raise CorruptImage(name=name) from None
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    im = im.convert("L")
    if max(im.size) > WORK_PX:
        im.thumbnail((WORK_PX, WORK_PX), Image.LANCZOS)
    return im


def _read_bytes(source: Source, max_bytes: int, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), name or "upload"
    if hasattr(source, "read"):
        return source.read(max_bytes + 1), name or getattr(source, "name", "upload")
    path = Path(source)
    if not path.is_file():
        raise NotAnImage(name=path.name, formats=", ".join(ALLOWED_FORMATS))
    if path.stat().st_size > max_bytes:
        raise ImageTooLarge(detail=f"{path.stat().st_size / 1e6:.1f} MB", limit=f"{max_bytes / 1e6:.0f} MB")
    return path.read_bytes(), name or path.name


def otsu(gray: np.ndarray) -> float:
    """Otsu's threshold (0..255) of a greyscale array."""
    hist = np.bincount(gray.ravel().astype(np.uint8), minlength=256).astype(float)
    p = hist / hist.sum()
    omega = np.cumsum(p)
    mu = np.cumsum(p * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = (mu[-1] * omega - mu) ** 2 / (omega * (1 - omega))
    sigma = np.nan_to_num(sigma)
    best = np.flatnonzero(sigma >= sigma.max() * (1 - 1e-9))  # a plateau: take its middle
    return float(best.mean()) + 0.5


def image_outline(source: Source | Image.Image, width: float = 30.0, threshold: float | None = None,
                  invert: bool = False, smooth: float = 1.0, min_feature: float = 0.2,
                  max_pixels: int = MAX_PIXELS) -> MultiPolygon:
    """Outline of the dark parts of a drawing (``invert``: the light parts), ``width`` mm wide.

    ``threshold`` is 0–255 (default: Otsu's automatic choice); ``smooth`` blurs by that many
    pixels first; specks smaller than ``min_feature`` mm are dropped.
    """
    import contourpy

    im = source if isinstance(source, Image.Image) else load_image(source, max_pixels=max_pixels)
    im = im.convert("L")
    gray = np.asarray(im, dtype=np.uint8)
    level = otsu(gray) if threshold is None else float(threshold)
    if smooth > 0:
        gray = np.asarray(im.filter(ImageFilter.GaussianBlur(smooth)), dtype=np.uint8)
    ink = (255.0 - gray) if not invert else gray.astype(float)
    level = 255.0 - level if not invert else level
    if ink.max() <= level or ink.min() >= level:
        raise EmptyDrawing()
    h, w = ink.shape
    z = np.pad(ink, 1, constant_values=ink.min() if ink.min() < level else 0)
    z = z[::-1]  # row 0 at the bottom, so y goes up
    gen = contourpy.contour_generator(z=z, fill_type=contourpy.FillType.OuterOffset)
    points, offsets = gen.filled(level, float(z.max()) + 1.0)
    k = width / w
    polys = _traced_polygons(points, offsets, min_area_px=(min_feature / k) ** 2)
    geom = shapely.make_valid(MultiPolygon(polys))
    geom = _scale(geom, k, k, origin=(0, 0)).simplify(0.3 * k)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > min_feature ** 2]
    if not parts:
        raise EmptyDrawing()
    return MultiPolygon(parts) if all(p.is_valid for p in parts) else _as_mp(shapely.union_all(parts))


def _ring_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)))


def _traced_polygons(points: list, offsets: list, min_area_px: float) -> list[Polygon]:
    """Polygons from contourpy's rings, specks dropped first (cheap, in numpy); refuses a
    picture with more pieces or points than a stamp can hold *before* any geometry is built
    (noise made GEOS allocate gigabytes later on)."""
    rings: list[tuple[np.ndarray, list[np.ndarray]]] = []
    pieces = vertices = 0
    for pts, offs in zip(points, offsets):
        ring_list = [pts[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
        if not ring_list or len(ring_list[0]) < 4 or _ring_area(ring_list[0]) < min_area_px:
            continue
        holes = [r for r in ring_list[1:] if len(r) >= 4 and _ring_area(r) >= min_area_px]
        rings.append((ring_list[0], holes))
        pieces += 1 + len(holes)
        vertices += len(ring_list[0]) + sum(len(r) for r in holes)
    if pieces > MAX_PIECES or vertices > MAX_TRACE_POINTS:
        raise TooDetailed(pieces=pieces if pieces > MAX_PIECES else f"{vertices} points",
                          limit=MAX_PIECES if pieces > MAX_PIECES else f"{MAX_TRACE_POINTS} points")
    return [Polygon(outer, holes) for outer, holes in rings]


def _as_mp(g) -> MultiPolygon:
    return MultiPolygon([p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty])


def image_stamp(source: Source, width: float = 30.0, threshold: float | None = None, invert: bool = False,
                smooth: float = 1.0, **options):
    """A rubber stamp from a drawing, ``width`` mm wide (mirrored by default)."""
    from youthlab.stamp.compose import StampOptions, compose

    design = image_outline(source, width=width, threshold=threshold, invert=invert, smooth=smooth)
    name = Path(source).stem if isinstance(source, (str, os.PathLike)) else "drawing"
    st = compose(design, StampOptions(**options), name=name)
    st.meta.update(kind="image", width=width)
    return st


def image_levels(source: Source | Image.Image, width: float = 30.0, levels: int = 3, invert: bool = False,
                 smooth: float = 1.0) -> list[MultiPolygon]:
    """Posterize a picture: outlines at ``levels`` darkness thresholds, lightest first.

    Each outline holds the darker ones inside it, so stacking them makes a terraced
    height field (dark = high, or light = high with ``invert``).
    """
    if not 1 <= levels <= 6:
        raise BadSize(detail=f"levels={levels} (1–6)")
    im = source if isinstance(source, Image.Image) else load_image(source)
    out = []
    for k in range(levels, 0, -1):
        level = 255.0 * k / (levels + 1)
        try:
            out.append(image_outline(im, width=width, threshold=level, invert=invert, smooth=smooth))
        except EmptyDrawing:
            continue
    if not out:
        raise EmptyDrawing()
    return out


def terrace_stamp(source: Source, width: float = 30.0, levels: int = 3, step: float = 0.6,
                  invert: bool = False, **options):
    """A plaque whose height follows the picture's darkness in ``levels`` steps (a posterized
    height field). Not mirrored unless ``mirror=True``; only the top level would ink paper."""
    from youthlab.stamp.compose import StampOptions, compose

    outlines = image_levels(source, width=width, levels=levels, invert=invert)
    options.setdefault("mirror", False)
    name = Path(source).stem if isinstance(source, (str, os.PathLike)) else "drawing"
    st = compose(outlines[0], StampOptions(**options), name=name, layers=outlines[1:], layer_step=step)
    st.meta.update(kind="terrace", width=width, levels=len(outlines))
    return st
