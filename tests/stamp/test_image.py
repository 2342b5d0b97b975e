"""Drawings → watertight stamps (property-based), and hostile uploads → clear errors."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from youthlab.stamp.errors import CorruptImage, EmptyDrawing, ImageTooLarge, NotAnImage
from youthlab.stamp.image import image_outline, image_stamp, load_image


def _png_bytes(im: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt)
    return buf.getvalue()


shape = st.tuples(st.sampled_from(["ellipse", "rect", "line", "poly"]),
                  st.lists(st.integers(0, 199), min_size=6, max_size=6), st.integers(2, 20))


@st.composite
def drawings(draw):
    im = Image.new("L", (draw(st.integers(40, 200)), draw(st.integers(40, 200))), 255)
    d = ImageDraw.Draw(im)
    for kind, c, w in draw(st.lists(shape, min_size=1, max_size=6)):
        x0, x1 = sorted((c[0] % im.width, c[1] % im.width))
        y0, y1 = sorted((c[2] % im.height, c[3] % im.height))
        if kind == "ellipse":
            d.ellipse((x0, y0, x1 + 2, y1 + 2), outline=0, width=w)
        elif kind == "rect":
            d.rectangle((x0, y0, x1 + 2, y1 + 2), fill=0)
        elif kind == "line":
            d.line((x0, y0, x1, y1), fill=0, width=w)
        else:
            d.polygon([(x0, y0), (x1, y0 + w), (c[4] % im.width, c[5] % im.height)], fill=0)
    if draw(st.booleans()):  # some noise, like a scanned pencil drawing
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        a = np.asarray(im, dtype=float) + rng.normal(0, 40, (im.height, im.width))
        im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return im


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(im=drawings(), width=st.floats(15, 60), mirror=st.booleans(),
       plate=st.sampled_from(["rect", "round"]))
def test_random_drawings_make_watertight_volumes(im, width, mirror, plate):
    try:
        s = image_stamp(io.BytesIO(_png_bytes(im)), width=width, mirror=mirror, plate=plate)
    except EmptyDrawing:
        return  # e.g. only noise; that is reported, not modelled
    m = s.mesh
    assert m.is_watertight and m.is_winding_consistent and m.is_volume and m.volume > 0


def test_drawing_reads_correctly_in_ink_preview():
    im = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(im).polygon([(20, 20), (120, 20), (20, 180)], fill=0)  # triangle top-left
    s = image_stamp(io.BytesIO(_png_bytes(im)), width=30)
    ink = np.asarray(s.ink_preview(color=(0, 0, 0)).convert("L")) < 128
    h, w = ink.shape
    # the right angle is top-left on paper, as drawn (a mirrored print would put it top-right)
    assert ink[:, : w // 2].sum() > 2 * ink[:, w // 2:].sum()
    assert ink[: h // 2].sum() > 2 * ink[h // 2:].sum()


def test_jpeg_with_transparency_free_photo_like_input():
    im = Image.new("RGB", (120, 80), (250, 250, 245))
    ImageDraw.Draw(im).ellipse((10, 10, 70, 70), fill=(20, 40, 160))
    g = image_outline(io.BytesIO(_png_bytes(im, "JPEG")), width=20)
    assert g.area > 50
    rgba = Image.new("RGBA", (100, 100), (0, 0, 0, 0))  # transparent background = paper
    ImageDraw.Draw(rgba).rectangle((30, 30, 70, 70), fill=(0, 0, 0, 255))
    g = image_outline(io.BytesIO(_png_bytes(rgba)), width=10)
    assert g.area == pytest.approx(16, rel=0.15)


def _png_bomb(w: int, h: int) -> bytes:
    """A real decompression bomb: a tiny file that would decode to w×h pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    z = zlib.compressobj(9)
    row = b"\x00" * (1 + (w + 7) // 8)
    body = b"".join(z.compress(row * 1000) for _ in range(h // 1000)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _png_bomb(30000, 30000)  # 900 MP in ~100 kB
    assert len(bomb) < 200_000
    with pytest.raises(ImageTooLarge) as e:
        load_image(bomb)
    assert "900 MP" in e.value.message("en") and e.value.hint("ko")
    # Pillow's own bomb check is turned into the same clear error, too
    with pytest.raises(ImageTooLarge) as e:
        load_image(_png_bomb(20000, 5000), max_pixels=10**12)  # Pillow warns above 89 MP
    assert "100 MP" in e.value.message("en")
    # and our own pixel limit, read from the header, comes first for ordinary sizes
    with pytest.raises(ImageTooLarge) as e:
        load_image(_png_bomb(8000, 3000))
    assert "8000×3000" in e.value.message("en")


def test_pixel_limit_and_byte_limit(tmp_path):
    big = _png_bytes(Image.new("L", (5000, 4000), 255))
    with pytest.raises(ImageTooLarge):
        load_image(big)  # 20 MP > 16 MP
    huge_file = tmp_path / "huge.png"
    huge_file.write_bytes(b"\x89PNG" + b"\0" * (21 * 1024 * 1024))
    with pytest.raises(ImageTooLarge):
        load_image(huge_file)


def test_corrupt_files_are_reported(tmp_path):
    png = _png_bytes(Image.effect_noise((200, 200), 80))
    with pytest.raises(CorruptImage) as e:
        load_image(png[: len(png) // 2], name="half.png")
    assert "half.png" in e.value.message("ko")
    jpg = _png_bytes(Image.effect_noise((200, 200), 80), "JPEG")
    with pytest.raises(CorruptImage):
        load_image(jpg[:600])
    broken = bytearray(png)
    broken[40:60] = b"\xff" * 20  # garbage inside the image data (CRC mismatch)
    with pytest.raises(CorruptImage):
        load_image(bytes(broken))


@pytest.mark.parametrize("payload,name", [
    (b"%PDF-1.7\n1 0 obj<<>>endobj\n", "homework.pdf"),
    (b"print('hello')\n", "main.py"),
    (b"PK\x03\x04" + b"\0" * 100, "files.zip"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>', "logo.svg"),
    (b"", "empty.png"),
])
def test_non_image_uploads_are_refused(payload, name):
    with pytest.raises(NotAnImage) as e:
        load_image(payload, name=name)
    assert name in e.value.message("ko") and "PNG" in e.value.hint("en")


def test_unsupported_picture_format_is_refused():
    with pytest.raises(NotAnImage):
        load_image(_png_bytes(Image.new("L", (10, 10)), "TIFF"))


def test_blank_page_is_an_empty_drawing():
    with pytest.raises(EmptyDrawing) as e:
        image_outline(_png_bytes(Image.new("L", (100, 100), 255)))
    assert e.value.hint("ko")


def test_posterized_height_field_has_one_terrace_per_level():
    import numpy as np

    from youthlab.stamp.image import terrace_stamp

    im = Image.new("L", (300, 120), 255)
    d = ImageDraw.Draw(im)
    for i, grey in enumerate((180, 110, 30)):  # light, mid, dark: nested blocks
        d.rectangle((20 + 30 * i, 10 + 15 * i, 280 - 30 * i, 110 - 15 * i), fill=grey)
    s = terrace_stamp(io.BytesIO(_png_bytes(im)), width=40, levels=3, step=0.5)
    m = s.mesh
    assert m.is_watertight and m.is_volume and s.meta["levels"] == 3
    up = m.face_normals[:, 2] > 0.99
    tops = np.unique(np.round(m.triangles_center[up][:, 2], 3))
    base = s.options.base_height + s.options.relief_height
    assert list(tops) == pytest.approx([s.options.base_height, base, base + 0.5, base + 1.0])
