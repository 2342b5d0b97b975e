"""Voila's page styles as one stylesheet that a kiosk browser keeps between visitors.

Voila's lab template starts every page with ``voila-style.js``: a ~340 KB script that
builds ~300 KB of CSS (JupyterLab's, the widgets', Font Awesome 5) and inserts it as ~70
``<style>`` elements before the rest of the page is parsed, on every visit. A kiosk takes
that CSS out of the script once, when it starts, and serves it as one stylesheet under a
URL that names its content (``kiosk/page-styles/<digest>.css``). The page links it in the
script's place (same order, same rules), and the browser keeps the file, and its parsed
form, from one visitor to the next.

Node (which the hub's proxy needs anyway) runs the script against a stand-in
``document`` that only records the ``<style>`` elements (``collect_page_styles.js``).
Without Node, or when the script does something the stand-in does not know, the kiosk
logs why and its pages run Voila's script as before.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tornado.web
from voila.paths import collect_static_paths

from youthlab.kiosk.handlers import KioskHandler
from youthlab.kiosk.voila_handlers import IMMUTABLE

HARNESS = Path(__file__).with_name("collect_page_styles.js")
SCRIPT_NAME = "voila-style.js"
#: The page-config key the template reads (absent: the page runs Voila's script).
PAGE_CONFIG_KEY = "youthlabPageStyles"
ROUTE = "kiosk/page-styles/"
#: The origin the stand-in document is given; taken off again, so the CSS's own URLs
#: (Font Awesome's and the code fonts' files) are root-relative, as the script made them.
STAND_IN_ORIGIN = "http://youthlab.invalid"
NODE_TIMEOUT = 60.0


class PageStylesUnavailable(Exception):
    """Why the kiosk runs Voila's script instead (``code``: ``no_script``,
    ``node_missing``, ``node_failed``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class PageStyles:
    """The CSS and the digest its URL carries."""

    css: bytes
    digest: str

    def url(self, base_url: str) -> str:
        return f"{base_url}{ROUTE}{self.digest}.css"


def voila_style_script(template: str) -> Path:
    """The ``voila-style.js`` the template's pages would load (its static folders, in
    Voila's order)."""
    for root in collect_static_paths(["voila", "nbconvert"], template):
        candidate = Path(root, SCRIPT_NAME)
        if candidate.is_file():
            return candidate
    raise PageStylesUnavailable("no_script", template)


def extract_page_styles(script: Path, folder_url: str, node: str | None = None,
                        timeout: float = NODE_TIMEOUT) -> PageStyles:
    """The CSS that ``script`` inserts into a page, in order. ``folder_url`` is the URL
    folder the page loads the script from (root-relative); its fonts are found there."""
    node = node or shutil.which("node")
    if not node:
        raise PageStylesUnavailable("node_missing")
    try:
        done = subprocess.run([node, str(HARNESS), str(script), STAND_IN_ORIGIN + folder_url],
                              capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PageStylesUnavailable("node_failed", str(err)) from err
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise PageStylesUnavailable("node_failed", lines[-1] if lines else f"exit {done.returncode}")
    css = done.stdout.replace(STAND_IN_ORIGIN.encode(), b"")
    return PageStyles(css, hashlib.sha256(css).hexdigest()[:32])


def page_styles_hook(styles: PageStyles | None) -> Any:
    """A Voila ``page_config_hook`` step that tells the template where the stylesheet is
    (nothing with no stylesheet: the template keeps Voila's script)."""

    def hook(page_config: dict, base_url: str = "/", **_: Any) -> dict:
        if styles is not None:
            page_config[PAGE_CONFIG_KEY] = styles.url(base_url)
        return page_config

    return hook


class PageStylesHandler(KioskHandler):
    """The stylesheet, kept by the browser for good: its URL names its content."""

    def get(self, digest: str) -> None:
        styles = self.kiosk.page_styles
        if styles is None or digest != styles.digest:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.set_header("Cache-Control", IMMUTABLE)
        self.finish(styles.css)


def page_styles_handlers(base: str) -> list[tuple]:
    return [(base + ROUTE + r"([0-9a-f]+)\.css", PageStylesHandler)]
