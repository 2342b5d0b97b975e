"""2-D shapely outlines → manifold3d solids → trimesh meshes, checked to be closed volumes."""

from __future__ import annotations

import numpy as np
import shapely
import trimesh
from manifold3d import CrossSection, FillRule, Manifold
from shapely.geometry import Polygon

from youthlab.stamp.errors import MeshError


def cross_section(geom: shapely.Geometry) -> CrossSection:
    """A manifold3d cross-section of polygons with holes (even-odd fill)."""
    contours: list[np.ndarray] = []
    for poly in shapely.get_parts(geom):
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        contours.append(np.asarray(poly.exterior.coords)[:-1, :2])
        contours.extend(np.asarray(r.coords)[:-1, :2] for r in poly.interiors)
    if not contours:
        return CrossSection()
    return CrossSection(contours, FillRule.EvenOdd)


def extrude(geom: shapely.Geometry, z0: float, z1: float) -> Manifold:
    """Extrude outlines from height ``z0`` to ``z1`` (mm)."""
    cs = cross_section(geom)
    if cs.is_empty():
        return Manifold()
    return cs.extrude(z1 - z0).translate((0.0, 0.0, z0))


def frustum(layers: list[tuple[shapely.Geometry, float]]) -> Manifold:
    """Convex hull of outlines placed at heights, e.g. [(small, 0), (plate, 12), (plate, 15)]."""
    pts = []
    for geom, z in layers:
        xy = np.asarray(shapely.convex_hull(geom).exterior.coords)[:, :2]
        pts.append(np.c_[xy, np.full(len(xy), z)])
    return Manifold.hull_points(np.vstack(pts))


def to_trimesh(solid: Manifold) -> trimesh.Trimesh:
    """The solid as a trimesh mesh (shared vertices, outward normals)."""
    m = solid.to_mesh()
    verts = np.asarray(m.vert_properties, dtype=np.float64)[:, :3]
    faces = np.asarray(m.tri_verts, dtype=np.int64)
    return trimesh.Trimesh(vertices=verts, faces=faces, process=False)


def check_solid(mesh: trimesh.Trimesh) -> None:
    """Raise :class:`MeshError` unless the mesh is watertight with a positive volume."""
    if len(mesh.faces) == 0:
        raise MeshError(detail="empty")
    if not mesh.is_watertight:
        raise MeshError(detail="not watertight")
    if not mesh.is_winding_consistent:
        raise MeshError(detail="inconsistent winding")
    if not mesh.is_volume or mesh.volume <= 0:
        raise MeshError(detail="not a valid volume")


def mirror_x(geom: shapely.Geometry) -> shapely.Geometry:
    """Mirror left↔right about the y axis (what a rubber stamp needs)."""
    from shapely.affinity import scale

    return scale(geom, -1.0, 1.0, origin=(0, 0))
