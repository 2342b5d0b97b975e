"""PrusaSlicer (real binary) slices our STL/3MF headless; we parse time and filament."""

from __future__ import annotations

import shutil

import pytest

from youthlab.stamp.compose import text_stamp
from youthlab.stamp.errors import SlicerError
from youthlab.stamp.slicer import parse_duration, parse_gcode_summary, slice_file, slice_stamp

needs_slicer = pytest.mark.skipif(shutil.which("prusa-slicer") is None,
                                  reason="prusa-slicer not installed (make setup)")


def test_parse_duration():
    assert parse_duration("1d 2h 3m 4s") == 93784
    assert parse_duration("49m 19s") == 2959
    with pytest.raises(SlicerError):
        parse_gcode_summary("; nothing here\n")


@needs_slicer
@pytest.mark.parametrize("ext", ["stl", "3mf"])
def test_prusaslicer_slices_our_stamp(tmp_path, ext):
    s = text_stamp("우체국", 10, plate="round", border=1)
    model = s.save(tmp_path / f"stamp.{ext}")
    r = slice_file(model, out=tmp_path / "stamp.gcode")
    assert r.gcode.is_file() and r.time_s > 60
    assert r.filament_g > 0.5  # the profile has a filament density, so grams are real
    assert r.layers == pytest.approx(s.size_mm[2] / 0.2, abs=2)
    # our quick estimate is in the same ballpark as the slicer
    est = s.check()
    assert 0.4 < est.filament_g / r.filament_g < 2.5
    assert 0.4 < est.time_min * 60 / r.time_s < 2.5


@needs_slicer
def test_slicer_error_is_clear(tmp_path):
    bad = tmp_path / "bad.stl"
    bad.write_text("solid nothing\nendsolid nothing\n")
    with pytest.raises(SlicerError) as e:
        slice_file(bad, out=tmp_path / "bad.gcode")
    assert e.value.hint("ko")


@needs_slicer
def test_slice_stamp_helper(tmp_path):
    r = slice_stamp(text_stamp("AB", 8), out=tmp_path / "ab.gcode")
    assert r.time_s > 0 and "m" in r.time_text
