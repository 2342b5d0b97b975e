"""Voila's start-up chunks as one script that a kiosk browser keeps between visitors.

Voila's page script (``voila.js``, a webpack runtime and its entry) asks for its start-up
chunks (~56 files) the moment it runs, each through a ``<script>`` element of its own.
Even from the browser's cache each one costs the page's main thread a request and a task
while the page waits: ``voila.js`` runs before the page is interactive. A kiosk finds
that list once, when it starts (Node runs ``voila.js`` against a stand-in ``document``
that records the chunks it asks for and never loads them: ``collect_page_scripts.js``),
and serves those chunks, unchanged and in the order asked, as one script under a URL that
names its content (``kiosk/page-scripts/<digest>.js``). The page runs it just before
``voila.js``. A chunk only hands its modules to the runtime (``webpackChunk….push``), so
nothing of them runs earlier than in Voila's page; the runtime finds them there and asks
for none. A chunk the list lacks (an app's lazy widget code) loads the usual way.

Without Node, or when ``voila.js`` does more than webpack's script loader, the kiosk logs
why and its pages load the chunks one by one as Voila's do (``youthlab.kiosk.page_assets``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from youthlab.kiosk.page_assets import (PageAsset, PageAssetUnavailable, file_stamp, page_asset_handler, run_node,
                                        voila_static_file)

HARNESS = Path(__file__).with_name("collect_page_scripts.js")
SCRIPT_NAME = "voila.js"
#: The page-config key the template reads (absent: the page loads the chunks one by one).
PAGE_CONFIG_KEY = "youthlabPageScripts"
ROUTE = "kiosk/page-scripts/"
#: A chunk's file name beside ``voila.js`` (nothing that leaves the folder).
_CHUNK_NAME = re.compile(r"[\w][\w.-]*\.js")
#: The most chunks one page may ask for (a runaway list keeps Voila's way).
MAX_CHUNKS = 500
_REASON_MARK = "collect_page_scripts: "


def voila_page_script(template: str) -> Path:
    """The ``voila.js`` the template's pages would load."""
    return voila_static_file(template, SCRIPT_NAME)


def start_chunks(script: Path, node: str | None = None) -> list[str]:
    """The chunk files (names beside ``script``) that ``script`` asks for when it runs, in order."""
    names = json.loads(run_node(HARNESS, [str(script)], _REASON_MARK, node))
    if not isinstance(names, list) or not 0 < len(names) <= MAX_CHUNKS:
        raise PageAssetUnavailable("node_failed", "not a list of chunks")
    for name in names:
        if not isinstance(name, str) or not _CHUNK_NAME.fullmatch(name) or not (script.parent / name).is_file():
            raise PageAssetUnavailable("node_failed", f"a chunk that is not beside {SCRIPT_NAME}: {str(name)[:80]}")
    return list(dict.fromkeys(names))


def bundle_start_chunks(script: Path, node: str | None = None) -> PageAsset:
    """The start-up chunks of ``script`` as one script (each chunk's file as it is)."""
    stamp = file_stamp(script)
    parts = [(script.parent / name).read_bytes() for name in start_chunks(script, node)]
    # Each chunk file is a whole script; a line break and ";" keep the next one whole too.
    data = b"\n;".join(parts) + b"\n"
    return PageAsset.derived(data, script, stamp, ROUTE, "js")


def page_scripts_handlers(base: str) -> list[tuple]:
    return [page_asset_handler(base, ROUTE, "js", "page_scripts", "text/javascript; charset=utf-8")]
