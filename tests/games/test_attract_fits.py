"""The attract screen's title and how-to-play line stay inside the frame in both
languages (the English lines are longer than the Korean ones the layout was drawn for)."""

from __future__ import annotations

import pytest

from youthlab.games import game_names
from youthlab.i18n import t


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("name", sorted(game_names()))
def test_attract_lines_fit_the_frame(shell_for, name, lang):
    shell = shell_for(name, lang=lang)
    drawn = []
    real = shell.text.blit

    def spy(surface, text, *args, **kw):
        rect = real(surface, text, *args, **kw)
        drawn.append((text, rect))
        return rect

    shell.text.blit = spy
    shell.draw()  # a new shell shows its attract screen
    width = shell.size[0]
    lines = {text: rect for text, rect in drawn}
    for key in (shell.game.title_key, shell.game.how_key):
        rect = lines[t(key, lang)]
        assert rect.left >= 0 and rect.right <= width, (key, lang, rect, width)
        assert rect.height >= 18  # still readable, not shrunk to nothing
