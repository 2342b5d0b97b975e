"""Printability: thin Hangul strokes vs the nozzle, size suggestion, bed, overhangs, picture."""

from __future__ import annotations

import io

from PIL import Image

from youthlab.stamp.compose import text_stamp


def test_3mm_hangul_is_flagged_on_a_04mm_nozzle():
    r = text_stamp("우체국", 3).check(nozzle=0.4)
    assert not r.printable
    assert r.stroke_width < 0.4
    assert r.thin_area > 0 and r.thin_spots.area > 0
    assert r.suggested_size and r.suggested_size >= 5
    keys = [f.key for f in r.problems]
    assert "stamp.report.stroke.error" in keys and "stamp.report.suggest_size" in keys


def test_suggested_size_is_printable():
    small = text_stamp("우체국", 3).check()
    r = text_stamp("우체국", small.suggested_size).check()
    assert r.printable and r.stroke_width >= 0.4 * 1.5 - 0.02


def test_10mm_hangul_is_fine_and_finer_nozzle_helps():
    assert text_stamp("우체국", 10).check().printable
    assert text_stamp("우체국", 3).check(nozzle=0.15).stroke_width > 0.15


def test_bed_fit_and_estimates():
    huge = text_stamp("우체국우체국", 60)
    r = huge.check()
    assert not r.fits_bed and not r.printable
    ok = text_stamp("가", 10).check()
    assert ok.fits_bed and ok.volume_cm3 > 0 and ok.filament_g > 0 and ok.time_min > 0


def test_handle_has_no_overhang_but_an_upside_down_stamp_does():
    s = text_stamp("AB", 10, handle=True)
    assert s.check().overhang_area == 0
    flipped = s.mesh.copy()
    flipped.apply_transform([[1, 0, 0, 0], [0, -1, 0, 0], [0, 0, -1, 0], [0, 0, 0, 1]])
    assert text_stamp("AB", 10).check().overhang_area == 0
    from youthlab.stamp.printability import overhangs

    area, spots = overhangs(flipped)
    assert area > 50 and len(spots)


def test_report_picture_and_both_languages():
    r = text_stamp("우체국", 3).check()
    img = Image.open(io.BytesIO(r.png("ko")))
    assert img.size[0] > 300
    ko, en = r.text("ko"), r.text("en")
    assert "노즐" in ko and "nozzle" in en
    assert "<img" in r._repr_html_()
