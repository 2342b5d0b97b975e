"""Export a stamp: STL and 3MF for printers, PNG "ink print" previews for people.

The ink preview is computed from the *solid*: the top face of the relief is cut out of
the mesh and flipped the way it lands on paper when the stamp is pressed face down.
So a wrongly mirrored stamp shows up wrong here, whatever the design code meant.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import shapely
import trimesh
from manifold3d import Manifold, Mesh
from PIL import Image, ImageDraw
from shapely.geometry import Polygon

from youthlab.i18n import t
from youthlab.stamp.errors import MeshError, NotAModel, StampError
from youthlab.stamp.mesh import mirror_x
from youthlab.stamp.slicer import slice_stamp
from youthlab.stamp.text import nonzero_fill
from youthlab.stamp.threemf import read_3mf, write_3mf

INK_RED = (200, 30, 40)  # 인주 (seal paste) red


def to_manifold(mesh: trimesh.Trimesh) -> Manifold:
    m = Manifold(Mesh(vert_properties=np.asarray(mesh.vertices, dtype=np.float32),
                      tri_verts=np.asarray(mesh.faces, dtype=np.uint32)))
    if m.status().name != "NoError":
        raise MeshError(detail=str(m.status()))
    return m


def face_outline(mesh: trimesh.Trimesh, depth: float = 0.05) -> shapely.Geometry:
    """The outline of the top face of the relief (``depth`` mm below the top), mesh x/y."""
    top = float(mesh.bounds[1][2])
    cs = to_manifold(mesh).slice(top - depth)
    rings = [np.asarray(p) for p in cs.to_polygons() if len(p) >= 3]
    return nonzero_fill([np.vstack([r, r[:1]]) for r in rings])


def printed_outline(mesh: trimesh.Trimesh) -> shapely.Geometry:
    """What the stamp leaves on paper: the face outline seen from the paper (mirrored)."""
    return mirror_x(face_outline(mesh))


def rasterize(geom: shapely.Geometry, px_per_mm: float = 12.0, pad_mm: float = 1.0,
              bounds: tuple[float, float, float, float] | None = None,
              ink: tuple[int, int, int] = (0, 0, 0), paper: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Draw filled outlines (even-odd, so holes stay open) as an RGB image, y up."""
    minx, miny, maxx, maxy = bounds or geom.bounds
    minx, miny, maxx, maxy = minx - pad_mm, miny - pad_mm, maxx + pad_mm, maxy + pad_mm
    w = max(1, int(round((maxx - minx) * px_per_mm)))
    h = max(1, int(round((maxy - miny) * px_per_mm)))
    acc = np.zeros((h, w), dtype=bool)
    for poly in shapely.get_parts(geom):
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            pts = [((x - minx) * px_per_mm, (maxy - y) * px_per_mm) for x, y in xy]
            layer = Image.new("1", (w, h), 0)
            ImageDraw.Draw(layer).polygon(pts, fill=1)
            acc ^= np.asarray(layer, dtype=bool)
    img = np.empty((h, w, 3), dtype=np.uint8)
    img[:] = paper
    img[acc] = ink
    return Image.fromarray(img)


def ink_preview(stamp, px_per_mm: float = 12.0, color: tuple[int, int, int] = INK_RED) -> Image.Image:
    """A picture of what the stamp prints on paper."""
    mesh = stamp.mesh if hasattr(stamp, "mesh") else stamp
    return rasterize(printed_outline(mesh), px_per_mm=px_per_mm, ink=color)


def face_preview(stamp, px_per_mm: float = 12.0, color: tuple[int, int, int] = (60, 60, 60)) -> Image.Image:
    """A picture of the raised face seen from above (how a plaque looks on the table)."""
    mesh = stamp.mesh if hasattr(stamp, "mesh") else stamp
    return rasterize(face_outline(mesh), px_per_mm=px_per_mm, ink=color)


def save(stamp, path: str | Path) -> Path:
    """Write ``.stl``, ``.3mf``, ``.png`` (ink preview) or ``.gcode`` (via the slicer)."""
    path = Path(path)
    mesh = stamp.mesh if hasattr(stamp, "mesh") else stamp
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".stl":
        mesh.export(path, file_type="stl")
    elif suffix == ".3mf":
        write_3mf(mesh, path, name=getattr(stamp, "name", "stamp"))
    elif suffix == ".png":
        ink_preview(stamp).save(path)
    elif suffix == ".gcode":
        slice_stamp(stamp, out=path)
    else:
        raise StampError(detail=f"unknown file type {suffix!r} (.stl .3mf .png .gcode)")
    return path


MODEL_SUFFIXES = (".stl", ".3mf")


def load_mesh(path: str | Path) -> trimesh.Trimesh:
    """Read an STL/3MF back as one mesh; anything else is :class:`NotAModel`."""
    path = Path(path)
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise NotAModel(name=path.name)
    if path.suffix.lower() == ".3mf":
        try:
            return read_3mf(path)
        except (MeshError, MemoryError):
            raise
        except Exception:  # noqa: BLE001 - a damaged or foreign file: say so, no traceback
            raise NotAModel(name=path.name) from None
    try:
        loaded = trimesh.load(path, force="mesh")
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001
        raise NotAModel(name=path.name) from None
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise NotAModel(name=path.name)
    return loaded


def png_data_uri(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def summary_html(stamp) -> str:
    """A small card for notebooks: ink preview, size and volume."""
    x, y, z = stamp.size_mm
    mirrored = getattr(getattr(stamp, "options", None), "mirror", True)
    img = ink_preview(stamp, px_per_mm=8) if mirrored else face_preview(stamp, px_per_mm=8)
    return (
        f'<div style="display:flex;gap:1em;align-items:center">'
        f'<img src="{png_data_uri(img)}" style="max-width:260px;border:1px solid #ccc"/>'
        f"<div><b>{html.escape(stamp.name)}</b><br>"
        f"{html.escape(t('stamp.summary.size', x=f'{x:.1f}', y=f'{y:.1f}', z=f'{z:.1f}'))}<br>"
        f"{html.escape(t('stamp.summary.volume', volume=f'{stamp.mesh.volume / 1000:.2f}'))}<br>"
        f"{html.escape(t('stamp.summary.ink_caption' if mirrored else 'stamp.summary.face_caption'))}</div></div>"
    )
