"""Headless pygame (SDL dummy video and audio) for the hall games' tests."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("YOUTHLAB_LANG", "en")

import pytest  # noqa: E402

from youthlab.games import make_game  # noqa: E402
from youthlab.games.shell import GameShell, init_pygame  # noqa: E402


@pytest.fixture
def shell_for(tmp_path):
    init_pygame(headless=True)

    def make(name: str, **kw) -> GameShell:
        kw.setdefault("scores_dir", tmp_path / "scores")
        kw.setdefault("lang", "en")
        return GameShell(make_game(name), **kw)

    return make
