"""Notebook widgets for boards: a board picker, a live plot of the data channel and the
virtual board's NeoPixel strips."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from youthlab.boards import stations
from youthlab.boards.discover import usb_boards
from youthlab.boards.registry import connect, current, virtual_board
from youthlab.boards.simulator import BoardSimulator
from youthlab.errors import YouthLabError
from youthlab.i18n import t


def board_choices() -> list[tuple[str, str]]:
    """(label, target) for every board a student could pick right now."""
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
        from IPython.display import display

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
            display(fig)  # into this widget's output, whatever pyplot's backend is
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


#: Strip lengths sold as rings (shown as a ring when ``shape="auto"``).
RING_SIZES = frozenset({12, 16, 24, 60})


def pixel_color(pixel: tuple[int, ...] | list[int]) -> str:
    """``#rrggbb`` for one LED as the board set it: (r, g, b) or (r, g, b, w); an RGBW
    LED's white channel lightens all three."""
    r, g, b, *rest = (max(0, min(255, int(v))) for v in pixel)
    white = rest[0] if rest else 0
    return "#{:02x}{:02x}{:02x}".format(*(min(255, c + white) for c in (r, g, b)))


def board_simulator(board: Any = None) -> tuple[Any, str]:
    """The BoardSimulator behind ``board`` and what to call the board.

    ``board``: a Session (``%board connect …``), a VirtualBoard, a BoardSimulator, a target
    name (``"virtual"``, ``"virtual:NAME"``) or None (the current board). The simulator is
    None when the board is not one this kernel simulates (a USB board, a station's board).
    """
    if board is None:
        board = current()
        if board is None:
            return None, ""
    if isinstance(board, BoardSimulator):
        return board, "virtual"
    if isinstance(getattr(board, "simulator", None), BoardSimulator):  # a VirtualBoard
        return board.simulator, f"virtual:{board.name}"
    name = board if isinstance(board, str) else str(getattr(board, "name", board))
    if name == "virtual" or name.startswith("virtual:"):
        vb = virtual_board(name.split(":", 1)[1] if ":" in name else "virtual")
        if vb is not None:
            return vb.simulator, name
    return None, name


class PixelStrip(anywidget.AnyWidget):
    """The virtual board's NeoPixel strip(s), live, as coloured circles.

    ``PixelStrip(board)`` (or ``%board pixels``) follows every ``np.write()`` the board's
    program makes, at most ``fps`` redraws a second (the last colours always show). For a
    board that is not simulated here it shows a ko/en note instead: a real strip is on the
    desk. ``pin`` keeps one strip; ``shape`` is ``"line"``, ``"ring"`` or ``"auto"`` (a
    ring for 12/16/24/60 LEDs).
    """

    _esm = Path(__file__).with_name("pixels.js").read_text(encoding="utf-8")
    #: One entry per strip: ``{"pin", "n", "shape", "label", "colors": ["#rrggbb", …]}``.
    strips = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: Diameter of one LED in pixels (large enough for a 10-year-old to count).
    size = traitlets.Int(40).tag(sync=True)
    #: Shown when there is no strip to show yet (ko/en).
    waiting = traitlets.Unicode("").tag(sync=True)
    #: Shown instead of the strips when the board is not a virtual one (ko/en).
    notice = traitlets.Unicode("").tag(sync=True)
    shape = traitlets.Enum(["auto", "line", "ring"], "auto", help="How to lay out the LEDs")
    fps = traitlets.Float(20.0, help="Redraws a second at most while a program animates the strip")

    def __init__(self, board: Any = None, *, pin: Any = None, shape: str = "auto",
                 size: int = 40, fps: float = 20.0) -> None:
        simulator, name = board_simulator(board)
        notice = ""
        if simulator is None:
            notice = t("neopixel.only_virtual", board=name) if name else t("neopixel.no_board")
        super().__init__(shape=shape, size=size, fps=fps, waiting=t("neopixel.waiting"),
                         notice=notice)
        self.simulator = simulator
        self.pin = pin
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._last = 0.0
        if simulator is not None:
            simulator.listeners.append(self._on_event)
            self.refresh()

    def _on_event(self, op: str, args: dict) -> None:
        """A simulator event (the board's thread): redraw now, or once the fps budget allows."""
        if op != "neopixel" or (self.pin is not None and str(args.get("pin")) != str(self.pin)):
            return
        with self._lock:
            if self._timer is not None:
                return  # a redraw is due; it reads the newest colours
            delay = self._last + 1.0 / self.fps - time.monotonic()
            if delay > 0:
                self._timer = threading.Timer(delay, self.refresh)
                self._timer.daemon = True
                self._timer.start()
                return
        self.refresh()

    def refresh(self) -> None:
        """Show the strips' colours as the board last sent them."""
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        sim = self.simulator
        if sim is None:
            return
        strips = []
        for pin, (n, _bpp) in sorted(dict(sim.strips).items(), key=lambda kv: str(kv[0])):
            if self.pin is not None and str(pin) != str(self.pin):
                continue
            shape = self.shape if self.shape != "auto" else ("ring" if n in RING_SIZES else "line")
            strips.append({"pin": pin, "n": n, "shape": shape, "label": t("neopixel.strip_label", pin=pin, n=n),
                           "colors": [pixel_color(p) for p in sim.pixels(pin)]})
        self.strips = strips

    @traitlets.observe("shape")
    def _shape_changed(self, change: dict) -> None:
        if getattr(self, "simulator", None) is not None:
            self.refresh()

    def colors(self, pin: Any = None) -> list[str]:
        """The colours shown for the strip on ``pin`` (the first strip by default)."""
        for strip in self.strips:
            if pin is None or str(strip["pin"]) == str(pin):
                return list(strip["colors"])
        return []

    def close(self) -> None:
        if self.simulator is not None:
            try:
                self.simulator.listeners.remove(self._on_event)
            except ValueError:
                pass
            self.simulator = None  # a redraw already under way finds nothing to draw
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        super().close()
