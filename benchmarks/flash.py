"""Flash benchmark: our path vs the ``esptool`` CLI, same image, same fake ESP32 ROM.

A random ESP32 image (valid header) goes to :class:`FakeEsp32Rom` on socket:// (esptool's
defaults but ``--before no-reset``: flasher stub, compressed writes, MD5 check):

1. ``esptool.main([... "write-flash", "0x1000", "image.bin"])`` — the esptool CLI's own
   entry, with its progress bar;
2. ``flash_board("esp32", …)`` with the CLI's rich progress (our whole path: catalog,
   sha256 of the cached file, image check, esptool.cmds, progress routing).

Each arm runs in a fresh process and times its flash from the call to the return
(imports and our message catalogue load are outside the timing; the whole-process times
are printed too). After each run the fake flash is read back and compared with the image. Prints the times, then last
``RATIO flash <cli seconds / our seconds> goal >= 0.9`` — a speed ratio: higher is
better, 1.0 means ours is as fast as the plain CLI. ``--quick``: a 200 kB image, one
round (<1 min); the full run: 1 MB, median of three rounds.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from youthlab.boards.flash.fake_rom import FakeEsp32Rom  # noqa: E402


ARM = r"""
import sys, time
arm, url, path, catalog, cache = sys.argv[1:6]
if arm == "cli":
    import esptool
    argv = ["--port", url, "--before", "no-reset", "--after", "no-reset",
            "write-flash", "0x1000", path]
    started = time.perf_counter()
    esptool.main(argv)
else:
    from pathlib import Path
    from youthlab.boards.flash.cli import rich_progress
    from youthlab.boards.flash.esp import EspFlash
    from youthlab.boards.flash.flow import flash_board
    from youthlab.i18n import t
    t("flash.done")  # the message catalogue is loaded once per process, like esptool's imports
    callback, stop = rich_progress()
    started = time.perf_counter()
    flash_board("esp32", url, progress=callback, verify=False, check_role=False,
                catalog=Path(catalog), cache=Path(cache),
                method=EspFlash(connect_mode="no-reset"))
    stop()
print("SECONDS", time.perf_counter() - started, file=sys.stderr)
"""


def run_arm(arm: str, url: str, folder: Path, env: dict) -> tuple[float, float]:
    """(seconds of the flash itself, seconds of the whole process)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", ARM, arm, url, str(folder / "esp32.bin"),
                           str(folder / "firmware.yaml"), str(folder)],
                          env=env, capture_output=True, text=True, timeout=300)
    whole = time.perf_counter() - started
    inner = [ln for ln in proc.stderr.splitlines() if ln.startswith("SECONDS ")]
    if proc.returncode or not inner:
        sys.exit(f"{arm} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return float(inner[-1].split()[1]), whole


def one_round(image: bytes, folder: Path, env: dict) -> dict[str, float]:
    out = {}
    for arm in ("cli", "ours"):
        with FakeEsp32Rom() as rom:
            out[arm], out[arm + "_process"] = run_arm(arm, rom.url, folder, env)
            assert rom.read_flash(0x1000, len(image)) == image, f"{arm}: image read back differs"
            assert rom.read_flash(0x1000 + len(image), 64) == b"\xff" * 64, f"{arm}: wrote past the image"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    size, rounds = (200_000, 1) if args.quick else (1_000_000, 3)
    image = bytearray(os.urandom(size))
    image[0], image[12:14] = 0xE9, b"\0\0"
    image = bytes(image)
    with tempfile.TemporaryDirectory(prefix="ylab-flash-bench-") as tmp:
        folder = Path(tmp)
        (folder / "esp32.bin").write_bytes(image)
        (folder / "firmware.yaml").write_text(
            "families:\n  esp32:\n    method: esptool\n    chip: esp32\n    offset: 0x1000\n"
            f"    version: bench\n    file: esp32.bin\n    sha256: '{hashlib.sha256(image).hexdigest()}'\n"
            f"    size: {size}\n")
        env = dict(os.environ, YOUTHLAB_FIRMWARE_CATALOG=str(folder / "firmware.yaml"),
                   YOUTHLAB_FIRMWARE_CACHE=str(folder), YOUTHLAB_LANG="en", PYTHONPATH=str(ROOT))
        env.pop("JUPYTERHUB_API_TOKEN", None)
        results = [one_round(image, folder, env) for _ in range(rounds)]
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(f"image: {size} bytes, {rounds} round(s), read back identical after every run")
    print(f"esptool.main (CLI)  : {med['cli']:.2f} s flashing, {med['cli_process']:.2f} s whole process")
    print(f"our path (+ rich UI): {med['ours']:.2f} s flashing, {med['ours_process']:.2f} s whole process")
    print(f"RATIO flash_process {med['cli_process'] / med['ours_process']:.2f} (whole processes, "
          "imports and message catalogue included; informational)")
    print(f"RATIO flash {med['cli'] / med['ours']:.2f} goal >= 0.9")


if __name__ == "__main__":
    main()
