"""Will it print? Thin strokes and gaps vs the nozzle, bed fit, overhangs, filament, time.

Thin strokes are found by *opening* the relief outline (erode by half the nozzle width,
then grow back): what does not come back is narrower than the nozzle can draw.
Narrow gaps are found the same way on the background (*closing*).
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
import trimesh

from youthlab.i18n import t
from youthlab.stamp.errors import DesignTooComplex, MeshError
from youthlab.stamp.export import printed_outline
from youthlab.stamp.fonts import resolve_font
from youthlab.stamp.mesh import check_solid
from youthlab.stamp.profiles import PrinterProfile, load_profile

# A piece of lost/filled area smaller than this (mm²) is corner rounding, not a problem.
_NOISE_AREA = 0.05
# Rough print model for the quick estimate (the slicer gives the real numbers):
_SOLID_SHARE = 0.75  # share of the solid volume actually extruded (infill < 100 %)
_FLOW_MM3_S = 1.9  # effective volumetric rate of a small, detailed print
# Outline points a design may have to be checked (a long text in a detailed font ~15 000).
MAX_CHECK_POINTS = 60_000


@dataclass
class Finding:
    key: str  # message key in stamp.yaml
    level: str  # "ok" | "warning" | "error"
    params: dict = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)


@dataclass
class Report:
    """The printability report of one stamp (lengths mm, areas mm², volume cm³)."""

    nozzle: float
    stroke_width: float  # narrowest stroke width that keeps 98 % of the relief
    thin_area: float
    thin_spots: shapely.Geometry
    gap_area: float
    gap_spots: shapely.Geometry
    fits_bed: bool
    overhang_area: float
    overhang_spots: np.ndarray
    volume_cm3: float
    filament_g: float
    filament_m: float
    time_min: float
    suggested_size: float | None
    findings: list[Finding]
    ink: shapely.Geometry
    plate: shapely.Geometry | None = None

    @property
    def printable(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.level != "ok"]

    def text(self, lang: str | None = None) -> str:
        mark = {"ok": "✓", "warning": "!", "error": "✗"}
        head = t("stamp.report.printable" if self.printable else "stamp.report.not_printable", lang)
        return "\n".join([head] + [f"  {mark[f.level]} {f.text(lang)}" for f in self.findings])

    def figure(self, lang: str | None = None):
        """A matplotlib figure of the design with the problem spots marked."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6, 4.5), dpi=100)
        ax = fig.add_subplot()
        if self.plate is not None:
            _fill(ax, self.plate, "#eeeeee", "#999999")
        _fill(ax, self.ink, "#333333", None, label=t("stamp.report.legend.design", lang))
        if self.thin_area > 0:
            _fill(ax, self.thin_spots.buffer(0.15), "#e53935", None, label=t("stamp.report.legend.thin", lang))
        if self.gap_area > 0:
            _fill(ax, self.gap_spots.buffer(0.15), "#fb8c00", None, label=t("stamp.report.legend.gap", lang))
        if len(self.overhang_spots):
            ax.scatter(self.overhang_spots[:, 0], self.overhang_spots[:, 1], s=6, c="#8e24aa",
                       label=t("stamp.report.legend.overhang", lang))
        ax.set_aspect("equal")
        ax.set_xlabel("mm")
        ax.set_title(t("stamp.report.figure_title", lang, nozzle=self.nozzle), fontproperties=_korean_font(12))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper right", fontsize=8, prop=_korean_font())
        return fig

    def png(self, lang: str | None = None) -> bytes:
        buf = io.BytesIO()
        self.figure(lang).savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()

    def _repr_html_(self) -> str:
        import base64

        colour = {"ok": "#2e7d32", "warning": "#ef6c00", "error": "#c62828"}
        mark = {"ok": "✓", "warning": "!", "error": "✗"}
        rows = "".join(
            f'<li style="color:{colour[f.level]}">{mark[f.level]} {html.escape(f.text())}</li>'
            for f in self.findings
        )
        head = t("stamp.report.printable" if self.printable else "stamp.report.not_printable")
        img = base64.b64encode(self.png()).decode()
        return (f"<div><b>{html.escape(head)}</b><ul>{rows}</ul>"
                f'<img src="data:image/png;base64,{img}" style="max-width:520px"/></div>')


def _korean_font(size: float = 8):
    from matplotlib.font_manager import FontProperties

    try:
        return FontProperties(fname=str(resolve_font("nanum-gothic").path), size=size)
    except Exception:  # noqa: BLE001 - a legend without Hangul is still a legend
        return None


def _fill(ax, geom, face, edge, label=None) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    first = True
    for poly in shapely.get_parts(geom):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        verts, codes = [], []
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            verts.extend(xy)
            codes.extend([MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY])
        ax.add_patch(PathPatch(MPath(verts, codes), facecolor=face, edgecolor=edge or face, lw=0.5,
                               label=label if first else None))
        first = False
    ax.autoscale_view()


def opening_loss(geom: shapely.Geometry, width: float) -> shapely.Geometry:
    """Parts of ``geom`` narrower than ``width`` (lost by eroding and re-growing)."""
    r = width / 2
    opened = geom.buffer(-r, quad_segs=8).buffer(r, quad_segs=8)
    return _significant(geom.difference(opened))


def closing_fill(geom: shapely.Geometry, width: float) -> shapely.Geometry:
    """Gaps in ``geom`` narrower than ``width`` (filled by growing and shrinking back)."""
    r = width / 2
    closed = geom.buffer(r, quad_segs=8).buffer(-r, quad_segs=8)
    return _significant(closed.difference(geom))


def _significant(g: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(g) if p.area > _NOISE_AREA]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def stroke_width(geom: shapely.Geometry, keep: float = 0.98) -> float:
    """The largest stroke width ``w`` such that opening by ``w`` keeps ``keep`` of the area.

    The search starts at the widest stroke there is (twice the largest inscribed circle):
    opening a detailed design by a width far beyond its strokes is what made GEOS allocate
    gigabytes on a noise picture, and it can only lose everything anyway.
    """
    area = geom.area
    if area <= 0:
        return 0.0
    hi = max(0.05, 2 * _widest_radius(geom) * 1.02)
    lo = 0.0
    for _ in range(12):
        mid = (lo + hi) / 2
        r = mid / 2
        kept = geom.buffer(-r, quad_segs=4).buffer(r, quad_segs=4).area
        if kept >= keep * area:
            lo = mid
        else:
            hi = mid
    return round(lo, 3)


def _widest_radius(geom: shapely.Geometry) -> float:
    """Radius of the largest circle inside any part of ``geom`` (mm)."""
    best = 0.0
    for part in shapely.get_parts(geom):
        if part.is_empty or part.area <= 0:
            continue
        size = min(part.bounds[2] - part.bounds[0], part.bounds[3] - part.bounds[1])
        circle = shapely.maximum_inscribed_circle(part, tolerance=max(size / 200, 1e-3))
        best = max(best, float(circle.length))  # a line from the centre to the nearest edge
    return best


def check_complexity(geom: shapely.Geometry) -> None:
    """Refuse a design too complex to check (before any buffering allocates)."""
    points = int(shapely.get_num_coordinates(geom))
    if points > MAX_CHECK_POINTS:
        raise DesignTooComplex(points=points, limit=MAX_CHECK_POINTS)


def overhangs(mesh: trimesh.Trimesh, max_angle: float = 45.0) -> tuple[float, np.ndarray]:
    """Area (mm²) and centres (x, y) of downward faces steeper than ``max_angle`` from vertical,
    not resting on the bed."""
    nz = mesh.face_normals[:, 2]
    zmin = mesh.bounds[0][2]
    centres = mesh.triangles_center
    bad = (nz < -math.sin(math.radians(90 - max_angle)) - 1e-6) & (centres[:, 2] > zmin + 0.05)
    return float(mesh.area_faces[bad].sum()), centres[bad][:, :2]


def _solid_problem(mesh: trimesh.Trimesh) -> str | None:
    """Why the mesh is not one closed, printable solid (None when it is)."""
    try:
        check_solid(mesh)
    except MeshError as exc:
        return str(exc.params.get("detail", ""))
    return None


def check(stamp, nozzle: float | None = None, profile: str | PrinterProfile | None = None,
          min_gap: float | None = None) -> Report:
    """Check a :class:`~youthlab.stamp.compose.Stamp` (or a mesh) for printing."""
    prof = profile if isinstance(profile, PrinterProfile) else load_profile(profile)
    nozzle = float(nozzle or prof.nozzle)
    min_gap = float(min_gap or nozzle)
    mesh = stamp.mesh if hasattr(stamp, "mesh") else stamp
    findings: list[Finding] = []
    solid = _solid_problem(mesh)
    if solid:  # e.g. a terraced picture whose levels do not close: never "printable"
        findings.append(Finding("stamp.report.watertight.error", "error", dict(detail=solid)))
    if hasattr(stamp, "ink"):
        ink, plate = stamp.ink, stamp.plate
    elif solid:  # no top face to measure on a mesh that is not a solid: that is the report
        empty = shapely.Polygon()
        return Report(nozzle=nozzle, stroke_width=0.0, thin_area=0.0, thin_spots=empty, gap_area=0.0,
                      gap_spots=empty, fits_bed=False, overhang_area=0.0, overhang_spots=np.zeros((0, 2)),
                      volume_cm3=0.0, filament_g=0.0, filament_m=0.0, time_min=0.0, suggested_size=None,
                      findings=findings, ink=empty)
    else:
        ink, plate = printed_outline(mesh), None
    check_complexity(ink)

    width = stroke_width(ink)
    thin = opening_loss(ink, nozzle)
    gaps = closing_fill(ink, min_gap)
    thin_share = thin.area / ink.area if ink.area else 1.0
    suggested = None
    target = 1.5 * nozzle
    meta = getattr(stamp, "meta", {})
    size = meta.get("size") or meta.get("width")
    if width < target and size:
        suggested = math.ceil(size * target / max(width, 1e-3) * 2) / 2
    level = "error" if width < nozzle or thin_share > 0.05 else ("warning" if width < target or thin.area > 0 else "ok")
    findings.append(Finding("stamp.report.stroke." + level, level,
                            dict(width=f"{width:.2f}", nozzle=f"{nozzle:.2f}", share=f"{100 * thin_share:.0f}")))
    if suggested:
        findings.append(Finding("stamp.report.suggest_size" if meta.get("size") else "stamp.report.suggest_width", "warning" if level != "error" else "error",
                                dict(size=f"{size:g}", suggested=f"{suggested:g}")))
    g_level = "warning" if gaps.area > 0 else "ok"
    findings.append(Finding("stamp.report.gap." + g_level, g_level, dict(gap=f"{min_gap:.2f}", area=f"{gaps.area:.1f}")))

    ext = mesh.extents
    fits = bool(ext[2] <= prof.max_height and
            ((ext[0] <= prof.bed_width - 10 and ext[1] <= prof.bed_depth - 10) or
             (ext[1] <= prof.bed_width - 10 and ext[0] <= prof.bed_depth - 10)))
    findings.append(Finding("stamp.report.bed." + ("ok" if fits else "error"), "ok" if fits else "error",
                            dict(x=f"{ext[0]:.0f}", y=f"{ext[1]:.0f}", z=f"{ext[2]:.0f}",
                                 bx=f"{prof.bed_width:.0f}", by=f"{prof.bed_depth:.0f}")))
    oh_area, oh_spots = overhangs(mesh)
    oh_level = "warning" if oh_area > 1.0 else "ok"
    findings.append(Finding("stamp.report.overhang." + oh_level, oh_level, dict(area=f"{oh_area:.0f}")))

    volume = float(mesh.volume) / 1000.0
    extruded = volume * _SOLID_SHARE
    grams = extruded * prof.filament_density
    metres = extruded * 1000 / (math.pi * (prof.filament_diameter / 2) ** 2) / 1000
    minutes = extruded * 1000 / _FLOW_MM3_S / 60 + ext[2] / prof.layer_height * 2 / 60
    findings.append(Finding("stamp.report.estimate", "ok", dict(volume=f"{volume:.1f}", grams=f"{grams:.1f}",
                                                                metres=f"{metres:.1f}", minutes=f"{minutes:.0f}")))
    return Report(nozzle=nozzle, stroke_width=width, thin_area=thin.area, thin_spots=thin,
                  gap_area=gaps.area, gap_spots=gaps, fits_bed=fits, overhang_area=oh_area,
                  overhang_spots=oh_spots, volume_cm3=volume, filament_g=grams, filament_m=metres,
                  time_min=float(minutes), suggested_size=suggested, findings=findings, ink=ink, plate=plate)
