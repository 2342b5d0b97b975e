"""Kiosk soak: many visitors across every kiosk app; every page must arrive with its widgets.

One kiosk server (all apps, a preheated kernel per app) on loopback. Two HTTP clients
load the apps round-robin at once — each reads the whole response and checks that the
page is complete (``</html>``) and carries its widgets (widget-view outputs) — while
headless Chromium, allowed to reach only this machine, plays a share of the loads and
waits for the app's widgets to show. After each load the visitor's kernel is ended as
the page does at idle reset. Prints ``kiosk soak: <good>/<loads>``; any load without
its widgets is listed.

    .venv/bin/python benchmarks/kiosk_soak.py               # 500 loads, 50 of them in the browser
    .venv/bin/python benchmarks/kiosk_soak.py --loads 70 --browser 7
    .venv/bin/python benchmarks/kiosk_soak.py --quick       # 28 loads, 4 in the browser

The last line, ``RATIO kiosk_soak <good/loads> goal >= 1.00``, is what CI reads.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.kiosk_tti import CHROMIUM_ARGS, free_port, stop, wait_http  # noqa: E402
from youthlab.kiosk.apps import find_apps  # noqa: E402
from youthlab.paths import labs_dir  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HTTP_CLIENTS = 2
LOAD_TIMEOUT = 120  # seconds: a page not complete by then is a failed load


def _reset(base: str, body: str) -> None:
    kernel = re.search(r'"kernelId": "([\w-]+)"', body)
    if kernel:
        requests.post(f"{base}kiosk/reset/{kernel.group(1)}", timeout=30)


def http_load(base: str, lab: str, lang: str) -> str | None:
    """One visitor's page over HTTP; None when complete with widgets, else what was wrong."""
    try:
        page = requests.get(f"{base}voila/render/{lab}/kiosk.ipynb?lang={lang}", timeout=(10, LOAD_TIMEOUT))
        body = page.text
    except requests.RequestException as exc:
        return f"{type(exc).__name__}"
    try:
        if page.status_code != 200:
            return f"HTTP {page.status_code}"
        if not body.rstrip().endswith("</html>"):
            return f"page stopped after {len(body)} bytes"
        if WIDGET_VIEW not in body:
            raised = "youthlab-kiosk-cell-error" in body
            return "no widgets in the page" + (" (the app raised: kiosk error marker)" if raised else "")
        return None
    finally:
        _reset(base, body)


def run_soak(loads: int = 500, browser_loads: int = 50, log: Path | None = None) -> tuple[int, list[str]]:
    """Run the soak; returns (good loads, descriptions of the bad ones)."""
    apps = [a.lab for a in find_apps(labs_dir())]
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "youthlab.kiosk.server", "--port", str(port),
                             "--pool-size", "1", "--max-kernels", "50"],
                            stdout=out, stderr=out, start_new_session=True, cwd=ROOT)
    base = f"http://127.0.0.1:{port}/"
    failures: list[str] = []
    good = [0]
    lock = threading.Lock()
    http_total = loads - browser_loads
    next_load = [0]

    def record(what: str, problem: str | None) -> None:
        with lock:
            if problem is None:
                good[0] += 1
            else:
                failures.append(f"{what}: {problem}")
                print(f"  BAD {what}: {problem}", flush=True)

    def http_worker() -> None:
        while True:
            with lock:
                i = next_load[0]
                next_load[0] += 1
            if i >= http_total:
                return
            lab, lang = apps[i % len(apps)], ("ko", "en")[(i // len(apps)) % 2]
            record(f"http #{i} {lab} {lang}", http_load(base, lab, lang))
            if (i + 1) % 50 == 0:
                print(f"  {i + 1} HTTP loads, {len(failures)} bad", flush=True)

    try:
        wait_http(base + "kiosk/status", timeout=120)
        workers = [threading.Thread(target=http_worker) for _ in range(HTTP_CLIENTS)]
        for w in workers:
            w.start()
        if browser_loads:
            _browser_loads(base, apps, browser_loads, record)
        for w in workers:
            w.join()
    finally:
        stop(proc)
        if log:
            out.close()
    return good[0], failures


def _browser_loads(base: str, apps: list[str], n: int, record) -> None:
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(r) -> None:
        url = urlparse(r.request.url)
        if url.scheme in ("data", "blob", "about") or url.hostname in ("127.0.0.1", "localhost", "::1"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort("internetdisconnected")

    with sync_playwright() as p:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = b.new_context(viewport={"width": 1280, "height": 800})
        context.route("**/*", route)
        page = context.new_page()
        try:
            for i in range(n):
                lab, lang = apps[i % len(apps)], ("ko", "en")[(i // len(apps)) % 2]
                problem = None
                try:
                    page.goto(f"{base}voila/render/{lab}/kiosk.ipynb?lang={lang}", timeout=LOAD_TIMEOUT * 1000)
                    page.wait_for_selector(".jupyter-widgets", state="visible", timeout=LOAD_TIMEOUT * 1000)
                except Exception as exc:  # noqa: BLE001 — a timeout is the failure we count
                    problem = f"widgets not shown ({type(exc).__name__})"
                if blocked:
                    problem = f"tried to reach the internet: {blocked[:3]}"
                    blocked.clear()
                try:
                    _reset(base, page.content())
                except Exception:  # noqa: BLE001
                    pass
                record(f"browser #{i} {lab} {lang}", problem)
                page.goto("about:blank")
        finally:
            b.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=500)
    parser.add_argument("--browser", type=int, default=50, help="how many of the loads run in Chromium")
    parser.add_argument("--log", type=Path, default=None, help="kiosk server log file")
    parser.add_argument("--quick", action="store_true", help="28 loads (4 in the browser): under a minute or two")
    args = parser.parse_args()
    if args.quick:
        args.loads, args.browser = 28, 4
    start = time.monotonic()
    good, failures = run_soak(args.loads, args.browser, args.log)
    print(f"{args.loads} loads in {time.monotonic() - start:.0f} s across {len(find_apps(labs_dir()))} apps "
          f"({args.browser} in the browser)")
    for f in failures:
        print("  without widgets:", f)
    print(f"kiosk soak: {good}/{args.loads}")
    print(f"RATIO kiosk_soak {good / args.loads:.3f} goal >= 1.00")
    sys.exit(0 if good == args.loads else 1)


if __name__ == "__main__":
    main()
