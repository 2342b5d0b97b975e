"""Compose a stamp: base plate, border, relief (mirrored for rubber stamps), optional handle,
and postage-stamp plaques with a perforated edge and a denomination."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import shapely
import trimesh
from shapely.affinity import scale as _scale
from shapely.affinity import translate as _translate
from shapely.geometry import MultiPolygon, Point, box

from youthlab.stamp.errors import BadSize, EmptyText, TextTooWide
from youthlab.stamp.export import ink_preview, save, summary_html
from youthlab.stamp.mesh import check_solid, extrude, frustum, mirror_x, to_trimesh
from youthlab.stamp.printability import check
from youthlab.stamp.text import text_outline

PLATES = ("rect", "round", "oval")


@dataclass(frozen=True)
class StampOptions:
    """How the stamp is built (all lengths in mm)."""

    plate: str = "rect"  # rect | round | oval
    margin: float = 2.0  # space between the design and the border / plate edge
    border: float = 0.0  # width of a raised frame around the design (0 = none)
    base_height: float = 3.0
    relief_height: float = 1.5
    mirror: bool = True  # rubber stamps print mirrored; plaques don't
    handle: bool = False  # a tapered grip under the plate (prints without supports)
    handle_height: float = 12.0


@dataclass
class Stamp:
    """A composed stamp: the ink outline (as it reads on paper), the plate and the solid."""

    ink: MultiPolygon  # what touches the paper, as it reads (un-mirrored)
    plate: shapely.Geometry  # outline of the base plate
    options: StampOptions
    mesh: trimesh.Trimesh
    name: str = "stamp"
    meta: dict = field(default_factory=dict)

    @property
    def size_mm(self) -> tuple[float, float, float]:
        ext = self.mesh.extents
        return float(ext[0]), float(ext[1]), float(ext[2])

    def save(self, path: str | Path) -> Path:
        return save(self, path)

    def check(self, **kwargs):
        return check(self, **kwargs)

    def ink_preview(self, **kwargs):
        return ink_preview(self, **kwargs)

    def _repr_html_(self) -> str:
        return summary_html(self)


def _centered(geom: shapely.Geometry) -> shapely.Geometry:
    minx, miny, maxx, maxy = geom.bounds
    return _translate(geom, -(minx + maxx) / 2, -(miny + maxy) / 2)


def plate_outline(design: shapely.Geometry, plate: str, margin: float) -> shapely.Geometry:
    """Plate around a centred design: rectangle, circle or ellipse with ``margin`` around it."""
    if plate not in PLATES:
        raise BadSize(detail=f"plate={plate!r} (choose {', '.join(PLATES)})")
    minx, miny, maxx, maxy = design.bounds
    if plate == "rect":
        return box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    if plate == "round":
        circle = shapely.minimum_bounding_circle(design)
        c = circle.centroid
        r = shapely.minimum_bounding_radius(design) + margin
        return Point(c.x, c.y).buffer(r, quad_segs=32)
    # oval: an ellipse through the design's bounding box corners, plus margin
    w, h = (maxx - minx) / 2 * math.sqrt(2) + margin, (maxy - miny) / 2 * math.sqrt(2) + margin
    return _scale(Point(0, 0).buffer(1.0, quad_segs=32), w, h, origin=(0, 0))


def compose(design: shapely.Geometry, options: StampOptions | None = None, name: str = "stamp",
            plate: shapely.Geometry | None = None, layers: list[shapely.Geometry] = (),
            layer_step: float = 0.6) -> Stamp:
    """Build the solid for ``design`` (outlines in mm, as the print should read).

    ``layers`` (outlines in the same coordinates as ``design``) are stacked on top of the
    relief, each ``layer_step`` mm higher: a terraced height field, e.g. a posterized picture.
    """
    o = options or StampOptions()
    if design is None or design.is_empty:
        raise EmptyText()
    if o.base_height <= 0 or o.relief_height <= 0:
        raise BadSize(detail="base_height/relief_height must be > 0")
    minx, miny, maxx, maxy = design.bounds
    dx, dy = -(minx + maxx) / 2, -(miny + maxy) / 2
    design = _translate(design, dx, dy)
    layers = [_translate(g, dx, dy) for g in layers if g is not None and not g.is_empty]
    if plate is None:
        plate = plate_outline(design, o.plate, o.margin + (o.border + 0.8 if o.border > 0 else 0))
    ink = design
    if o.border > 0:
        inner = plate.buffer(-0.8)
        ring = inner.difference(inner.buffer(-o.border))
        ink = shapely.union(ink, ring)
    ink = MultiPolygon([p for p in shapely.get_parts(ink.buffer(0)) if p.area > 1e-6])
    relief = mirror_x(ink) if o.mirror else ink
    plate_3d = mirror_x(plate) if o.mirror else plate

    z = 0.0
    parts = []
    convex = plate_3d.convex_hull.area - plate_3d.area < 1e-6 * plate_3d.area
    if o.handle:
        size = min(plate.bounds[2] - plate.bounds[0], plate.bounds[3] - plate.bounds[1])
        taper = min(o.handle_height * 0.9, 0.3 * size)  # walls at most ~42° from vertical
        bottom = plate_3d.buffer(-taper)
        z = o.handle_height
        if convex:  # grip and plate as one convex solid
            parts.append(frustum([(bottom, 0.0), (plate_3d, z), (plate_3d, z + o.base_height)]))
        else:  # e.g. a perforated plaque: the largest convex grip that stays under the plate
            top, d = plate_3d.convex_hull, 0.0
            while not top.buffer(-1e-3).within(plate_3d) and d < size / 2:
                d += 0.25
                top = plate_3d.buffer(-d).convex_hull
            parts.append(frustum([(top.buffer(-taper), 0.0), (top, z + 0.01)]))
    if not (o.handle and convex):
        parts.append(extrude(plate_3d, z, z + o.base_height))
    overlap = min(0.5, o.base_height / 2)
    top = z + o.base_height + o.relief_height
    parts.append(extrude(relief, z + o.base_height - overlap, top))
    for i, layer in enumerate(layers):
        layer = mirror_x(layer) if o.mirror else layer
        parts.append(extrude(layer, top + i * layer_step - overlap, top + (i + 1) * layer_step))
    solid = parts[0]
    for p in parts[1:]:
        solid = solid + p
    mesh = to_trimesh(solid)
    check_solid(mesh)
    return Stamp(ink=ink, plate=plate, options=o, mesh=mesh, name=name)


def text_stamp(text: str, size: float = 10.0, font: str | None = None, vertical: bool = False,
               **options) -> Stamp:
    """A rubber stamp of ``text`` (``size`` = letter height in mm), mirrored by default."""
    design = text_outline(text, size=size, font=font, vertical=vertical)
    st = compose(design, StampOptions(**options), name=text.strip().replace("\n", " "))
    st.meta.update(kind="text", text=text, size=size, font=font, vertical=vertical)
    return st


def perforated_rect(width: float, height: float, pitch: float = 2.4, hole: float = 1.4) -> shapely.Geometry:
    """A ``width`` × ``height`` rectangle with half-round bites along every edge (perforation)."""
    rect = box(-width / 2, -height / 2, width / 2, height / 2)
    holes = []
    for length, fixed, horizontal in ((width, height / 2, True), (width, -height / 2, True),
                                      (height, width / 2, False), (height, -width / 2, False)):
        n = max(2, int(length // pitch))
        step = length / n
        for i in range(n + 1):
            t = -length / 2 + i * step
            x, y = (t, fixed) if horizontal else (fixed, t)
            holes.append(Point(x, y).buffer(hole / 2, quad_segs=8))
    return rect.difference(shapely.union_all(holes))


def postage_stamp(picture: shapely.Geometry | None = None, denomination: str = "430원",
                  country: str = "대한민국", width: float = 40.0, height: float = 48.0,
                  mirror: bool = False, font: str | None = None, **options) -> Stamp:
    """A postage-stamp plaque: perforated edge, frame, picture, denomination and country name.

    ``picture`` (outlines in mm, e.g. from :func:`youthlab.stamp.image.image_outline`) is
    scaled to fit the window. ``mirror=True`` makes it a rubber stamp instead of a plaque.
    """
    if width < 15 or height < 15 or width > 200 or height > 200:
        raise BadSize(detail=f"{width}×{height} mm")
    plate = perforated_rect(width, height)
    inner_w, inner_h = width - 2 * 2.2, height - 2 * 2.2
    frame = box(-inner_w / 2, -inner_h / 2, inner_w / 2, inner_h / 2)
    frame = frame.difference(frame.buffer(-1.0, join_style="mitre"))
    parts = [frame]
    label_h = max(5.0, height * 0.11)  # Hangul below ~5 mm loses strokes at a 0.4 mm nozzle
    win = box(-inner_w / 2 + 1.8, -inner_h / 2 + 1.8 + label_h + 1.0, inner_w / 2 - 1.8, inner_h / 2 - 1.8 - label_h - 1.0)
    if denomination:
        d = text_outline(denomination, size=label_h, font=font)
        room = inner_w - 3.6
        if d.bounds[2] > room:  # it would run over the frame and off the plaque
            raise TextTooWide(text=denomination, width=f"{d.bounds[2]:.0f}", room=f"{room:.0f}")
        parts.append(_translate(d, inner_w / 2 - 1.8 - d.bounds[2], -inner_h / 2 + 1.6))
    if country:
        c = text_outline(country, size=label_h, font=font)
        k = min(1.0, (inner_w - 3.6) / max(c.bounds[2], 1e-6))
        c = _scale(c, k, k, origin=(0, 0))
        parts.append(_translate(c, -c.bounds[2] / 2, inner_h / 2 - 1.6 - c.bounds[3]))
    if picture is not None and not picture.is_empty:
        pic = _centered(picture)
        pw, ph = pic.bounds[2] - pic.bounds[0], pic.bounds[3] - pic.bounds[1]
        ww, wh = win.bounds[2] - win.bounds[0], win.bounds[3] - win.bounds[1]
        k = min(ww / pw, wh / ph)
        cy = (win.bounds[1] + win.bounds[3]) / 2
        parts.append(_translate(_scale(pic, k, k, origin=(0, 0)), 0, cy))
    design = shapely.union_all(parts)
    opts = dict(margin=0.0, relief_height=1.0, base_height=2.0, mirror=mirror)
    opts.update(options)
    st = compose(design, StampOptions(**opts), name="postage", plate=plate)
    st.meta.update(kind="postage", denomination=denomination, country=country, width=width, height=height)
    return st
