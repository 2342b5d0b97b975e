"""The 3-D preview widget: Python side (triangle data) and its JavaScript renderer, run in
headless Chromium with a stand-in widget model (no Jupyter front end needed)."""

from __future__ import annotations

import base64
import json
import shutil

import numpy as np
import pytest

from youthlab.stamp.compose import text_stamp
from youthlab.stamp.widgets import _ESM, StampPreview, preview, triangle_soup


def test_preview_carries_the_whole_mesh():
    s = text_stamp("우표", 10)
    w = preview(s)
    assert isinstance(w, StampPreview)
    tris = np.frombuffer(w.mesh, dtype=np.float32).reshape(-1, 3, 3)
    assert len(tris) == len(s.mesh.faces)
    assert w.extent == pytest.approx(max(s.mesh.extents))
    assert np.allclose(tris.reshape(-1, 3).min(0), -tris.reshape(-1, 3).max(0), atol=1e-3)  # centred


_PAGE = """<!doctype html><html><body><div id="host"></div><script type="module">
const src = %s;
const mod = await import(URL.createObjectURL(new Blob([src], {type: "text/javascript"})));
const bytes = Uint8Array.from(atob(%s), c => c.charCodeAt(0));
const values = {mesh: new DataView(bytes.buffer), extent: %f, width: 300, height: 240, color: [215, 60, 60]};
const model = {get: k => values[k], on: () => {}};
mod.default.render({model, el: document.getElementById("host")});
window.rendered = true;
</script></body></html>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_renderer_draws_and_turns_in_chromium():
    from playwright.sync_api import sync_playwright

    data, ext = triangle_soup(text_stamp("우체국", 10, plate="round").mesh)
    html = _PAGE % (json.dumps(_ESM), json.dumps(base64.b64encode(data).decode()), ext)
    count = "() => { const c = document.querySelector('canvas'); const d = c.getContext('2d')" \
            ".getImageData(0, 0, c.width, c.height).data; let n = 0;" \
            " for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        try:
            page = b.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.set_content(html)
            page.wait_for_function("window.rendered === true", timeout=10000)
            painted = page.evaluate(count)
            before = page.evaluate("document.querySelector('canvas').toDataURL()")
            box = page.locator("canvas").bounding_box()
            page.mouse.move(box["x"] + 100, box["y"] + 100)
            page.mouse.down()
            page.mouse.move(box["x"] + 180, box["y"] + 140, steps=5)
            page.mouse.up()
            after = page.evaluate("document.querySelector('canvas').toDataURL()")
        finally:
            b.close()
    assert not errors
    assert painted > 0.15 * 300 * 240  # the stamp fills a good part of the view
    assert after != before  # dragging turns it
