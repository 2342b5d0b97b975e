"""Data channel: structured readings from board code, kept apart from its prints.

Board code sends a reading as one line ``@ylab {"temp": 23.5}`` (the helper
``hardware/micropython/ylab.py`` does it: ``ylab.send(temp=23.5)``). A Session passes
everything else to the cell output and hands these lines to a :class:`DataLog`, which
keeps the readings (with host time), notifies live widgets and exports CSV.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import threading
import time
from pathlib import Path
from typing import Any, Callable

PREFIX = "@ylab "


class DataLog:
    """Readings received from a board: a list of dicts with a ``_t`` (seconds) column."""

    def __init__(self, maxlen: int = 100_000) -> None:
        self.rows: list[dict[str, Any]] = []
        self.maxlen = maxlen
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self._t0: float | None = None
        self._lock = threading.Lock()

    def add(self, values: dict[str, Any]) -> None:
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        row = {"_t": round(now - self._t0, 4), **values}
        with self._lock:
            self.rows.append(row)
            if len(self.rows) > self.maxlen:
                del self.rows[: len(self.rows) - self.maxlen]
        for listener in list(self.listeners):
            try:
                listener(row)
            except Exception:
                pass

    def columns(self) -> list[str]:
        cols: dict[str, None] = {}
        for row in self.rows:
            cols.update(dict.fromkeys(row))
        return list(cols)

    def series(self, name: str) -> tuple[list[float], list[Any]]:
        """(times, values) of one column, skipping readings without it."""
        pairs = [(r["_t"], r[name]) for r in self.rows if name in r]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def clear(self) -> None:
        with self._lock:
            self.rows.clear()
            self._t0 = None

    def to_csv(self, path: str | Path | None = None) -> str:
        """CSV text of all readings (written to ``path`` too if given)."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.columns(), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.rows)
        text = buf.getvalue()
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def __len__(self) -> int:
        return len(self.rows)


class OutputSplitter:
    """Feeds board bytes; prints text at once, routes ``@ylab`` lines to the data log."""

    def __init__(self, on_text: Callable[[str], None], on_data: Callable[[dict], None]) -> None:
        self.on_text = on_text
        self.on_data = on_data
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""
        self._cr = ""
        self._line_start = True

    def feed(self, data: bytes) -> None:
        # Boards end lines with CRLF on the wire; a cell shows them as Python does (LF).
        # A CR at the end of a chunk waits for the next one (it may start with LF).
        text = self._cr + self._decoder.decode(data)
        self._cr = "\r" if text.endswith("\r") else ""
        self._pending += text[: len(text) - len(self._cr)].replace("\r\n", "\n")
        self._drain()

    def flush(self) -> None:
        self._pending += self._cr + self._decoder.decode(b"", final=True)
        self._cr = ""
        self._drain()
        if self._pending:
            self._text(self._pending)
            self._pending = ""

    def _text(self, s: str) -> None:
        if s:
            self.on_text(s)
            self._line_start = s.endswith("\n")

    def _drain(self) -> None:
        while self._pending:
            if self._line_start and self._pending.startswith(PREFIX):
                nl = self._pending.find("\n")
                if nl < 0:
                    return  # wait for the end of the tagged line
                line, self._pending = self._pending[:nl], self._pending[nl + 1:]
                try:
                    values = json.loads(line[len(PREFIX):])
                    if not isinstance(values, dict):
                        values = {"value": values}
                except ValueError:
                    self._text(line + "\n")
                    continue
                self.on_data(values)
                self._line_start = True
                continue
            if self._line_start and PREFIX.startswith(self._pending[: len(PREFIX)]):
                return  # could still become a tagged line
            nl = self._pending.find("\n")
            if nl < 0:
                text, self._pending = self._pending, ""
            else:
                text, self._pending = self._pending[: nl + 1], self._pending[nl + 1:]
            self._text(text)
