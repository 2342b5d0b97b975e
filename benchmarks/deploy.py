"""Deploy benchmark: ours vs ``mpremote cp -r`` on the same throttled virtual board.

A 20-file, ~60 KB lab (Python modules with docstrings, a JSON config, a CSV of readings)
goes to a virtual board whose link is throttled to 115200 baud (~11.5 KB/s each way):

1. ``mpremote connect PORT cp -r lab :`` (fresh board filesystem),
2. our first deploy (fresh filesystem), 3. our re-deploy of the unchanged lab.

Prints the times, then ``RATIO deploy_redeploy …``, ``RATIO deploy_link_fraction …`` and,
last, ``RATIO deploy <mpremote/ours> goal >= 2``. ``--quick`` runs one round (<1 min);
the full run takes the median of three.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("led pin sensor value motor speed drone robot light sound button timer loop "
         "read write angle height battery signal student board stamp mission").split()


def make_lab(folder: Path, files: int = 20, total: int = 60_000, seed: int = 1) -> int:
    """Write a lab of ``files`` files, about ``total`` bytes; returns the real size."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per = total // files
    size = 0
    for i in range(files):
        if i == files - 1:
            rows = ["t,temp,light"] + [f"{k/10:.1f},{20 + rnd.random() * 5:.2f},{rnd.randint(0, 1023)}"
                                       for k in range(per // 18)]
            text = "\n".join(rows) + "\n"
            name = "readings.csv"
        elif i == files - 2:
            text = json.dumps({"pins": {w: rnd.randint(0, 40) for w in WORDS},
                               "notes": [" ".join(rnd.choices(WORDS, k=12)) for _ in range(per // 90)]},
                              indent=1)
            name = "config.json"
        else:
            lines = [f'"""Lab module {i}: {" ".join(rnd.choices(WORDS, k=8))}."""', "",
                     "from machine import Pin, PWM", "import time", ""]
            n = 0
            while sum(len(x) + 1 for x in lines) < per:
                a, b = rnd.choice(WORDS), rnd.choice(WORDS)
                lines += [f"def {a}_{b}_{n}(pin={rnd.randint(0, 30)}, value={rnd.randint(0, 1023)}):",
                          f'    """Set the {a} {b} to value and return the {rnd.choice(WORDS)}."""',
                          f"    p = Pin(pin, Pin.OUT)",
                          f"    p.value(value > {rnd.randint(0, 1023)})",
                          f"    return value * {rnd.randint(1, 9)} + {rnd.randint(0, 99)}", ""]
                n += 1
            text = "\n".join(lines) + "\n"
            name = f"lab_{i:02d}.py" if i < 12 else f"lib/util_{i:02d}.py"
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        size += len(text.encode())
    return size


def run_round(lab: Path, baud: int) -> dict[str, float]:
    from youthlab.boards.session import Session
    from youthlab.boards.virtual import VirtualBoard

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as fs1, tempfile.TemporaryDirectory() as fs2:
        # mpremote on its own fresh board
        vb = VirtualBoard("bench-mpremote", fs_dir=fs1, baud=baud, publish=False).start()
        try:
            mpremote = str(Path(sys.executable).with_name("mpremote"))
            t0 = time.monotonic()
            subprocess.run([mpremote, "connect", vb.port, "cp", "-r", str(lab) + "/", ":"],
                           check=True, capture_output=True, timeout=600)
            out["mpremote"] = time.monotonic() - t0
        finally:
            vb.stop()
        # ours on another fresh board (connect included, as for mpremote)
        vb = VirtualBoard("bench-ours", fs_dir=fs2, baud=baud, publish=False).start()
        try:
            t0 = time.monotonic()
            s = Session(vb.port, lock=False, notify=lambda m: None)
            r = s.deploy(lab, progress=False)
            out["ours"] = time.monotonic() - t0
            out["wire"] = r.wire_bytes
            out["files_sent"] = len(r.sent)
            t0 = time.monotonic()
            r2 = s.deploy(lab, progress=False)
            out["redeploy"] = time.monotonic() - t0
            out["redeploy_sent"] = len(r2.sent)
            s.close()
            for p in lab.rglob("*"):  # the board must hold exactly the lab
                if p.is_file():
                    assert (Path(fs2) / p.relative_to(lab)).read_bytes() == p.read_bytes(), p
        finally:
            vb.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one round (under a minute)")
    ap.add_argument("--baud", type=int, default=115200)
    args = ap.parse_args()
    os.environ.setdefault("YOUTHLAB_DATA_DIR", tempfile.mkdtemp(prefix="ylab-bench-"))
    with tempfile.TemporaryDirectory() as tmp:
        lab = Path(tmp) / "lab"
        size = make_lab(lab)
        rounds = [run_round(lab, args.baud) for _ in range(1 if args.quick else 3)]
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    link = args.baud / 10
    print(f"lab: 20 files, {size} bytes; link {args.baud} baud = {link:.0f} B/s each way")
    print(f"mpremote cp -r : {med['mpremote']:.2f} s")
    print(f"ours, first    : {med['ours']:.2f} s  ({med['files_sent']:.0f} files, "
          f"{med['wire']:.0f} bytes on the wire)")
    print(f"ours, re-deploy: {med['redeploy']:.2f} s  ({med['redeploy_sent']:.0f} files sent)")
    rate = size / med["ours"]
    print(f"effective rate : {rate:.0f} B/s of lab content = {rate / link:.2f} x link rate "
          f"(wire bytes / time = {med['wire'] / med['ours'] / link:.2f} x link rate)")
    print(f"RATIO deploy_redeploy {med['redeploy'] / med['ours']:.3f} goal <= 0.1")
    print(f"RATIO deploy_link_fraction {rate / link:.2f} goal >= 0.9")
    print(f"RATIO deploy {med['mpremote'] / med['ours']:.2f} goal >= 2")


if __name__ == "__main__":
    main()
