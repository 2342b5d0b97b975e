"""Worst-case memory and time of the stamp pipeline on noise pictures (issue 14).

For each noise PNG (300×300 grey, 300×300 black/white, 1000×1000, 4000×4000) it runs what
`youthlab stamp image` runs — trace, build, check — in the stamp budget's child process and
prints the child's peak memory and the time to the answer. `--no-guard` also runs the
pre-fix path (no complexity check, the old stroke-width search) to show the hard budget
stopping it. Run it limited, like every hostile input: ``prlimit --as=4000000000 --cpu=600``.

    .venv/bin/python benchmarks/stamp_noise.py [--no-guard]
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from youthlab.errors import YouthLabError  # noqa: E402
from youthlab.stamp import budget  # noqa: E402
from youthlab.stamp.jobs import image_job, postage_job  # noqa: E402


def noise(size: int, binary: bool) -> bytes:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, (size, size)) * 255 if binary else rng.integers(0, 256, (size, size))
    buf = io.BytesIO()
    Image.fromarray(a.astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def measure(label: str, fn, *args, **kwargs) -> None:
    start = time.monotonic()
    try:
        budget.run_limited(fn, *args, **kwargs)
        answer = "built"
    except YouthLabError as exc:
        answer = f"refused ({type(exc).__name__})"
    seconds = time.monotonic() - start
    u = budget.last_usage
    peak = f"{u.peak_mb:.0f} MB" if u.peak_mb else "killed (no figure)"
    print(f"{label:<34} {answer:<28} peak {peak:<18} {seconds:5.1f} s", flush=True)


def main() -> None:
    guard = "--no-guard" not in sys.argv
    print(f"budget: {budget.memory_mb()} MB above the child's start, {budget.wall_seconds():g} s")
    for size, binary in ((300, False), (300, True), (1000, False), (4000, False)):
        data = noise(size, binary)
        name = f"{size}x{size} {'b/w' if binary else 'grey'} ({len(data) // 1024} KB)"
        measure(f"image  {name}", image_job, data, width=30)
        measure(f"levels {name}", image_job, data, levels=3, width=30)
        measure(f"postage {name}", postage_job, data, picture_width=30)
        if not guard:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.stamp.budget_hogs import old_stroke_search

            measure(f"pre-fix {name}", old_stroke_search, data)
    drawing = (Path(__file__).resolve().parents[1] / "labs/21-postage-stamp/assets/postbox.png").read_bytes()
    measure("a real drawing (postbox.png)", postage_job, drawing, picture_width=30)


if __name__ == "__main__":
    main()
