"""A minimal 3MF (3D Manufacturing Format) writer and reader: one mesh object, millimetres.

trimesh's 3MF support needs networkx/lxml; the format itself is a zip with one XML file.
"""

from __future__ import annotations

import io
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import trimesh

NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Target="/3D/3dmodel.model" Id="rel0" '
    'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>'
)


def write_3mf(mesh: trimesh.Trimesh, path: str | Path, name: str = "stamp") -> Path:
    """Write ``mesh`` as a 3MF file."""
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<model unit="millimeter" xml:lang="en-US" xmlns="{NS}">')
    out.write(f'<metadata name="Title">{_esc(name)}</metadata><resources>')
    out.write(f'<object id="1" type="model" name="{_esc(name)}"><mesh><vertices>')
    out.write("".join(f'<vertex x="{x:.5f}" y="{y:.5f}" z="{z:.5f}"/>' for x, y, z in mesh.vertices))
    out.write("</vertices><triangles>")
    out.write("".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in mesh.faces))
    out.write('</triangles></mesh></object></resources><build><item objectid="1"/></build></model>')
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("3D/3dmodel.model", out.getvalue())
    return path


def read_3mf(path: str | Path) -> trimesh.Trimesh:
    """Read the meshes of a 3MF file (build transforms are ignored) as one mesh."""
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("3D/3dmodel.model"))
    verts, faces, offset = [], [], 0
    for m in root.iter(f"{{{NS}}}mesh"):
        v = [(float(e.get("x")), float(e.get("y")), float(e.get("z"))) for e in m.iter(f"{{{NS}}}vertex")]
        f = [(int(e.get("v1")), int(e.get("v2")), int(e.get("v3"))) for e in m.iter(f"{{{NS}}}triangle")]
        verts.extend(v)
        faces.extend((a + offset, b + offset, c + offset) for a, b, c in f)
        offset += len(v)
    return trimesh.Trimesh(np.array(verts), np.array(faces, dtype=np.int64), process=True)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
