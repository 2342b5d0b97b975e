"""Time to interactive of a kiosk app: our kiosk server vs plain cold `voila`, one run.

Both serve the same notebook (labs/00-welcome/kiosk.ipynb) on loopback; headless Chromium
(Debian's) loads the page and we time from the navigation until the first widget is
usable (the name box is visible and enabled). Both arms model the hall's kiosk screen:
one browser that stays open (one profile, its cache kept), each new visitor a navigation
of the same tab to the app's URL, as the kiosk's idle reset does (``location.replace``);
each arm gets one unmeasured first load (the screen's first visitor of the day), then N
measured loads.

- plain cold voila: ``voila labs/00-welcome/kiosk.ipynb``, out of the box: every visitor's
  page starts a kernel and runs the notebook before the page is complete.
- youthlab kiosk: ``python -m youthlab.kiosk.server`` (pool size 1 per language). Before
  each visitor the previous one's kernel is ended as the page's idle reset does (POST
  ``kiosk/reset/<kernel>``) and we wait until both languages' preheated pages are ready
  again, as they are by the time a new visitor walks up. Measured twice: a Korean visitor
  (the kiosk's language) and an English one (``?lang=en``); the run checks from the
  server's log that every load of both was served from the preheated pool of its language.

When is "usable": the moment the page itself first has the name box laid out (a
non-empty box, not ``visibility: hidden``) and enabled, read in the page at its next
animation frame (a script both arms' pages get before their own, see ``USABLE_PROBE``)
and counted from when the run starts the navigation (``performance.timeOrigin`` is on
the wall clock the run reads). Playwright's
``wait_for_selector`` still has to see the box (the run fails otherwise), but its own
timing is not the figure: it polls at growing intervals (0, 20, 50, 100, 100, 500 ms …
after ``goto`` returns), which added 0-100 ms to a 0.4 s page and up to 500 ms to a
2.6 s one, at random. Its figures are printed too ("as polled").

The last line (what CI parses) is the Korean ratio, the line before the English one.

    .venv/bin/python benchmarks/kiosk_tti.py --quick   # 5 loads each
    .venv/bin/python benchmarks/kiosk_tti.py           # 15 loads each
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
from youthlab.i18n import LANGUAGES  # noqa: E402

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


#: Runs in every page before the page's own scripts: notes (epoch ms) the first animation
#: frame at which the first-widget selector matches a box that is laid out and not hidden.
#: Cheap: one querySelector per frame until then, one box read once it exists.
USABLE_PROBE = """
(() => {
  const selector = %s;
  const look = () => {
    const el = document.querySelector(selector);
    if (el) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden") {
        window.__youthlabUsableAt = performance.timeOrigin + performance.now();
        return;
      }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
""" % json.dumps(f"{WIDGET}:not([disabled])")


def time_loads(url: str, n: int, between=None, leave=None) -> tuple[list[float], list[float]]:
    """Load ``url`` n+1 times in one kiosk browser; the times of all but the first: when the
    page had its first widget usable, and when Playwright's polling saw it."""
    from playwright.sync_api import sync_playwright

    times, polled = [], []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        ctx = p.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True,
                                                   args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 800})
        ctx.add_init_script(USABLE_PROBE)
        page = ctx.new_page()
        for i in range(n + 1):  # the first load is the screen's first visitor (cold browser cache)
            if leave and i > 0:
                leave(page)
            if between:
                between()
            start_epoch, start = time.time(), time.perf_counter()
            page.goto(f"{url}{'&' if '?' in url else '?'}visit={i}")  # a new URL each time, as the reset's
            page.wait_for_selector(f"{WIDGET}:not([disabled])", state="visible", timeout=120_000)
            seen = time.perf_counter() - start
            page.wait_for_function("window.__youthlabUsableAt !== undefined", timeout=10_000)
            usable = page.evaluate("window.__youthlabUsableAt") / 1000 - start_epoch
            if not 0 < usable <= seen + 0.25:  # same clock: not (much) later than the poll saw it
                raise RuntimeError(f"page's usable time {usable:.3f} s does not fit the poll's {seen:.3f} s")
            if i > 0:
                times.append(usable)
                polled.append(seen)
        ctx.close()
    return times, polled


def run_ours(n: int) -> tuple[dict[str, tuple[list[float], list[float]]], dict[str, int]]:
    """Times per language (usable, as polled), and how many pages of each language came from the pool."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="kiosk-tti-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "youthlab.kiosk.server", "--port", str(port),
                             "--pool-size", "1", "--max-kernels", "50", "--app", "00-welcome"],
                            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
                            env=dict(os.environ, YOUTHLAB_LABS_DIR=str(NOTEBOOK.parent.parent)))
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_http(base + "kiosk/status")

        def pool_ready() -> None:  # one finished page per language, as between two visitors
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if requests.get(base + "kiosk/status", timeout=5).json()["ready_kernels"] >= len(LANGUAGES):
                    return
                time.sleep(0.1)

        def idle_reset(page) -> None:  # what the page's idle reset does before the next visitor
            kernel = json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
            requests.post(f"{base}kiosk/reset/{kernel}", timeout=30)

        app = base + "voila/render/00-welcome/kiosk.ipynb"
        times = {lang: time_loads(f"{app}?lang={lang}", n, between=pool_ready, leave=idle_reset)
                 for lang in ("ko", "en")}
    finally:
        stop(proc)
        log.close()
        text = Path(log.name).read_text(errors="replace")
        os.unlink(log.name)
    preheated = {lang: len(re.findall(rf"Using pre-heated kernel: \S+ for \S+ \({lang}\)", text))
                 for lang in ("ko", "en")}
    return times, preheated


def run_plain(n: int) -> tuple[list[float], list[float]]:
    """Plain Voila, as installed: each load starts a kernel and runs the notebook."""
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
    load_before = os.getloadavg()[0]
    plain, plain_polled = run_plain(n)
    ours, preheated = run_ours(n)
    med_plain = statistics.median(plain)
    med_ko, med_en = statistics.median(ours["ko"][0]), statistics.median(ours["en"][0])
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (2 cores shared)")
    print(f"plain cold voila      : median {med_plain:.2f} s  loads {[round(x, 2) for x in plain]}")
    print(f"youthlab kiosk, ko    : median {med_ko:.2f} s  loads {[round(x, 2) for x in ours['ko'][0]]}")
    print(f"youthlab kiosk, en    : median {med_en:.2f} s  loads {[round(x, 2) for x in ours['en'][0]]}")
    polled = {"plain": plain_polled, "ko": ours["ko"][1], "en": ours["en"][1]}
    print("as polled by Playwright (medians): " + ", ".join(
        f"{arm} {statistics.median(values):.2f} s" for arm, values in polled.items())
        + f"; ratio ko {statistics.median(polled['ko']) / statistics.median(plain_polled):.2f}")
    for lang in ("ko", "en"):  # the first load of each arm counts too
        print(f"preheated pages, {lang}   : {preheated[lang]}/{n + 1}")
    print(f"RATIO kiosk_tti_en {med_en / med_plain:.2f} goal <= 0.33")
    print(f"RATIO kiosk_tti {med_ko / med_plain:.2f} goal <= 0.20")


if __name__ == "__main__":
    main()
