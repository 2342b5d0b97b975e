"""Voila's start-up chunks as one script that a kiosk browser keeps between visitors.

Voila's page script (``voila.js``, a webpack runtime and its entry) asks for its start-up
chunks (~56 files) the moment it runs, each through a ``<script>`` element of its own.
Even from the browser's cache each one costs the page's main thread a request and a task
while the page waits: ``voila.js`` runs before the page is interactive. A kiosk finds
that list once, when it starts (Node runs ``voila.js`` against a stand-in ``document``
that records the chunks it asks for and never loads them: ``collect_page_scripts.js``),
and serves those chunks in the order asked as one script under a URL that names its
content (``kiosk/page-scripts/<digest>.js``); the page runs it just before ``voila.js``.

Each chunk's file goes in as it is, inside a function of its own, so a chunk keeps its
own ``"use strict"`` (a directive counts only at the top of a script or a function). That
is the same as running the file only because a chunk does nothing but hand its modules to
the runtime (one ``webpackChunk….push([ids, modules])``, nothing of its own in the page's
scope, no ``arguments``); the harness checks that of every chunk. Its modules run when the runtime's entry asks for them, as in Voila's page; only the
wait for the files is gone, so the entry runs right after ``voila.js``. A chunk asked for
once the modules run (an app's widget code, among others) loads the usual way.

Without Node, or when ``voila.js`` or a chunk does more than that, the kiosk logs why and
its pages load the chunks one by one as Voila's do (``youthlab.kiosk.page_assets``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

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
    try:
        names = json.loads(run_node(HARNESS, [str(script)], _REASON_MARK, node))
    except ValueError as err:  # Node printed something else
        raise PageAssetUnavailable("node_failed", f"not a list of chunks: {err}") from None
    if not isinstance(names, list) or not 0 < len(names) <= MAX_CHUNKS:
        raise PageAssetUnavailable("node_failed", "not a list of chunks")
    for name in names:
        if (not isinstance(name, str) or not _CHUNK_NAME.fullmatch(name) or name == SCRIPT_NAME
                or not (script.parent / name).is_file()):
            raise PageAssetUnavailable("node_failed", f"a chunk that is not beside {SCRIPT_NAME}: {str(name)[:80]}")
    return list(dict.fromkeys(names))


def bundle_start_chunks(script: Path, node: str | None = None) -> PageAsset:
    """The start-up chunks of ``script`` as one script, each chunk's file as it is inside a
    function of its own (its ``"use strict"`` stays its own)."""
    sources = [(script, file_stamp(script))]
    parts = []
    for name in start_chunks(script, node):
        chunk = script.parent / name
        sources.append((chunk, file_stamp(chunk)))  # stamped before read: an upgrade meanwhile shows
        parts.append(b"(function () {\n" + chunk.read_bytes() + b"\n}).call(this);\n")
    return PageAsset.derived(b"".join(parts), sources, ROUTE, "js")


def page_scripts_handlers(base: str, scripts: Callable[[], PageAsset | None]) -> list[tuple]:
    return [page_asset_handler(base, ROUTE, "js", scripts, "text/javascript; charset=utf-8")]
