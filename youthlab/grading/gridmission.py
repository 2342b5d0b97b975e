"""A tiny built-in mission checker: a postman walking a grid map to a house.

Used by ``labs/05-python-basics`` so the mission-in-autograde path works with no
hardware; it follows the same ``check(mission, attempt)`` contract as the drone and
robot checkers.
"""

from __future__ import annotations

from typing import Any

from youthlab.i18n import t
from youthlab.korean import Word

MAPS = {
    "first-letter": ["P..#",
                     "##.#",
                     "...H"],
}
MOVES = {"N": (-1, 0), "S": (1, 0), "E": (0, 1), "W": (0, -1)}


def _find(grid: list[str], ch: str) -> tuple[int, int]:
    for r, row in enumerate(grid):
        if ch in row:
            return r, row.index(ch)
    raise ValueError(ch)


def _both(key: str, **params: Any) -> str:
    """The message in Korean and English: a student reads the one they know."""
    return f"{t(key, 'ko', **params)} · {t(key, 'en', **params)}"


def check(mission: str, attempt: Any, **options: Any) -> dict[str, Any]:
    """Walk ``attempt`` (a list of "N"/"S"/"E"/"W") on the map; passed if it ends at H."""
    grid = MAPS[mission]
    r, c = _find(grid, "P")
    goal = _find(grid, "H")
    moves = list(attempt or [])
    for i, move in enumerate(moves):
        if move not in MOVES:
            return {"passed": False, "score": 0.0,
                    "message": _both("grading.grid.bad_move", step=i + 1, move=Word(repr(move)))}
        dr, dc = MOVES[move]
        if not (0 <= r + dr < len(grid) and 0 <= c + dc < len(grid[0])) or grid[r + dr][c + dc] == "#":
            return {"passed": False, "score": 0.0,
                    "message": _both("grading.grid.wall", step=i + 1, move=move, row=r + 1, col=c + 1)}
        r, c = r + dr, c + dc
    if (r, c) == goal:
        return {"passed": True, "score": 1.0, "message": _both("grading.grid.arrived", steps=len(moves))}
    distance = abs(goal[0] - r) + abs(goal[1] - c)
    return {"passed": False, "score": 0.0, "message": _both("grading.grid.short", distance=distance,
                                                            steps=len(moves), row=r + 1, col=c + 1)}
