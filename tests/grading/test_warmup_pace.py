"""How class warm-up paces server starts."""

from __future__ import annotations


def test_warm_up_pace_follows_how_fast_servers_come_up():
    from youthlab.hub.classes import adapt_pace

    assert adapt_pace(2, 15.0, 1, 4) == 1  # slow: fewer at once
    assert adapt_pace(1, 30.0, 1, 4) == 1  # never below one
    assert adapt_pace(2, 4.0, 1, 4) == 3  # quick: one more
    assert adapt_pace(4, 1.0, 1, 4) == 4  # never above the ceiling
    assert adapt_pace(2, 8.0, 1, 4) == 2
