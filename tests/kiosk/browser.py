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


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-extension"}


class OfflineBrowser:
    """A Playwright browser whose pages reach only this machine, as in a hall with no internet.

    Every request to another host is aborted and remembered; :func:`browser` fails the
    test if there was any (a kiosk page must not even try).
    """

    def __init__(self, real) -> None:
        self._real = real
        self.blocked: list[str] = []

    def _route(self, route) -> None:
        from urllib.parse import urlparse

        url = urlparse(route.request.url)
        if url.scheme in LOCAL_SCHEMES or (url.hostname or "") in LOOPBACK_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("internetdisconnected")

    def new_context(self, **kwargs):
        context = self._real.new_context(**kwargs)
        context.route("**/*", self._route)
        return context

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def __getattr__(self, name: str):
        return getattr(self._real, name)


@contextmanager
def browser() -> Iterator[OfflineBrowser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        offline = OfflineBrowser(b)
        try:
            yield offline
        finally:
            b.close()
        if offline.blocked:
            pytest.fail("a page tried to reach the internet: " + ", ".join(sorted(set(offline.blocked))))


@contextmanager
def kiosk_server(labs: Path | None = None, *extra: str, env: dict | None = None,
                 log: Path | None = None) -> Iterator[str]:
    """`python -m youthlab.kiosk.server` on a free port; yields its base URL. Its data
    folder (the staff PIN file) is a fresh temporary one unless ``env`` names one; its
    log goes to ``log`` when given."""
    import os
    import tempfile

    port = free_port()
    run_env = dict(os.environ, **(env or {}))
    if labs is not None:
        run_env["YOUTHLAB_LABS_DIR"] = str(labs)
    data = None
    if not (env or {}).get("YOUTHLAB_DATA_DIR"):
        data = tempfile.TemporaryDirectory(prefix="kiosk-data-")
        run_env["YOUTHLAB_DATA_DIR"] = data.name
    err = open(log, "w") if log is not None else subprocess.PIPE
    proc = subprocess.Popen([sys.executable, "-m", "youthlab.kiosk.server", "--port", str(port), *extra],
                            env=run_env, stdout=subprocess.DEVNULL, stderr=err, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("kiosk server exited: " + (proc.stderr.read() if log is None
                                                              else Path(log).read_text()))
            try:
                if requests.get(url + "kiosk/status", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        yield url
    finally:
        kill_tree(proc.pid)
        if log is not None:
            err.close()
        if data is not None:
            data.cleanup()


def leave(page, kiosk_url: str) -> None:
    """End the visitor's kernel as the kiosk page does at idle reset (frees a visitor slot)."""
    import json as _json

    try:
        kernel = _json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
    except Exception:  # noqa: BLE001 — the page may not have a kernel (e.g. a 404 page)
        return
    requests.post(f"{kiosk_url}kiosk/reset/{kernel}", timeout=30)
