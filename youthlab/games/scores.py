"""High scores: initials only, written atomically, a damaged file never stops a game."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

INITIALS = re.compile(r"^[A-Z]{1,3}$")
KEEP = 10  # entries per game
MAX_FILE_BYTES = 64 * 1024  # a board of 10 entries is < 1 KiB: anything bigger is not ours


@dataclass(frozen=True)
class Entry:
    initials: str
    score: int


def clean_initials(text: str) -> str:
    """Up to three letters A–Z (a visitor types initials, never a name)."""
    letters = "".join(ch for ch in str(text).upper() if "A" <= ch <= "Z")[:3]
    return letters or "AAA"


class HighScores:
    """The board of one game, kept in ``folder/<game>.json``.

    Reading tolerates anything (missing, empty, truncated, wrong types, huge): what is
    unreadable is dropped and the game goes on with what is left. Writing goes to a
    temporary file in the same folder, fsync'ed, then renamed over the old one, so a
    crash or a power cut leaves the old board or the new one, never half of one."""

    def __init__(self, folder: str | os.PathLike, game: str, keep: int = KEEP) -> None:
        self.folder = Path(folder)
        self.path = self.folder / f"{game}.json"
        self.keep = keep

    def entries(self) -> list[Entry]:
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES:
                return []
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return []
        rows = raw.get("scores") if isinstance(raw, dict) else None
        good: list[Entry] = []
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict):
                continue
            initials, score = row.get("initials"), row.get("score")
            if (isinstance(initials, str) and INITIALS.match(initials) and isinstance(score, int)
                    and not isinstance(score, bool) and 0 <= score < 10**9):
                good.append(Entry(initials, score))
        return sorted(good, key=lambda e: -e.score)[: self.keep]

    def qualifies(self, score: int) -> bool:
        if score <= 0:
            return False
        board = self.entries()
        return len(board) < self.keep or score > board[-1].score

    def add(self, initials: str, score: int) -> list[Entry]:
        """Add an entry (initials cleaned) and save; returns the new board."""
        board = self.entries() + [Entry(clean_initials(initials), max(0, int(score)))]
        board = sorted(board, key=lambda e: -e.score)[: self.keep]
        self._write({"scores": [{"initials": e.initials, "score": e.score} for e in board]})
        return board

    def _write(self, data: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
