"""Time to interactive of a kiosk app: our kiosk server vs plain cold `voila`, one run.

Both serve the same notebook (labs/00-welcome/kiosk.ipynb) on loopback; headless Chromium
(Debian's) loads the page and we time until the first widget is usable (the name box is
visible and enabled). Each side gets one unmeasured warm-up load, then N measured loads in
the same browser profile — a kiosk screen keeps its browser and its cache. Between our
loads we wait for the preheated pool to refill, as it does between two visitors. Our
kiosk is measured twice: a Korean visitor (the pool's language) and an English one
(``?lang=en``: today a freshly started kernel; the goal asks for preheated speed).

    .venv/bin/python benchmarks/kiosk_tti.py --quick   # 5 loads each
    .venv/bin/python benchmarks/kiosk_tti.py           # 15 loads each
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOTEBOOK = ROOT / "labs" / "00-welcome" / "kiosk.ipynb"
WIDGET = ".youthlab-kiosk-app input"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def stop(proc: subprocess.Popen) -> None:
    try:
        procs = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for p in procs:
        p.terminate()
    _, alive = psutil.wait_procs(procs, timeout=10)
    for p in alive:
        p.kill()


def time_loads(url: str, n: int, between=None) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        ctx = p.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True,
                                                   args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        for i in range(n + 1):  # the first load only warms the browser cache
            if between:
                between()
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(f"{WIDGET}:not([disabled])", state="visible", timeout=120_000)
            elapsed = time.perf_counter() - start
            if i > 0:
                times.append(elapsed)
            page.goto("about:blank")
        ctx.close()
    return times


def run_ours(n: int) -> dict[str, list[float]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "youthlab.kiosk.server", "--port", str(port),
                             "--pool-size", "1", "--max-kernels", "50", "--app", "00-welcome"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env=dict(os.environ, YOUTHLAB_LABS_DIR=str(NOTEBOOK.parent.parent)))
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_http(base + "kiosk/status")

        def pool_ready() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if requests.get(base + "kiosk/status", timeout=5).json()["ready_kernels"] >= 1:
                    return
                time.sleep(0.1)

        app = base + "voila/render/00-welcome/kiosk.ipynb"
        return {lang: time_loads(f"{app}?lang={lang}", n, between=pool_ready) for lang in ("ko", "en")}
    finally:
        stop(proc)


def run_plain(n: int) -> list[float]:
    port = free_port()
    voila = str(Path(sys.executable).parent / "voila")
    proc = subprocess.Popen([voila, str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            cwd=NOTEBOOK.parent)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_http(base + "voila/static/voila.js")
        return time_loads(base, n)
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 loads each (under a minute)")
    parser.add_argument("--loads", type=int, default=None)
    args = parser.parse_args()
    n = args.loads or (5 if args.quick else 15)
    plain = run_plain(n)
    ours = run_ours(n)
    med_plain = statistics.median(plain)
    med_ko, med_en = statistics.median(ours["ko"]), statistics.median(ours["en"])
    print(f"plain cold voila      : median {med_plain:.2f} s  loads {[round(x, 2) for x in plain]}")
    print(f"youthlab kiosk, ko    : median {med_ko:.2f} s  loads {[round(x, 2) for x in ours['ko']]}")
    print(f"youthlab kiosk, en    : median {med_en:.2f} s  loads {[round(x, 2) for x in ours['en']]}")
    print(f"RATIO kiosk_tti_en {med_en / med_plain:.2f} goal <= 0.33")
    print(f"RATIO kiosk_tti {med_ko / med_plain:.2f} goal <= 0.20")


if __name__ == "__main__":
    main()
