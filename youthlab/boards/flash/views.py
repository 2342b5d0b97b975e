"""The bench's live status table: rich in a terminal, an HTML widget in a notebook."""

from __future__ import annotations

import html
from typing import Iterable

from youthlab.boards.flash.bench import BoardStatus
from youthlab.i18n import t

COLUMNS = ("name", "state", "step", "firmware", "free_ram", "free_flash", "selftest", "detail")
STATE_STYLE = {"ok": "green", "failed": "red", "running": "yellow", "waiting": "dim"}


def _cell(row: BoardStatus, col: str) -> str:
    value = getattr(row, col)
    if col == "state":
        return t(f"flash.bench.state.{value}")
    if col == "step":
        return (t(f"flash.stage.{value}") if value in STAGES else value) + (
            f" {row.percent}%" if row.state == "running" and row.percent else "")
    if col in ("free_ram", "free_flash"):
        return f"{value // 1024} KB" if value is not None else ""
    return str(value or "")


STAGES = {"verify_file", "connect", "erase", "write", "reset", "drive", "bootloader", "reboot", "program",
          "identify", "done"}


def rich_table(rows: Iterable[BoardStatus]):
    from rich.table import Table

    table = Table()
    for col in COLUMNS:
        table.add_column(t(f"flash.bench.col.{col}"))
    for row in rows:
        style = STATE_STYLE.get(row.state, "")
        table.add_row(*[_cell(row, c) for c in COLUMNS], style=style)
    return table


def html_table(rows: Iterable[BoardStatus]) -> str:
    colours = {"ok": "#e6f4ea", "failed": "#fdecea", "running": "#fff8e1", "waiting": "#f5f5f5"}
    head = "".join(f"<th>{html.escape(t(f'flash.bench.col.{c}'))}</th>" for c in COLUMNS)
    body = "".join(
        f'<tr style="background:{colours.get(r.state, "#fff")}">'
        + "".join(f"<td>{html.escape(_cell(r, c))}</td>" for c in COLUMNS) + "</tr>" for r in rows)
    return f'<table class="youthlab-bench"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class BenchWidget:
    """A live table in a notebook: pass ``widget.update`` as the bench's ``on_change``."""

    def __init__(self, rows: Iterable[BoardStatus] = ()) -> None:
        import ipywidgets

        self.widget = ipywidgets.HTML(html_table(rows))

    def update(self, rows: list[BoardStatus]) -> None:
        self.widget.value = html_table(rows)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class FlashProgress:
    """One flash's progress in a notebook: ``flash_board(…, progress=FlashProgress())``."""

    def __init__(self) -> None:
        import ipywidgets

        self.bar = ipywidgets.IntProgress(min=0, max=100, value=0)
        self.label = ipywidgets.Label("")
        self.widget = ipywidgets.HBox([self.bar, self.label])

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.bar.value = int(100 * done / total) if total else 0
        self.label.value = (t(f"flash.stage.{stage}") if stage in STAGES else stage) + (
            f" {self.bar.value}%" if total > 1 else "")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
