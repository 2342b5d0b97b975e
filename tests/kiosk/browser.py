"""Headless Chromium (Debian's package) driven by Playwright, as a kiosk screen would run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.conftest import free_port, kill_tree

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is not installed: run `make setup` (it installs it)")
    return path


@contextmanager
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def kiosk_server(labs: Path | None = None, *extra: str, env: dict | None = None) -> Iterator[str]:
    """`python -m youthlab.kiosk.server` on a free port; yields its base URL."""
    import os

    port = free_port()
    run_env = dict(os.environ, **(env or {}))
    if labs is not None:
        run_env["YOUTHLAB_LABS_DIR"] = str(labs)
    proc = subprocess.Popen([sys.executable, "-m", "youthlab.kiosk.server", "--port", str(port), *extra],
                            env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("kiosk server exited: " + proc.stderr.read())
            try:
                if requests.get(url + "kiosk/status", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        yield url
    finally:
        kill_tree(proc.pid)


def leave(page, kiosk_url: str) -> None:
    """End the visitor's kernel as the kiosk page does at idle reset (frees a visitor slot)."""
    import json as _json

    try:
        kernel = _json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
    except Exception:  # noqa: BLE001 — the page may not have a kernel (e.g. a 404 page)
        return
    requests.post(f"{kiosk_url}kiosk/reset/{kernel}", timeout=30)
