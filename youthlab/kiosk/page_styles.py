"""Voila's page styles as one stylesheet that a kiosk browser keeps between visitors.

Voila's lab template starts every page with ``voila-style.js``: a ~340 KB script that
builds ~300 KB of CSS (JupyterLab's, the widgets', Font Awesome 5) and inserts it as ~60
``<style>`` elements before the rest of the page is parsed, on every visit. A kiosk takes
that CSS out of the script once, when it starts, and serves it as one stylesheet under a
URL that names its content (``kiosk/page-styles/<digest>.css``). The page links it in the
script's place (same order, same rules), and the browser keeps the file, and its parsed
form, from one visitor to the next.

Node.js (a prerequisite, which the hub's proxy needs anyway; the Kubernetes hub image
installs it for the kiosk) runs the script against a stand-in ``document`` that knows only what
style-loader does (``collect_page_styles.js``). Without Node, or when the script does
anything else, the kiosk logs why and its pages run Voila's script as before. The script
is the one Voila's own pages would run, found on the same Jupyter path, run with the
kiosk's own rights (Node's ``vm`` is no sandbox): the same trust the kiosk already gives
Voila's Python code and templates there. When Voila is upgraded under a running kiosk,
the pages go back to the (new) script until the kiosk restarts.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

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
#: A ``url(…)`` in the CSS that names a file (not inline data, not a reference inside an SVG).
_FILE_URL = re.compile(r"""url\(\s*['"]?\s*(?!data:|#|%23)([^'")\s]+)""", re.IGNORECASE)
#: What the harness writes before its one line of reason (Node may print more).
_REASON_MARK = "collect_page_styles: "


class PageStylesUnavailable(Exception):
    """Why the kiosk runs Voila's script instead (``code``: ``no_script``,
    ``node_missing``, ``node_failed``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class PageStyles:
    """The CSS, the digest its URL carries, and the script it came from (as it was)."""

    css: bytes
    digest: str
    script: Path
    script_stamp: tuple[int, int]

    def url(self, base_url: str) -> str:
        return f"{base_url}{ROUTE}{self.digest}.css"

    def current(self) -> bool:
        """Is the script still the one the CSS came from (not upgraded since)?"""
        try:
            return _stamp(self.script) == self.script_stamp
        except OSError:
            return False


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


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
    node = node or shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise PageStylesUnavailable("node_missing")
    stamp = _stamp(script)
    try:
        done = subprocess.run([node, str(HARNESS), str(script), STAND_IN_ORIGIN + folder_url],
                              capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PageStylesUnavailable("node_failed", str(err)) from err
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        reasons = [line[len(_REASON_MARK):] for line in lines if line.startswith(_REASON_MARK)]
        errors = [line for line in lines if "Error" in line]
        raise PageStylesUnavailable("node_failed", (reasons or errors or lines or [f"exit {done.returncode}"])[0])
    css = done.stdout.decode("utf-8")
    # The script's own URLs come out on the stand-in origin and become root-relative, which
    # mean the same in a <style> and in our file. A relative URL would not (the page's folder
    # there, ours here); another origin is not on a kiosk's network.
    for url in _FILE_URL.findall(css):
        if not url.startswith((STAND_IN_ORIGIN + "/", "/")) or url.startswith(("//", "/\\")):
            raise PageStylesUnavailable("node_failed", f"a URL the stylesheet cannot keep: {url[:80]}")
    data = css.replace(STAND_IN_ORIGIN + "/", "/").encode("utf-8")
    return PageStyles(data, hashlib.sha256(data).hexdigest()[:32], script, stamp)


def page_styles_hook(styles: PageStyles | None, on_stale: Callable[[], None] | None = None) -> Any:
    """A Voila ``page_config_hook`` step that tells the template where the stylesheet is
    (nothing with no stylesheet, or once Voila's script changed: the template keeps the
    script; ``on_stale`` is called the first time)."""
    stale_seen = False

    def hook(page_config: dict, base_url: str = "/", **_: Any) -> dict:
        nonlocal stale_seen
        if styles is None:
            return page_config
        if styles.current():
            page_config[PAGE_CONFIG_KEY] = styles.url(base_url)
        elif not stale_seen:
            stale_seen = True
            if on_stale is not None:
                on_stale()
        return page_config

    return hook


class PageStylesHandler(KioskHandler):
    """The stylesheet, kept by the browser for good: its URL names its content."""

    def head(self, digest: str) -> None:
        self._answer(digest, with_body=False)

    def get(self, digest: str) -> None:
        self._answer(digest, with_body=True)

    def _answer(self, digest: str, with_body: bool) -> None:
        styles = self.kiosk.page_styles
        if styles is None or digest != styles.digest:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.set_header("Cache-Control", IMMUTABLE)
        self.set_header("Content-Length", len(styles.css))
        self.finish(styles.css if with_body else None)


def page_styles_handlers(base: str) -> list[tuple]:
    return [(base + ROUTE + r"([0-9a-f]{32})\.css", PageStylesHandler)]
