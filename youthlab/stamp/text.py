"""Text (Hangul and Latin) → shapely outlines in millimetres, checked glyph by glyph.

The outline is how the text *reads* (un-mirrored); mirroring happens when the stamp is
composed. Glyph contours are filled with the non-zero winding rule, so fonts whose Hangul
syllables are built from overlapping parts come out solid.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from shapely.affinity import scale as _scale
from shapely.affinity import translate as _translate
from shapely.geometry import MultiPolygon, Polygon

from youthlab.stamp.errors import BadSize, EmptyText
from youthlab.stamp.fonts import Font, check_coverage, missing_chars, resolve_font

_EM = 100.0  # glyphs are traced at this size (font units) for smooth curves, then scaled
MAX_CHARS = 40


def text_outline(
    text: str,
    size: float = 10.0,
    font: str | None = None,
    line_spacing: float = 1.25,
    vertical: bool = False,
) -> MultiPolygon:
    """Outline of ``text`` with its lower-left corner at (0, 0).

    ``size`` is the height in mm of a full Hangul syllable (e.g. "한"), or of a capital
    "H" in fonts without Hangul — so "ㅡ" or "-" stays small and mixed text keeps its
    proportions.

    ``vertical=True`` stacks the characters top to bottom, as on a Korean name seal.
    Multiple lines (``"\\n"``) are centred under each other. Raises :class:`EmptyText`,
    :class:`MissingGlyph` (no silent fallback to another font) or :class:`BadSize`.
    """
    text = (text or "").strip()
    if not text:
        raise EmptyText()
    if len(text) > MAX_CHARS:
        raise BadSize(detail=f"{len(text)} > {MAX_CHARS}")
    if not (0.5 <= size <= 200):
        raise BadSize(detail=f"size={size} mm")
    f = resolve_font(font)
    check_coverage(text, f)
    lines = list(text) if vertical and "\n" not in text else text.split("\n")
    lines = [ln.strip() for ln in lines if ln.strip()]
    geoms = []
    y = 0.0
    for line in lines:
        g = _line_outline(line, f)
        if not g.is_empty:
            minx, _, maxx, _ = g.bounds
            geoms.append(_translate(g, -(minx + maxx) / 2, y))
        y -= _EM * line_spacing
    shape = shapely.union_all(geoms)
    if shape.is_empty:
        raise EmptyText()
    minx, miny, maxx, maxy = shape.bounds
    k = size / _reference_height(f)
    shape = _scale(_translate(shape, -minx, -miny), k, k, origin=(0, 0))
    return _as_multipolygon(shape)


@lru_cache(maxsize=16)
def _reference_height(font: Font) -> float:
    """Ink height (font units at _EM) of the glyph that defines ``size``."""
    ref = "한" if not missing_chars("한", font) else "H"
    b = _line_outline(ref, font).bounds
    return (b[3] - b[1]) if b and not np.isnan(b[1]) else _EM


@lru_cache(maxsize=256)
def _line_outline(line: str, font: Font) -> shapely.Geometry:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), line, size=_EM, prop=FontProperties(fname=str(font.path)), usetex=False)
    rings = [np.asarray(p) for p in path.to_polygons(closed_only=True) if len(p) >= 4]
    return nonzero_fill(rings)


def nonzero_fill(rings: list[np.ndarray]) -> shapely.Geometry:
    """Fill closed rings with the non-zero winding rule (as font rasterisers do)."""
    rings = [r for r in rings if abs(_signed_area(r)) > 1e-9]
    if not rings:
        return MultiPolygon()
    lines = [shapely.linearrings(r) for r in rings]
    # Node all ring boundaries into faces, then keep each face whose winding number
    # (sum of the directions of the rings around it) is not zero.
    noded = shapely.union_all(lines)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    if not faces:
        return MultiPolygon()
    signs = np.array([np.sign(_signed_area(r)) for r in rings])
    polys = shapely.make_valid(shapely.polygons(lines))
    pts = shapely.point_on_surface(faces)
    keep = []
    for face, pt in zip(faces, pts):
        inside = shapely.contains(polys, pt)
        if signs[inside].sum() != 0:
            keep.append(face)
    return shapely.union_all(keep) if keep else MultiPolygon()


def _signed_area(r: np.ndarray) -> float:
    x, y = r[:, 0], r[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _as_multipolygon(g: shapely.Geometry) -> MultiPolygon:
    polys = [p for p in shapely.get_parts(g) if isinstance(p, Polygon) and not p.is_empty]
    return MultiPolygon(polys)
