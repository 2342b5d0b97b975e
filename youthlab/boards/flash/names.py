"""Stable board names: a USB serial number → a name the club chose ("team-3-robot").

Kept in ``<data>/boards/names.json`` (or ``~/.youthlab/boards`` when the data folder is
not writable); each change is written to a temporary file, fsynced and renamed under an
exclusive lock, so two notebooks renaming at once or a crash mid-write lose nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from youthlab.boards.errors import BoardError
from youthlab.paths import own_data_dir

NAME_RE = re.compile(r"^[A-Za-z0-9가-힣][\w가-힣.-]{0,39}$")


class BoardNames:
    """The serial → name table of this machine's bench."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or own_data_dir("boards") / "names.json"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save(self, names: dict[str, str]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".names-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(names, f, ensure_ascii=False, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def name_for(self, serial_number: str, default: str) -> str:
        """The board's name; a board seen for the first time keeps ``default`` from now on."""
        with self._locked():
            names = self.load()
            if serial_number not in names:
                taken = set(names.values())
                name, n = default, 2
                while name in taken:
                    name, n = f"{default}-{n}", n + 1
                names[serial_number] = name
                self._save(names)
            return names[serial_number]

    def rename(self, serial_number: str, name: str) -> None:
        if not NAME_RE.match(name):
            raise BoardError(detail=f"board name {name!r}: letters, digits, - _ . (at most 40)")
        with self._locked():
            names = self.load()
            owner = next((s for s, n in names.items() if n == name and s != serial_number), None)
            if owner:
                raise BoardError(detail=f"the name {name!r} is already used by board {owner}")
            names[serial_number] = name
            self._save(names)
