"""One kiosk notebook on the kiosk page in headless Chromium, as a kiosk screen opens it."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from tests.kiosk.browser import browser, kiosk_server, leave

if TYPE_CHECKING:
    from playwright.sync_api import Page


@contextmanager
def kiosk_lab_page(tmp_path: Path, notebook: Path, name: str, query: str = "") -> Iterator[Page]:
    """``notebook`` alone in a labs folder under ``tmp_path`` as the lab ``name``, served by
    a kiosk server and opened (1280x800, until the response starts) at
    ``voila/render/<name>/kiosk.ipynb<query>``; yields the page. After the block the visitor
    leaves (:func:`leave`), as the page does at idle reset."""
    labs = tmp_path / "labs"
    (labs / name).mkdir(parents=True)
    shutil.copy(notebook, labs / name / "kiosk.ipynb")
    with kiosk_server(labs) as kiosk, browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{kiosk}voila/render/{name}/kiosk.ipynb{query}", wait_until="commit", timeout=120_000)
        yield page
        leave(page, kiosk)
