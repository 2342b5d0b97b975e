#!/usr/bin/env python3
"""Stamp pipeline vs the OpenSCAD CLI: the same stamp designs, built both ways, in one run.

Designs: text stamps (Hangul/Latin, mirrored, on a plate) and a drawing stamp. OpenSCAD
builds them the usual way: ``text()`` / ``surface()`` + ``linear_extrude`` + ``mirror`` +
a ``cube`` plate, rendered to STL. Ours: text/image → shapely → manifold3d → STL.
Both outputs are loaded with trimesh and checked for watertightness; the volumes are
compared as a sanity check that both built the same thing (OpenSCAD silently swaps fonts
without Hangul for one that has none, which would show here as a volume mismatch).

    python benchmarks/stamp_vs_openscad.py --quick   # < 1 min
    python benchmarks/stamp_vs_openscad.py           # more designs, 3 repetitions

Last line: ``RATIO stamp_vs_openscad <openscad time / our time> goal >= 5``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import trimesh  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from youthlab.stamp import text as text_mod  # noqa: E402
from youthlab.stamp.compose import StampOptions, compose  # noqa: E402
from youthlab.stamp.image import image_outline, load_image, otsu  # noqa: E402
from youthlab.stamp.text import text_outline  # noqa: E402

BASE, RELIEF, MARGIN = 3.0, 1.5, 2.0
OPENSCAD_FONT = "NanumGothic:style=Bold"  # the same file as our default nanum-gothic-bold


@dataclass
class Design:
    name: str
    kind: str  # "text" | "image"
    value: str  # text, or path of a PNG
    size: float  # text height or image width, mm


@dataclass
class Result:
    seconds: float
    watertight: bool
    volume: float


def drawing(path: Path, w: int, h: int) -> Path:
    """A child's drawing of a post box with a letter: lines, a filled shape, a hole."""
    im = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(im)
    s = w / 200
    d.rounded_rectangle((40 * s, 30 * s, 160 * s, 140 * s), radius=20 * s, outline=0, width=int(9 * s))
    d.rectangle((70 * s, 60 * s, 130 * s, 72 * s), fill=0)
    d.polygon([(60 * s, 90 * s), (140 * s, 90 * s), (100 * s, 120 * s)], outline=0, width=int(6 * s))
    d.ellipse((20 * s, 5 * s, 50 * s, 35 * s), fill=0)
    im.save(path)
    return path


# -- ours ------------------------------------------------------------------------------
def build_ours(design: Design, out: Path) -> Result:
    text_mod._line_outline.cache_clear()  # no warm glyph cache: every run traces the font
    t0 = time.perf_counter()
    if design.kind == "text":
        geom = text_outline(design.value, size=design.size)
    else:
        geom = image_outline(design.value, width=design.size, smooth=1.0)
    stamp = compose(geom, StampOptions(plate="rect", margin=MARGIN, base_height=BASE,
                                       relief_height=RELIEF, mirror=True))
    stamp.mesh.export(out)
    dt = time.perf_counter() - t0
    return Result(dt, *_check(out))


# -- OpenSCAD --------------------------------------------------------------------------
def scad_source(design: Design, tmp: Path) -> str:
    if design.kind == "text":
        ink = text_outline(design.value, size=design.size)  # only for the target dimensions
        w, h = ink.bounds[2], ink.bounds[3]
        relief2d = (f'resize([{w:.3f}, {h:.3f}]) text("{design.value}", size={design.size}, '
                    f'font="{OPENSCAD_FONT}", halign="center", valign="center");')
        relief = f"linear_extrude(height={RELIEF + 0.5}) mirror([1, 0, 0]) {relief2d}"
    else:
        # surface() reads PNG brightness as height; feed it the same thresholded drawing
        im = load_image(design.value)
        a = np.asarray(im)
        binary = np.where(a < otsu(a), 255, 0).astype(np.uint8)  # ink → white → high
        png = tmp / "binary.png"
        Image.fromarray(binary).save(png)
        px = design.size / im.width
        ink = image_outline(design.value, width=design.size)  # target dimensions and position
        minx, miny, maxx, maxy = ink.bounds
        w, h = maxx - minx, maxy - miny
        dx, dy = (minx + maxx) / 2 - im.width * px / 2, (miny + maxy) / 2 - im.height * px / 2
        hh = RELIEF + 0.5
        # heights 0..100 → 0..2·hh; keep the part above hh (the pixel edges lie exactly there)
        relief = (f"translate([0, 0, {-hh}]) intersection() {{ mirror([1, 0, 0]) translate([{-dx:.4f}, {-dy:.4f}, 0]) "
                  f"scale([{px:.5f}, {px:.5f}, {2 * hh / 100:.5f}]) surface(file=\"{png}\", center=true); "
                  f"translate([{-w / 2 - 5}, {-h / 2 - 5}, {hh}]) cube([{w + 10}, {h + 10}, {hh + 1}]); }}")
    pw, ph = w + 2 * MARGIN, h + 2 * MARGIN
    return (f"$fn = 24;\nunion() {{\n  translate([{-pw / 2}, {-ph / 2}, 0]) cube([{pw}, {ph}, {BASE}]);\n"
            f"  translate([0, 0, {BASE - 0.5}]) {relief}\n}}\n")


def build_openscad(design: Design, out: Path, tmp: Path) -> Result:
    scad = tmp / f"{design.name}.scad"
    scad.write_text(scad_source(design, tmp), encoding="utf-8")  # (not timed: uses our code)
    t0 = time.perf_counter()
    proc = subprocess.run(["openscad", "-o", str(out), str(scad)], capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    if proc.returncode != 0 or not out.is_file():
        print(f"  openscad failed: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
        return Result(dt, False, 0.0)
    return Result(dt, *_check(out))


def _check(path: Path) -> tuple[bool, float]:
    m = trimesh.load(path, force="mesh")  # merges vertices, so shared edges are found
    return bool(m.is_watertight and m.is_volume), float(abs(m.volume))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="two designs, one repetition (< 1 min)")
    ap.add_argument("--repeat", type=int, default=None)
    args = ap.parse_args()
    if not shutil.which("openscad"):
        print("openscad is not installed: sudo apt-get install openscad (or make setup)")
        return 2
    repeat = args.repeat or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="stamp-bench-") as tmpdir:
        tmp = Path(tmpdir)
        designs = [Design("text-ko", "text", "우체국", 10.0),
                   Design("image", "image", str(drawing(tmp / "drawing.png", 120, 100)), 30.0)]
        if not args.quick:
            designs += [Design("text-name", "text", "홍길동", 12.0),
                        Design("text-mixed", "text", "POST 우표 430", 8.0),
                        Design("image-large", "image", str(drawing(tmp / "drawing2.png", 200, 170)), 40.0)]
        # warm-up (imports, font file cache) so that the timing is of the work, not Python start
        build_ours(designs[0], tmp / "warm.stl")
        ours_t, scad_t, tight_o, tight_s = [], [], [], []
        print(f"{'design':<12} {'ours s':>8} {'openscad s':>10} {'ratio':>7} {'watertight ours/scad':>21} {'vol ours/scad mm³':>20}")
        for d in designs:
            o_runs = [build_ours(d, tmp / f"{d.name}-ours.stl") for _ in range(repeat)]
            s_runs = [build_openscad(d, tmp / f"{d.name}-scad.stl", tmp) for _ in range(repeat)]
            o = statistics.median(r.seconds for r in o_runs)
            s = statistics.median(r.seconds for r in s_runs)
            ours_t.append(o)
            scad_t.append(s)
            tight_o += [r.watertight for r in o_runs]
            tight_s += [r.watertight for r in s_runs]
            vo, vs = o_runs[0].volume, s_runs[0].volume
            print(f"{d.name:<12} {o:8.3f} {s:10.3f} {s / o:7.1f} "
                  f"{str(all(r.watertight for r in o_runs)) + '/' + str(all(r.watertight for r in s_runs)):>21} "
                  f"{vo:9.0f}/{vs:<9.0f}", flush=True)
            if vs and abs(vo - vs) / vs > 0.1:
                print(f"  note: volumes differ by {100 * abs(vo - vs) / vs:.0f}% — not quite the same design", flush=True)
        ratio = sum(scad_t) / sum(ours_t)
        text_ratio = sum(s for s, d in zip(scad_t, designs) if d.kind == "text") / sum(
            o for o, d in zip(ours_t, designs) if d.kind == "text")
        print(f"total (median per design, summed): ours {sum(ours_t):.3f} s, openscad {sum(scad_t):.3f} s; "
              f"text designs alone {text_ratio:.1f}x")
        print(f"watertight: ours {100 * sum(tight_o) / len(tight_o):.0f}%, "
              f"openscad {100 * sum(tight_s) / len(tight_s):.0f}% (goal: 100%)")
        print(f"RATIO stamp_vs_openscad {ratio:.1f} goal >= 5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
