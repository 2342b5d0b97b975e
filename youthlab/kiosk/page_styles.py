"""Voila's page styles as one stylesheet that a kiosk browser keeps between visitors.

Voila's lab template starts every page with ``voila-style.js``: a ~340 KB script that
builds ~300 KB of CSS (JupyterLab's, the widgets', Font Awesome 5) and inserts it as ~60
``<style>`` elements before the rest of the page is parsed, on every visit. A kiosk takes
that CSS out of the script once, when it starts, and serves it as one stylesheet under a
URL that names its content (``kiosk/page-styles/<digest>.css``). The page links it in the
script's place (same order, same rules), and the browser keeps the file, and its parsed
form, from one visitor to the next.

Node.js runs the script against a stand-in ``document`` that knows only what
style-loader does (``collect_page_styles.js``); without Node, or when the script does
anything else, the kiosk logs why and its pages run Voila's script as before
(``youthlab.kiosk.page_assets``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from youthlab.kiosk.page_assets import (PageAsset, PageAssetUnavailable, file_stamp, page_asset_handler, run_node,
                                        voila_static_file)

HARNESS = Path(__file__).with_name("collect_page_styles.js")
SCRIPT_NAME = "voila-style.js"
#: The page-config key the template reads (absent: the page runs Voila's script).
PAGE_CONFIG_KEY = "youthlabPageStyles"
ROUTE = "kiosk/page-styles/"
#: The origin the stand-in document is given; taken off again, so the CSS's own URLs
#: (Font Awesome's and the code fonts' files) are root-relative, as the script made them.
STAND_IN_ORIGIN = "http://youthlab.invalid"
#: A ``url(…)`` in the CSS that names a file (not inline data, not a reference inside an SVG).
_FILE_URL = re.compile(r"""url\(\s*['"]?\s*(?!data:|#|%23)([^'")\s]+)""", re.IGNORECASE)
#: What the harness writes before its one line of reason (Node may print more).
_REASON_MARK = "collect_page_styles: "


def voila_style_script(template: str) -> Path:
    """The ``voila-style.js`` the template's pages would load."""
    return voila_static_file(template, SCRIPT_NAME)


def extract_page_styles(script: Path, folder_url: str, node: str | None = None) -> PageAsset:
    """The CSS that ``script`` inserts into a page, in order. ``folder_url`` is the URL
    folder the page loads the script from (root-relative); its fonts are found there."""
    stamp = file_stamp(script)
    css = run_node(HARNESS, [str(script), STAND_IN_ORIGIN + folder_url], _REASON_MARK, node).decode("utf-8")
    # The script's own URLs come out on the stand-in origin and become root-relative, which
    # mean the same in a <style> and in our file. A relative URL would not (the page's folder
    # there, ours here); another origin is not on a kiosk's network.
    for url in _FILE_URL.findall(css):
        if not url.startswith((STAND_IN_ORIGIN + "/", "/")) or url.startswith(("//", "/\\")):
            raise PageAssetUnavailable("node_failed", f"a URL the stylesheet cannot keep: {url[:80]}")
    data = css.replace(STAND_IN_ORIGIN + "/", "/").encode("utf-8")
    return PageAsset.derived(data, [(script, stamp)], ROUTE, "css")


def page_styles_handlers(base: str, styles: Callable[[], PageAsset | None]) -> list[tuple]:
    return [page_asset_handler(base, ROUTE, "css", styles, "text/css; charset=utf-8")]
