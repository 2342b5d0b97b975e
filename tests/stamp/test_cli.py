"""`youthlab stamp …` from a terminal: files are written, problems and bad input are clear."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from youthlab.stamp.export import load_mesh

YOUTHLAB = [sys.executable, "-m", "youthlab.cli"]


def run(*args, cwd, env=None):
    e = dict(os.environ, YOUTHLAB_LANG="ko", **(env or {}))
    return subprocess.run([*YOUTHLAB, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=e)


def test_text_stamp_files_and_report(tmp_path):
    r = run("stamp", "text", "우체국", "--size", "10", "-o", "stamp.stl", "-o", "stamp.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "인쇄할 수 있어요" in r.stdout
    m = load_mesh(tmp_path / "stamp.stl")
    assert m.is_watertight and m.volume > 0
    assert (tmp_path / "stamp.png").stat().st_size > 1000


def test_too_small_text_is_flagged_with_a_suggestion(tmp_path):
    r = run("--lang", "en", "stamp", "text", "우체국", "--size", "3", "-o", "s.stl", cwd=tmp_path)
    assert "Strokes too thin" in r.stdout and "at least" in r.stdout
    assert "do not print" in r.stderr
    r = run("stamp", "check", "s.stl", "--picture", "spots.png", cwd=tmp_path)
    assert r.returncode == 1 and (tmp_path / "spots.png").is_file()


def test_bad_input_gives_message_and_hint_not_traceback(tmp_path):
    r = run("stamp", "text", "   ", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "글자가 없어요" in r.stderr and "→" in r.stderr
    (tmp_path / "notes.txt").write_text("hello")
    r = run("stamp", "image", "notes.txt", cwd=tmp_path)
    assert r.returncode == 2 and "그림 파일이 아니에요" in r.stderr
    r = run("stamp", "text", "우체국🦀", cwd=tmp_path)
    assert r.returncode == 2 and "U+1F980" in r.stderr


@pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer not installed")
def test_image_and_postage_and_slice(tmp_path):
    drawing = Path(__file__).resolve().parents[2] / "labs/21-postage-stamp/assets/postbox.png"
    r = run("stamp", "image", str(drawing), "--width", "35", "-o", "d.3mf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("stamp", "postage", str(drawing), "-o", "p.stl", cwd=tmp_path)
    assert r.returncode == 0 and load_mesh(tmp_path / "p.stl").is_watertight
    r = run("stamp", "slice", "p.stl", cwd=tmp_path)
    assert r.returncode == 0 and "G-code" in r.stdout and (tmp_path / "p.gcode").is_file()


def test_print_refuses_an_unprintable_design_before_slicing(tmp_path):
    cfg = tmp_path / "printers.yaml"
    cfg.write_text("printers:\n  hall-1: {url: 'http://127.0.0.1:9', api_key: k}\n")
    run("stamp", "text", "우체국", "--size", "3", "-o", "tiny.stl", cwd=tmp_path)
    r = run("stamp", "print", "tiny.stl", "--printer", "hall-1", cwd=tmp_path, env={"YOUTHLAB_PRINTERS": str(cfg)})
    assert r.returncode == 2 and "인쇄하기 어려워요" in r.stderr and "노즐" in r.stderr
    assert not (tmp_path / "tiny.gcode").exists()  # never sliced, never sent


def test_print_refuses_unknown_and_unreachable_printers(tmp_path):
    r = run("stamp", "print", "x.stl", "--printer", "hall-1", cwd=tmp_path)
    assert r.returncode == 2  # file does not exist: click's own message
    (tmp_path / "x.gcode").write_text("G28\n")
    cfg = tmp_path / "printers.yaml"
    cfg.write_text("printers:\n  hall-1: {url: 'http://127.0.0.1:9', api_key: k}\n")
    r = run("stamp", "print", "x.gcode", "--printer", "hall-9", cwd=tmp_path, env={"YOUTHLAB_PRINTERS": str(cfg)})
    assert r.returncode == 2 and "hall-1" in r.stderr
    r = run("stamp", "print", "x.gcode", "--printer", "hall-1", cwd=tmp_path, env={"YOUTHLAB_PRINTERS": str(cfg)})
    assert r.returncode == 2 and "hall-1" in r.stderr and "Traceback" not in r.stderr
