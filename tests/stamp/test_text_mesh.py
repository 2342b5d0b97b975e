"""Text → outline → watertight stamp, glyph coverage, mirror correctness, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from youthlab.stamp.compose import mirror_x, postage_stamp, text_stamp
from youthlab.stamp.errors import EmptyText, FontNotFound, MissingGlyph
from youthlab.stamp.export import ink_preview, printed_outline, rasterize
from youthlab.stamp.fonts import resolve_font
from youthlab.stamp.text import text_outline

HANGUL = st.integers(0xAC00, 0xD7A3).map(chr)
LATIN = st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
TEXTS = st.lists(st.one_of(HANGUL, HANGUL, LATIN), min_size=1, max_size=6).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, size=st.floats(4, 25), plate=st.sampled_from(["rect", "round", "oval"]),
       border=st.sampled_from([0.0, 1.0]), handle=st.booleans(), layout=st.sampled_from(["line", "vertical", "two"]))
def test_random_text_stamps_are_watertight_volumes(text, size, plate, border, handle, layout):
    if layout == "two" and len(text) > 1:
        text = text[: len(text) // 2] + "\n" + text[len(text) // 2:]
    s = text_stamp(text, size, plate=plate, border=border, handle=handle, vertical=layout == "vertical")
    m = s.mesh
    assert m.is_watertight and m.is_winding_consistent and m.is_volume
    assert m.volume > 0
    # the relief is really there: the solid is taller than the plate (and handle)
    o = s.options
    assert m.bounds[1][2] == pytest.approx((o.handle_height if handle else 0) + o.base_height + o.relief_height)


def test_every_common_hangul_syllable_is_covered():
    """All 11,172 modern syllables are in the default font; all 2,350 KS X 1001 ones too."""
    from youthlab.stamp.fonts import missing_chars

    font = resolve_font()
    syllables = "".join(chr(c) for c in range(0xAC00, 0xD7A4))
    assert missing_chars(syllables, font) == []
    ks = bytes(b for hi in range(0xB0, 0xC9) for lo in range(0xA1, 0xFF) for b in (hi, lo)).decode("euc-kr")
    assert len(ks) == 2350 and missing_chars(ks, font) == []


def test_hangul_outline_has_real_area_for_each_syllable():
    for ch in "가나다라마바사아자차카타파하똠뷁":
        g = text_outline(ch, 10)
        assert g.is_valid and g.area > 10, ch  # no empty "tofu" box, no empty glyph


def test_missing_glyph_is_a_clear_error_not_a_fallback():
    with pytest.raises(MissingGlyph) as e:
        text_outline("우체국🦀", 10)
    err = e.value
    assert "🦀" in err.message("ko") and "U+1F980" in err.message("en")
    assert err.hint("ko") and err.hint("en")
    # a Latin-only font has no Hangul: also an error, naming the fonts that do have it
    with pytest.raises(MissingGlyph) as e:
        text_outline("우", 10, font="dejavu-sans-bold")
    assert "nanum-gothic-bold" in e.value.hint("en")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_a_clear_error(text):
    with pytest.raises(EmptyText) as e:
        text_stamp(text)
    assert e.value.message("ko") != e.value.key


def test_unknown_font():
    with pytest.raises(FontNotFound):
        text_outline("abc", font="comic-sans-42")


def _crop_bw(img: Image.Image, size=(240, 80)) -> np.ndarray:
    a = np.asarray(img.convert("L")) < 128
    ys, xs = np.nonzero(a)
    a = a[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    return np.asarray(Image.fromarray(a.astype(np.uint8) * 255).resize(size, Image.BILINEAR)) > 127


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


@pytest.mark.parametrize("text", ["우체국", "POST 7"])
def test_ink_preview_reads_correctly(text):
    """The paper print (cut from the mesh's top face, flipped as it lands on paper) matches
    the text drawn by FreeType directly; the stamp face itself is its mirror image."""
    s = text_stamp(text, 12, plate="rect", border=0)
    font = ImageFont.truetype(str(resolve_font().path), 200)
    ref = Image.new("L", (1400, 320), 255)
    ImageDraw.Draw(ref).text((20, 20), text, font=font, fill=0)
    ref_bw = _crop_bw(ref)
    ink_bw = _crop_bw(ink_preview(s, color=(0, 0, 0)))
    assert _iou(ink_bw, ref_bw) > 0.8
    assert _iou(ink_bw, ref_bw[:, ::-1]) < 0.6  # a mirror-image print would fail here
    # the raised face of the solid is mirrored (that is what makes the print read right)
    face = mirror_x(printed_outline(s.mesh))
    face_bw = _crop_bw(rasterize(face))
    assert _iou(face_bw, ref_bw[:, ::-1]) > 0.8


def test_plaque_is_not_mirrored_unless_asked():
    from youthlab.stamp.export import face_outline

    plaque = postage_stamp(text_outline("ㄱ", 10))
    stamp = postage_stamp(text_outline("ㄱ", 10), mirror=True)
    a, b = face_outline(plaque.mesh), face_outline(stamp.mesh)
    assert a.symmetric_difference(mirror_x(b)).area < 0.02 * a.area
    assert a.symmetric_difference(b).area > 0.1 * a.area


def test_postage_plaque_has_perforated_edge_and_denomination():
    s = postage_stamp(text_outline("★", 10, font="dejavu-sans-bold"), denomination="430원")
    assert s.mesh.is_watertight and s.mesh.is_volume
    w, h, _ = s.size_mm
    assert (w, h) == pytest.approx((40, 48), abs=0.01)
    # perforation: the plate outline is scalloped, so its perimeter is much longer than a box's
    assert s.plate.length > 1.2 * 2 * (40 + 48)
    assert s.plate.area < 40 * 48 * 0.98
    # the default plaque (labels included) is printable on the hall's 0.4 mm nozzle
    r = s.check()
    assert r.printable, r.text("en")


def test_exports_roundtrip(tmp_path):
    from youthlab.stamp.export import load_mesh

    s = text_stamp("우표 ABC", 8, plate="round", border=1)
    for ext in ("stl", "3mf"):
        m = load_mesh(s.save(tmp_path / f"s.{ext}"))
        assert m.is_watertight and m.volume == pytest.approx(s.mesh.volume, rel=1e-4)
    png = Image.open(s.save(tmp_path / "s.png"))
    assert png.format == "PNG" and png.size[0] > 100


@pytest.mark.parametrize("name", ["circle", "star", "heart", "envelope", "ring"])
def test_simple_shapes_make_printable_stamps(name):
    from youthlab.stamp.compose import StampOptions, compose
    from youthlab.stamp.shapes import shape

    g = shape(name, 20)
    assert g.is_valid and g.area > 20
    s = compose(g, StampOptions(plate="round", border=1.0))
    assert s.mesh.is_watertight and s.mesh.is_volume
    assert s.check().printable
    plaque = postage_stamp(g)
    assert plaque.mesh.is_watertight and plaque.check().printable


def test_every_installed_font_makes_a_solid_stamp():
    """TrueType (Nanum) and CFF (Noto CJK, in a .ttc) outlines both fill correctly."""
    from youthlab.stamp.fonts import available_fonts, missing_chars

    fonts = available_fonts()
    assert "nanum-gothic-bold" in fonts and "noto-sans-cjk-bold" in fonts
    for f in fonts:
        text = "우체국" if not missing_chars("우체국", resolve_font(f)) else "POST"
        s = text_stamp(text, 10, font=f)
        assert s.mesh.is_watertight and s.mesh.is_volume, f
        # filled glyphs: far more ink than the thin outline a wrong fill rule would leave
        assert s.ink.area > 40, f


def test_size_is_the_height_of_a_hangul_syllable():
    assert text_outline("한", 10).bounds[3] == pytest.approx(10, abs=0.01)
    dash = text_outline("-", 10)
    assert dash.bounds[3] < 3  # a dash stays a dash, not a 10 mm blob
    lines = text_outline("우체국\n430원", 10)
    assert 20 < lines.bounds[3] < 26


def test_every_stamp_message_exists_in_korean_and_english():
    import re
    from pathlib import Path

    from youthlab.i18n import catalogue
    from youthlab.stamp import errors

    cat = catalogue()
    src = "\n".join(p.read_text() for p in (Path(errors.__file__).parent).glob("*.py"))
    keys = set(re.findall(r'"(stamp\.[a-z_.]+[a-z_])"', src))
    keys |= {k for cls in vars(errors).values() if isinstance(cls, type) for k in (cls.key, cls.hint_key) if k}
    # keys built at run time: stroke/gap/bed/overhang levels and queue statuses
    keys |= {f"stamp.report.{a}.{b}" for a, b in [("stroke", "ok"), ("stroke", "warning"), ("stroke", "error"),
                                                   ("gap", "ok"), ("gap", "warning"), ("bed", "ok"), ("bed", "error"),
                                                   ("overhang", "ok"), ("overhang", "warning")]}
    keys |= {f"stamp.queue.status.{s}" for s in ("queued", "printing", "done", "cancelled", "failed")}
    missing = [k for k in sorted(keys) if k not in cat and k != "stamp.stl"]  # (a file name)
    assert not missing
    for k in keys:
        if k in cat:
            assert cat[k].get("ko") and cat[k].get("en"), k
            assert list(cat[k])[0] == "ko", k  # Korean first
