"""Each kiosk app's play-through, one module per area (so each area owns its own).

A play is ``play(page, lang)``: ``page`` is a Playwright page already showing the app in
``lang`` ("ko" or "en"; the page was opened with ``?lang=<lang>``); the play taps what a
visitor would and returns once the app's end state is on screen (it raises, or a
``wait_for_selector`` times out, otherwise). Find labels with
``youthlab.i18n.t(key, lang)`` so one play serves both languages. :func:`run_play`
also runs an older one-argument play (Korean only) until its area moves it over.
"""

from __future__ import annotations

import inspect

from tests.kiosk.plays import drone, games, robot, stamp, welcome

#: The labs' kiosk apps (``youthlab.kiosk.apps.find_apps``).
PLAYS = {**welcome.PLAYS, **drone.PLAYS, **stamp.PLAYS, **robot.PLAYS}
#: The hall games (``youthlab.kiosk.apps.find_games``: ids ``games.<name>``).
GAME_PLAYS = dict(games.PLAYS)
#: Every kiosk app the design judge plays: the launcher's tiles.
ALL_PLAYS = {**PLAYS, **GAME_PLAYS}


def takes_language(lab: str) -> bool:
    """Whether the lab's play takes ``(page, lang)`` (else it plays in Korean only)."""
    return len(inspect.signature(ALL_PLAYS[lab]).parameters) >= 2


def run_play(lab: str, page, lang: str = "ko") -> None:
    """Play ``lab``'s app to its end state in ``lang``."""
    if takes_language(lab):
        ALL_PLAYS[lab](page, lang)
    elif lang == "ko":
        ALL_PLAYS[lab](page)
    else:
        raise AssertionError(f"{lab}: its play takes (page) only, so it cannot play in {lang!r} yet")
