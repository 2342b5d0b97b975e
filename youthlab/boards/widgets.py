"""Notebook widgets for boards: a board picker and a live plot of the data channel."""

from __future__ import annotations

import time
from pathlib import Path

import ipywidgets as w

from youthlab.i18n import t


def board_choices() -> list[tuple[str, str]]:
    """(label, target) for every board a student could pick right now."""
    from youthlab.boards import stations
    from youthlab.boards.discover import usb_boards

    choices = [(f"🔌 {b.name} — {b.port}", b.port) for b in usb_boards()]
    mine = stations.my_station()
    for sid, entry in sorted(stations.load().items()):
        star = " ★" if sid == mine else ""
        choices.append((f"🛰 station {sid}{star} — {entry.get('url')}", f"station:{sid}"))
    choices.append((f"🖥 {t('boards.picker.virtual')}", "virtual"))
    return choices


class BoardPicker(w.VBox):
    """Dropdown of found / station / virtual boards and a Connect button."""

    def __init__(self) -> None:
        self.dropdown = w.Dropdown(description=t("boards.picker.label"), layout=w.Layout(width="32em"))
        self.refresh_button = w.Button(description=t("boards.picker.refresh"), icon="refresh")
        self.connect_button = w.Button(description=t("boards.picker.connect"), button_style="primary",
                                       icon="plug")
        self.status = w.HTML()
        self.session = None
        self.refresh_button.on_click(lambda _: self.refresh())
        self.connect_button.on_click(lambda _: self.connect())
        super().__init__([w.HBox([self.dropdown, self.refresh_button, self.connect_button]), self.status])
        self.refresh()

    def refresh(self) -> None:
        self.dropdown.options = board_choices()

    def connect(self) -> None:
        from youthlab.boards.registry import connect
        from youthlab.errors import YouthLabError

        try:
            self.session = connect(self.dropdown.value, quiet=True)
            self.status.value = f"✅ {t('boards.connected', name=self.session.name, port=self.session.port)}"
        except YouthLabError as exc:
            self.status.value = exc._repr_html_()


class LivePlot(w.VBox):
    """Live line plot of a Session's ``@ylab`` readings, with CSV export.

    Redraws at most ``fps`` times a second while readings arrive (the board's program
    runs in the cell; the plot updates as its lines come in).
    """

    def __init__(self, session, columns: list[str] | None = None, window: float = 30.0,
                 fps: float = 4.0) -> None:
        self.session = session
        self.columns = columns
        self.window = window
        self._min_dt = 1.0 / fps
        self._last = 0.0
        self.out = w.Output(layout=w.Layout(min_height="260px"))
        self.csv_name = w.Text(value="readings.csv", layout=w.Layout(width="14em"))
        self.csv_button = w.Button(description=t("boards.plot.csv"), icon="download")
        self.status = w.HTML(t("boards.plot.waiting"))
        self.csv_button.on_click(lambda _: self.save_csv())
        super().__init__([self.out, w.HBox([self.csv_name, self.csv_button, self.status])])
        session.data.listeners.append(self._on_row)
        self.redraw()

    def _on_row(self, row: dict) -> None:
        now = time.monotonic()
        if now - self._last >= self._min_dt:
            self._last = now
            self.redraw()

    def redraw(self) -> None:
        import matplotlib.pyplot as plt

        data = self.session.data
        cols = self.columns or [c for c in data.columns() if c != "_t"]
        with self.out:
            self.out.clear_output(wait=True)
            if not len(data):
                return
            fig, ax = plt.subplots(figsize=(7, 2.8))
            for col in cols:
                ts, vs = data.series(col)
                pairs = [(a, b) for a, b in zip(ts, vs) if isinstance(b, (int, float))]
                if pairs and self.window:
                    t_end = pairs[-1][0]
                    pairs = [p for p in pairs if p[0] >= t_end - self.window]
                if pairs:
                    ax.plot([p[0] for p in pairs], [p[1] for p in pairs], label=col)
            ax.set_xlabel("s")
            ax.legend(loc="upper left")
            ax.grid(alpha=0.3)
            plt.show(fig)
            plt.close(fig)
        self.status.value = f"{len(data)}"

    def save_csv(self) -> Path:
        path = Path(self.csv_name.value or "readings.csv")
        self.session.data.to_csv(path)
        self.status.value = t("boards.plot.saved", path=path)
        return path

    def close(self) -> None:
        try:
            self.session.data.listeners.remove(self._on_row)
        except ValueError:
            pass
        super().close()
