"""The words of the kiosk frame around an app (the attract screen, the home and language
buttons, the friendly error, the staff exit's prompts), carried in the page itself.

kiosk.js once read them from ``kiosk/config.json`` after the page loaded: until that
answer came, the frame's buttons had no label, and an app that failed at once showed an
empty error box (for good if the answer was lost). The page config (the page's
``jupyter-config-data``, before kiosk.js) now holds them in both languages, so kiosk.js
labels the frame as it starts and switches language without asking the server.
"""

from __future__ import annotations

from typing import Any, Callable

from youthlab.i18n import both

#: Where the template's page config holds them (read by static/kiosk.js).
PAGE_CONFIG_KEY = "youthlabFrame"
#: What kiosk.js shows.
FRAME_MESSAGES = ("kiosk.attract.title", "kiosk.error.cell", "kiosk.exit.pin", "kiosk.exit.wrong", "kiosk.home",
                  "kiosk.other_language")


def frame_words(language: str) -> dict:
    """The frame's messages in every language, and the kiosk's own language (a page
    without ``?lang=`` speaks it, and the next visitor starts in it)."""
    return {"language": language,
            "messages": {key: both(key) for key in FRAME_MESSAGES}}


def frame_words_hook(language: str) -> Callable[..., dict]:
    """A Voila ``page_config_hook`` step that puts :func:`frame_words` in the page."""
    words = frame_words(language)

    def hook(page_config: dict, **_: Any) -> dict:
        page_config[PAGE_CONFIG_KEY] = words
        return page_config

    return hook
