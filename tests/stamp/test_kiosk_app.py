"""The stamp kiosk apps' own parts, without a browser: what the status line tells a child,
defaults in the visitor's language, budgeted rebuilds, one print per visit; and the preview
turning on its own in Chromium."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from youthlab.i18n import t
from youthlab.stamp import budget
from youthlab.stamp.jobs import text_job
from youthlab.stamp.kiosk_app import MAX_NAME, name_stamp_app, postage_app, verdict
from youthlab.stamp.widgets import _ESM, triangle_soup

LABS = Path(__file__).resolve().parents[2] / "labs"
POSTBOX = LABS / "21-postage-stamp/assets/postbox.png"


def _text(ui) -> str:
    return ui.status.value


def test_verdict_speaks_of_what_stops_the_print():
    _, ok = text_job("우체국", 10)
    assert verdict(ok, "name").key == "stamp.kiosk.check.ready" and verdict(ok, "name").printable
    _, thin = text_job("우체국", 3)
    v = verdict(thin, "name")
    assert not thin.printable and not v.printable and v.key == "stamp.kiosk.check.thin.name"
    assert "'" + t("stamp.kiosk.size.big", "en") + "'" in t(v.key, "en")  # the button to press
    _, huge = text_job("우체국우체국", 60)
    assert verdict(huge, "postage").key == "stamp.kiosk.check.too_big.postage"
    _, faint = text_job("민준", 5)
    assert verdict(faint, "name").key == "stamp.kiosk.check.faint.name" and verdict(faint, "name").printable


@pytest.mark.parametrize("lang, default", [("ko", "우체국"), ("en", "POST")])
def test_name_stamp_starts_with_a_stamp_in_the_visitors_language(monkeypatch, lang, default):
    monkeypatch.setenv("YOUTHLAB_KIOSK_PRINTING", "0")
    ui = name_stamp_app(lang=lang)
    flow = ui.flow
    assert flow.controls["name"].value == default and flow.stamp.meta["text"] == default
    assert flow.scene.view.mesh and default in flow.scene.view.label  # the scene from the first second
    assert t("stamp.kiosk.name.start", lang) in _text(ui)  # what to do now
    assert flow.print_button is None  # no printer set up: no button
    other = "en" if lang == "ko" else "ko"
    assert t("stamp.kiosk.name.start", other) not in _text(ui)


def test_a_visitors_changes_are_built_in_the_budget_and_said_in_child_words(monkeypatch):
    monkeypatch.setenv("YOUTHLAB_KIOSK_PRINTING", "0")
    ui = name_stamp_app(lang="en")
    flow, c = ui.flow, ui.flow.controls
    budget.last_usage = budget.Usage()
    c["name"].value = "민준"
    assert budget.last_usage.outcome == "ok"  # built by the budgeted child, not the kernel
    assert flow.stamp.meta["text"] == "민준" and "민준" in flow.scene.view.label
    assert "youthlab-kiosk-success" in _text(ui)
    c["size"].value = "small"
    assert flow.stamp.meta["size"] == 7.0
    c["name"].value = "X" * 50  # a visitor's long paste: kept to a stamp's length
    assert c["name"].value == "X" * MAX_NAME and flow.stamp.meta["text"] == "X" * MAX_NAME
    c["name"].value = "   "
    assert flow.stamp is None and flow.scene.view.mesh == b""  # never a stale design
    assert t("stamp.error.empty_text", "en") in _text(ui) and "Traceback" not in _text(ui)
    flow.finish()
    assert t("stamp.kiosk.print.nothing", "en") in ui.banner.value  # not a win yet
    c["name"].value = "Mia"
    flow.finish()
    assert "Mia" in ui.banner.value and "youthlab-kiosk-banner-win" in ui.banner._dom_classes


def test_postage_price_is_set_with_buttons_and_printed_in_the_visitors_language(monkeypatch):
    monkeypatch.setenv("YOUTHLAB_KIOSK_PRINTING", "0")
    ui = postage_app(POSTBOX, lang="en")
    flow, price = ui.flow, ui.flow.controls["price"]
    assert flow.stamp.meta["denomination"] == "₩500" and flow.stamp.meta["country"] == "KOREA"
    price.nudge(+2)
    assert flow.stamp.meta["denomination"] == "₩700" and "₩700" in flow.scene.view.label
    flow.controls["picture"].value = "star"
    assert flow.verdict.printable and "Star" in flow.scene.view.label
    ko = postage_app(POSTBOX, lang="ko")
    assert ko.flow.stamp.meta["denomination"] == "500원" and ko.flow.stamp.meta["country"] == "대한민국"


@pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer not installed")
def test_a_visitor_prints_one_stamp_per_visit(monkeypatch, tmp_path):
    monkeypatch.setenv("YOUTHLAB_KIOSK_PRINTING", "1")
    monkeypatch.setenv("YOUTHLAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("YOUTHLAB_PRINT_URL", raising=False)
    ui = name_stamp_app(lang="ko")
    flow = ui.flow
    assert not flow.print_button.disabled and flow.finish_button is None  # printing is the end
    flow.controls["size"].value = "small"
    flow.controls["name"].value = "민"
    flow.print_button.click()
    assert flow.queued == 1 and flow.print_button.disabled
    assert t("stamp.kiosk.print.queued", "ko", number=1) in ui.banner.value
    flow.controls["name"].value = "민준"
    assert flow.print_button.disabled  # a new design does not make a second print
    ui.safe(flow.print_stamp)()
    assert t("stamp.kiosk.print.once", "ko") in _text(ui)
    jobs = json.loads((tmp_path / "stamp" / "print-queue.json").read_text())["jobs"]
    assert len(jobs) == 1 and jobs[0]["owner"].startswith("kiosk-")


def test_apps_show_their_launcher_tiles_picture():
    icons = {"20-name-stamp": name_stamp_app.__defaults__[1], "21-postage-stamp": postage_app.__defaults__[1]}
    for lab, icon in icons.items():
        meta = nbformat.read(LABS / lab / "kiosk.ipynb", as_version=4).metadata["youthlab"]["kiosk"]
        assert meta["icon"] == icon


_PAGE = """<!doctype html><html><body><div id="host" style="width:%dpx"></div><script type="module">
const src = %s;
const mod = await import(URL.createObjectURL(new Blob([src], {type: "text/javascript"})));
const bytes = Uint8Array.from(atob(%s), c => c.charCodeAt(0));
const values = {mesh: new DataView(bytes.buffer), extent: %f, width: 300, height: 240, color: [215, 60, 60],
                spin: %s, fill: true, label: "a stamp"};
const model = {get: k => values[k], on: () => {}};
mod.default.render({model, el: document.getElementById("host")});
window.rendered = true;
</script></body></html>"""


# painted pixels in the canvas' outermost rows and columns
_EDGE = """() => { const c = document.querySelector('canvas'), W = c.width, H = c.height;
  const d = c.getContext('2d').getImageData(0, 0, W, H).data; let n = 0;
  for (let x = 0; x < W; x++) for (const y of [0, H - 1]) if (d[(y * W + x) * 4 + 3] > 0) n++;
  for (let y = 0; y < H; y++) for (const x of [0, W - 1]) if (d[(y * W + x) * 4 + 3] > 0) n++;
  return n; }"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_the_kiosk_preview_fills_its_place_and_turns_on_its_own():
    from playwright.sync_api import sync_playwright

    data, ext = triangle_soup(text_stamp_mesh())
    shots = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        try:
            for spin in ("true", "false"):
                page = b.new_page(viewport={"width": 1280, "height": 800})
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.set_content(_PAGE % (700, json.dumps(_ESM), json.dumps(base64.b64encode(data).decode()),
                                          ext, spin))
                page.wait_for_function("window.rendered === true", timeout=10000)
                canvas = page.locator("canvas")
                box = canvas.bounding_box()
                assert canvas.get_attribute("role") == "img" and canvas.get_attribute("aria-label") == "a stamp"
                first = page.evaluate("document.querySelector('canvas').toDataURL()")
                edges = []
                for _ in range(6):  # the animation's own pace: there is no event to wait on
                    page.wait_for_timeout(100)
                    edges.append(page.evaluate(_EDGE))
                later = page.evaluate("document.querySelector('canvas').toDataURL()")
                shots[spin] = (first, later, box, errors, edges)
                page.close()
        finally:
            b.close()
    for first, later, box, errors, edges in shots.values():
        assert not errors
        assert edges == [0] * len(edges)  # as big as fits, never cut at the canvas' edge
        assert box["width"] == pytest.approx(700, abs=2) and box["height"] == pytest.approx(480, abs=2)
    assert shots["true"][0] != shots["true"][1]  # it turns with nobody touching it
    assert shots["false"][0] == shots["false"][1]  # the student lab's view stays where it is put


def text_stamp_mesh():
    from youthlab.stamp.compose import text_stamp

    mesh = text_stamp("우체국우체국", 10).mesh  # long: its diagonal is what must fit when it turns
    assert len(np.asarray(mesh.faces)) > 100
    return mesh
