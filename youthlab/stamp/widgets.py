"""Notebook widgets: a 3-D stamp preview (anywidget, no internet needed) and a small designer.

The preview draws the mesh on a 2-D canvas (flat shading, painter's order) — enough for a
stamp of a few thousand triangles, and it works offline in kiosks. Drag to turn it; on a
kiosk it also turns on its own (``spin``) and fills its place (``fill``).
"""

from __future__ import annotations

import functools

import numpy as np

from youthlab.errors import YouthLabError
from youthlab.i18n import t
from youthlab.stamp.budget import start_in_background
from youthlab.stamp.errors import StampError
from youthlab.stamp.jobs import budgeted, postage_job, text_job

try:
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - the labs need them, the library does not
    anywidget = None

_ESM = r"""
function render({ model, el }) {
  const canvas = document.createElement("canvas");
  const fill = !!model.get("fill");
  canvas.style.cssText = fill
    ? "display:block;width:100%;touch-action:none;cursor:grab"
    : "border:1px solid #ddd;border-radius:8px;background:#fafafa;touch-action:none;cursor:grab";
  canvas.setAttribute("role", "img");
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  let w = model.get("width"), h = model.get("height");
  let yaw = -0.6, pitch = 0.9, tris = null, R = 1, Z = 1;
  function label() { canvas.setAttribute("aria-label", model.get("label") || ""); }
  function resize() {
    if (fill) {  // as wide as the place it is given, 4:3, never taller than most of the screen
      const cw = canvas.clientWidth >= 50 ? canvas.clientWidth : model.get("width");
      w = cw; h = Math.round(Math.min(cw * 0.75, window.innerHeight * 0.6));
      canvas.style.height = h + "px";
    }
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    if (!fill) { canvas.style.width = w + "px"; canvas.style.height = h + "px"; }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw();
  }
  function load() {
    const v = model.get("mesh");
    const buf = v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v;
    tris = new Float32Array(buf);
    R = 1e-6; Z = 1e-6;
    for (let i = 0; i < tris.length; i += 3) {
      R = Math.max(R, Math.hypot(tris[i], tris[i + 1])); Z = Math.max(Z, Math.abs(tris[i + 2]));
    }
    draw();
  }
  function draw() {
    ctx.clearRect(0, 0, w, h);
    if (!tris) return;
    const n = tris.length / 9;
    const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
    // filling its place: as big as fits at any turn (the footprint's radius R seen at this
    // pitch, the height Z on top), never cut by the canvas' edge
    const ext = model.get("extent") || 1;
    const s = fill ? 0.46 * Math.min(w / R, h / (Math.abs(sp) * R + Math.abs(cp) * Z)) : 0.8 * Math.min(w, h) / ext;
    const order = [], P = new Float32Array(tris.length);
    for (let i = 0; i < tris.length; i += 3) {
      const x = tris[i], y = tris[i + 1], z = tris[i + 2];
      const x1 = cy * x - sy * y, y1 = sy * x + cy * y;
      P[i] = x1; P[i + 1] = cp * y1 - sp * z; P[i + 2] = sp * y1 + cp * z;
    }
    for (let t = 0; t < n; t++) order.push(t);
    const depth = t => P[t * 9 + 1] + P[t * 9 + 4] + P[t * 9 + 7];
    order.sort((a, b) => depth(b) - depth(a));
    const col = model.get("color");
    for (const t of order) {
      const o = t * 9;
      const ax = P[o + 3] - P[o], ay = P[o + 4] - P[o + 1], az = P[o + 5] - P[o + 2];
      const bx = P[o + 6] - P[o], by = P[o + 7] - P[o + 1], bz = P[o + 8] - P[o + 2];
      let nx = ay * bz - az * by, ny = az * bx - ax * bz, nz = ax * by - ay * bx;
      const len = Math.hypot(nx, ny, nz) || 1;
      if (ny / len > 0.05) continue;  // facing away
      const light = 0.35 + 0.65 * Math.max(0, (-ny * 0.6 + nz * 0.8) / len);
      ctx.fillStyle = `rgb(${col.map(c => Math.round(c * light)).join(",")})`;
      ctx.beginPath();
      ctx.moveTo(w / 2 + s * P[o], h / 2 - s * P[o + 2]);
      ctx.lineTo(w / 2 + s * P[o + 3], h / 2 - s * P[o + 5]);
      ctx.lineTo(w / 2 + s * P[o + 6], h / 2 - s * P[o + 8]);
      ctx.closePath(); ctx.fill(); ctx.strokeStyle = ctx.fillStyle; ctx.stroke();
    }
  }
  let drag = null, touched = -Infinity;
  canvas.addEventListener("pointerdown", e => { drag = [e.clientX, e.clientY, yaw, pitch]; canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener("pointermove", e => {
    if (!drag) return;
    yaw = drag[2] + (e.clientX - drag[0]) * 0.01;
    pitch = Math.max(-1.5, Math.min(1.5, drag[3] + (e.clientY - drag[1]) * 0.01));
    draw();
  });
  canvas.addEventListener("pointerup", () => { drag = null; touched = performance.now(); });
  // Turning on its own (kiosks): slowly, paused while a visitor turns it and for 3 s after,
  // never for visitors who asked their system for less motion; stops when the view is gone.
  const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  let last = null;
  function spin(now) {
    if (!el.isConnected && last !== null) return;
    if (model.get("spin") && !still && !drag && !document.hidden && now - touched > 3000 && last !== null) {
      yaw += Math.min(now - last, 100) * 0.0006;
      draw();
    }
    last = now;
    requestAnimationFrame(spin);
  }
  model.on("change:mesh", load);
  model.on("change:label", label);
  label();
  resize();
  load();
  if (fill && window.ResizeObserver) new ResizeObserver(resize).observe(el);
  requestAnimationFrame(spin);
}
export default { render };
"""


def triangle_soup(mesh, max_faces: int = 60000) -> tuple[bytes, float]:
    """Centred float32 triangles (x, y, z × 3 per face) and the mesh's largest extent."""
    if len(mesh.faces) > max_faces:
        mesh = mesh.simplify_quadric_decimation(face_count=max_faces) if hasattr(mesh, "simplify_quadric_decimation") else mesh
    v = np.asarray(mesh.vertices, dtype=np.float32)
    v = v - (v.min(axis=0) + v.max(axis=0)) / 2
    tris = v[np.asarray(mesh.faces)].reshape(-1)
    return tris.astype(np.float32).tobytes(), float(np.max(mesh.extents))


if anywidget is not None:

    class StampPreview(anywidget.AnyWidget):
        """An interactive 3-D view of a stamp (drag to rotate)."""

        _esm = _ESM
        mesh = traitlets.Bytes(b"").tag(sync=True)
        extent = traitlets.Float(1.0).tag(sync=True)
        width = traitlets.Int(420).tag(sync=True)
        height = traitlets.Int(320).tag(sync=True)
        color = traitlets.List([215, 60, 60]).tag(sync=True)
        spin = traitlets.Bool(False, help="Turn slowly on its own (kiosks); a visitor's drag pauses it.").tag(sync=True)
        fill = traitlets.Bool(False, help="As wide as its place (4:3) instead of width × height px.").tag(sync=True)
        label = traitlets.Unicode("", help="What the picture shows, for screen readers.").tag(sync=True)

        def show(self, stamp) -> "StampPreview":
            """Show another stamp (or mesh) in this view."""
            m = stamp.mesh if hasattr(stamp, "mesh") else stamp
            data, ext = triangle_soup(m)
            self.extent = ext
            self.mesh = data
            return self


def preview(stamp, width: int = 420, height: int = 320):
    """A 3-D preview widget of ``stamp``."""
    if anywidget is None:  # pragma: no cover
        raise ImportError("anywidget is needed for the 3-D preview")
    return StampPreview(width=width, height=height).show(stamp)


def _show_design(build, out, view, state: dict) -> None:
    """Build a design and show it (3-D view, summary, printability); a failure shows
    its ko/en message, never a traceback (the designers run on kiosks too).

    ``build`` returns ``(stamp, report)`` and should run the work with the stamp budget
    (:func:`youthlab.stamp.jobs.budgeted`): a visitor's upload can be hostile."""
    from IPython.display import HTML, display

    with out:
        out.clear_output(wait=True)
        try:
            s, report = build()
        except Exception as exc:  # noqa: BLE001 - kiosks never show tracebacks
            state["stamp"] = None  # never print the previous design under an error
            err = exc if isinstance(exc, YouthLabError) else StampError(detail=type(exc).__name__)
            display(HTML(err._repr_html_()))
            return
        state["stamp"] = s
        view.show(s)
        display(HTML(s._repr_html_()))
        display(report)


def designer(text: str = "우체국", size: float = 10.0):
    """A small text-stamp designer: type, pick size and plate, see 3-D, ink print and report."""
    import ipywidgets as w

    txt = w.Text(value=text, description=t("stamp.widget.text"))
    sz = w.FloatSlider(value=size, min=3, max=30, step=0.5, description=t("stamp.widget.size"))
    plate = w.Dropdown(options=[("▭", "rect"), ("◯", "round"), ("⬭", "oval")], value="rect",
                       description=t("stamp.widget.plate"))
    border = w.Checkbox(value=True, description=t("stamp.widget.border"))
    view = StampPreview()
    out = w.Output()
    state = {"stamp": None}

    def update(*_, trusted: bool = False):
        job = text_job if trusted else functools.partial(budgeted, text_job)
        _show_design(lambda: job(txt.value, sz.value, plate=plate.value, border=1.0 if border.value else 0.0),
                     out, view, state)

    for ctl in (txt, sz, plate, border):
        ctl.observe(update, "value")
    update(trusted=True)  # the notebook's own default: built here, no child needed
    start_in_background()  # the visitor's changes are built within the budget
    box = w.VBox([w.HBox([txt, sz]), w.HBox([plate, border]), view, out])
    box.stamp = lambda: state["stamp"]
    return box


def postage_designer(picture: str | None = None, denomination: str = "430원"):
    """Postage-stamp plaque designer: upload a drawing, set the price, see it in 3-D.

    ``picture`` is the notebook's own starting picture (trusted: built in this kernel);
    uploads and every change after that are built within the stamp budget."""
    import ipywidgets as w

    upload = w.FileUpload(accept=".png,.jpg,.jpeg", multiple=False, description=t("stamp.widget.upload"))
    price = w.Text(value=denomination, description=t("stamp.widget.denomination"))
    thr = w.IntSlider(value=128, min=20, max=235, description=t("stamp.widget.threshold"))
    auto = w.Checkbox(value=True, description=t("stamp.widget.auto_threshold"))
    view = StampPreview(color=[60, 110, 200])
    out = w.Output()
    state = {"picture": picture, "stamp": None}

    def build(trusted: bool = False):  # a visitor's upload is traced, built and checked within the budget
        job = postage_job if trusted else functools.partial(budgeted, postage_job)
        return job(state["picture"], picture_width=30, threshold=None if auto.value else thr.value,
                   denomination=price.value.strip())

    def update(*_, trusted: bool = False):
        if upload.value:
            item = upload.value[0] if isinstance(upload.value, (list, tuple)) else next(iter(upload.value.values()))
            state["picture"] = bytes(item["content"])
        _show_design(functools.partial(build, trusted), out, view, state)

    for ctl in (upload, price, thr, auto):
        ctl.observe(update, "value")
    update(trusted=True)  # the notebook's own picture (its author's asset): built here
    start_in_background()
    box = w.VBox([w.HBox([upload, price]), w.HBox([auto, thr]), view, out])
    box.stamp = lambda: state["stamp"]
    return box
