"""How a kiosk page shows LaTeX in an app's text: which typesetter Voila's page registers.

Voila 0.5's page picks its typesetter from the page config: with no MathJax URL it
registers JupyterLab's MathJax 3 typesetter, whose ~16 scripts (~800 KB, from Voila's own
files) the page fetches and evaluates the first time any widget asks for typesetting;
every label and description does, so every visitor's page paid for them while its kernel
connected, for apps that show no formula. With a MathJax URL the page registers the
MathJax 2 typesetter instead, which loads that one script on the first request.

``plain`` (the default) names the kiosk template's ``static/plain-typesetter.js``: a few
hundred bytes with MathJax 2's page API that leave text as written. ``mathjax`` keeps
Voila's MathJax 3 (offline too) for an app that shows formulas.
"""

from __future__ import annotations

from typing import Any

from voila.utils import make_url

#: The kiosk settings' values (``KioskSettings.math``).
PLAIN, MATHJAX = "plain", "mathjax"
PLAIN_TYPESETTER = "static/plain-typesetter.js"
#: What the MathJax 2 typesetter appends to the URL as ``?config=…``: our script reads no
#: configuration; the name says so in the server's log.
PLAIN_CONFIG = "none"


def typesetter_page_config(page_config: dict, base_url: str, template: str, math: str) -> dict:
    """``page_config`` with the typesetter for ``math`` (``plain`` or ``mathjax``)."""
    if math == PLAIN:
        # Versioned like the template's other files (?v=<content hash>: kept by the browser).
        page_config["fullMathjaxUrl"] = make_url(template, base_url, PLAIN_TYPESETTER)
        page_config["mathjaxConfig"] = PLAIN_CONFIG
    else:  # Voila's default: no URL, no config → MathJax 3 from Voila's own chunks
        page_config["fullMathjaxUrl"] = None
        page_config["mathjaxConfig"] = None
    return page_config


def typesetter_hook(template: str, math: str) -> Any:
    """A Voila ``page_config_hook`` step that sets the page's typesetter."""

    def hook(page_config: dict, base_url: str, **_: Any) -> dict:
        return typesetter_page_config(page_config, base_url, template, math)

    return hook
