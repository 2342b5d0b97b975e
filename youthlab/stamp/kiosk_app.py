"""The stamp kiosk apps: "my name stamp" and the postage stamp designer, for visitors.

Both are one flow on the kiosk design (:class:`youthlab.kiosk.ui.KioskUI`): the stamp
turns, big, in the middle from the first second; the visitor changes it with big buttons
(no sliders, no check boxes, no engineer's words); every change is built within the stamp
budget (:func:`youthlab.stamp.jobs.budgeted`: a visitor's input can be hostile) and the
status line says in a child's words whether it will print and what to do if not. "I'm
done" is the win moment; in a hall with a printer set up, "print my stamp" takes its place
(:mod:`youthlab.stamp.kiosk_print`), once per visit.

    name_stamp_app()                      # labs/20-name-stamp/kiosk.ipynb
    postage_app("assets/postbox.png")     # labs/21-postage-stamp/kiosk.ipynb
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import ipywidgets as w

from youthlab.errors import YouthLabError
from youthlab.kiosk.ui import KioskUI
from youthlab.stamp.budget import start_in_background
from youthlab.stamp.jobs import budgeted, postage_job, text_job
from youthlab.stamp.kiosk_print import AlreadyQueued, kiosk_printing_enabled, queue_stamp
from youthlab.stamp.widgets import StampPreview

#: Letter heights (mm) behind the name stamp's "small / medium / big" (Hangul below ~5 mm
#: loses strokes at a 0.4 mm nozzle; "big" keeps a 10-letter name on the bed).
NAME_SIZES = {"small": 7.0, "medium": 10.0, "big": 14.0}
PLATES = ("rect", "round", "oval")
#: The shape toggles show the shape (three fit one row of the panel at 1280×800); their
#: spoken names come from the catalogue.
PLATE_PICTURES = {"rect": "🟥", "round": "🔴", "oval": "🥚"}
#: A name on a kiosk: long enough for any name, short enough to stay a stamp.
MAX_NAME = 10
#: The postage designer's pictures: the lab's own drawing, then shapes of youthlab.stamp.shapes.
PICTURES = ("postbox", "heart", "star", "envelope")
PICTURE_ICONS = {"postbox": "📮", "heart": "❤️", "star": "⭐", "envelope": "✉️"}
#: Price stepper (won): the kiosk's default, and how far the [-] / [+] buttons go.
PRICE = {"value": 500, "min": 100, "max": 5000, "step": 100}
NAME_COLOR = [215, 60, 60]
POSTAGE_COLOR = [60, 110, 200]


@dataclass(frozen=True)
class Verdict:
    """Whether a design will print, as the status line says it to a child."""

    key: str
    kind: str  # the status line's kind: success | info | warning
    printable: bool
    params: dict = field(default_factory=dict)


def verdict(report: Any, app: str) -> Verdict:
    """The one thing to tell the visitor about ``report`` (a printability report), with the
    fix that fits ``app`` ("name": change the letter size / name; "postage": the picture).

    The first problem that stops the print wins; narrow gaps alone are not worth a child's
    attention (every Hangul name has some and prints fine)."""
    keys = {f.key for f in report.findings}
    minutes = max(1, round(report.time_min))
    if "stamp.report.watertight.error" in keys:
        return Verdict("stamp.kiosk.check.broken", "warning", False)
    if "stamp.report.bed.error" in keys:
        return Verdict(f"stamp.kiosk.check.too_big.{app}", "warning", False)
    if not report.printable:  # strokes too thin (or a stroke error's size advice)
        return Verdict(f"stamp.kiosk.check.thin.{app}", "warning", False)
    if "stamp.report.stroke.warning" in keys:
        return Verdict(f"stamp.kiosk.check.faint.{app}", "info", True, {"minutes": minutes})
    return Verdict("stamp.kiosk.check.ready", "success", True, {"minutes": minutes})


def built_within_budget(job: Callable, *args: Any, trusted: bool = False, **kwargs: Any) -> tuple[Any, Any]:
    """``job(*args, **kwargs)`` → (stamp, report): in this process for the notebook's own
    starting design (``trusted``), in a budgeted child for anything a visitor chose."""
    return job(*args, **kwargs) if trusted else budgeted(job, *args, **kwargs)


class StampScene:
    """The scene: the stamp turning in 3-D, and (for rubber stamps) what it prints on paper."""

    def __init__(self, ui: KioskUI, color: list[int], paper: bool) -> None:
        self.ui = ui
        self.view = StampPreview(color=color, spin=True, fill=True, layout=w.Layout(width="100%"))
        self.paper_caption = _label(ui, "stamp.kiosk.paper")
        self.paper = w.HTML()  # an <img> with its alt text (a widget Image has none)
        self.paper_row = w.HBox([self.paper_caption, self.paper])
        self.paper_row.add_class("youthlab-kiosk-row")
        parts: list[w.Widget] = [self.view, self.paper_row] if paper else [self.view]
        self.widget = w.VBox(parts, layout=w.Layout(width="100%", align_items="center"))

    def show(self, stamp: Any, label_key: str, **params: Any) -> None:
        """Show ``stamp``; ``label_key`` says what the picture shows (for screen readers)."""
        self.ui.bind(self.view, "label", label_key, **params)
        self.view.show(stamp)
        if stamp.options.mirror:
            buf = io.BytesIO()
            stamp.ink_preview(px_per_mm=6).save(buf, format="PNG")
            alt = html.escape(self.ui.text("stamp.kiosk.paper.alt", **params), quote=True)
            self.paper.value = (f'<img alt="{alt}" style="max-height:140px;max-width:100%" '
                                f'src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">')
            self.paper_row.layout.visibility = "visible"

    def clear(self) -> None:
        """No stamp (the last change did not build): an empty view, never a stale design."""
        self.view.mesh = b""
        self.paper.value = ""
        self.paper_row.layout.visibility = "hidden"


class StampFlow:
    """One app's flow: build what the visitor chose, show it, say if it prints, finish, print."""

    def __init__(self, ui: KioskUI, scene: StampScene, app: str, job: Callable,
                 label: Callable[[], tuple[str, dict]], done: Callable[[], tuple[str, dict]]) -> None:
        self.ui, self.scene, self.app, self.job = ui, scene, app, job
        self._label, self._done = label, done
        self.stamp: Any = None
        self.verdict: Verdict | None = None
        self.queued: int | None = None
        self.controls: dict[str, w.Widget] = {}  # the app's own controls by name
        # A hall with a printer ends a visit with "print my stamp"; without one, "I'm done".
        printing = kiosk_printing_enabled()
        self.print_button = ui.button("stamp.kiosk.print", on_click=self.print_stamp) if printing else None
        self.finish_button = None if printing else ui.button("stamp.kiosk.finish", on_click=self.finish)

    @property
    def buttons(self) -> list[w.Widget]:
        """The app's end: print (when the hall has a printer) or "I'm done"."""
        return [b for b in (self.print_button, self.finish_button) if b is not None]

    def rebuild(self, kwargs: dict, trusted: bool = False, first: bool = False) -> None:
        """Build the design ``kwargs`` describe and show it with its verdict (the ``first``
        one keeps the "what to do now" line when it prints)."""
        self.ui.clear_banner()
        if not trusted:  # a visitor's change waits for a budgeted child: say so meanwhile
            self.ui.say("stamp.kiosk.working")
        try:
            self.stamp, report = built_within_budget(self.job, trusted=trusted, **kwargs)
        except YouthLabError:
            self.stamp, self.verdict = None, None
            self.scene.clear()
            self._enable()
            raise  # KioskUI.safe puts its message on the status line
        self.verdict = verdict(report, self.app)
        key, params = self._label()
        self.scene.show(self.stamp, key, **params)
        if not (first and self.verdict.printable):
            self.ui.say(self.verdict.key, kind=self.verdict.kind, **self.verdict.params)
        self._enable()

    def _enable(self) -> None:
        printable = self.verdict is not None and self.verdict.printable
        if self.print_button is not None:
            self.print_button.disabled = not printable or self.queued is not None

    def finish(self) -> None:
        """The end of a visit without printing: the win moment, or what is still missing."""
        if self.verdict is None:
            self.ui.try_again("stamp.kiosk.print.nothing")
        elif self.verdict.printable:
            key, params = self._done()
            self.ui.celebrate(key, **params)
        else:
            self.ui.try_again(self.verdict.key, **self.verdict.params)

    def print_stamp(self) -> None:
        """Queue the visitor's stamp on the hall's printer (one per visit)."""
        if self.queued is not None:
            raise AlreadyQueued()
        self.print_button.disabled = True
        self.ui.say("stamp.kiosk.print.slicing")
        try:
            self.queued = queue_stamp(self.stamp)
        finally:
            self._enable()
        self.ui.celebrate("stamp.kiosk.print.queued", number=self.queued)


def _label(ui: KioskUI, key: str) -> w.HTML:
    """The label over a group of controls (or a caption), in the kiosk's label type."""
    label = w.HTML()
    ui.bind(label, "value", key)
    label.add_class("youthlab-kiosk-label")
    return label


def name_stamp_app(lang: str | None = None, icon: str = "🔖") -> KioskUI:
    """The name stamp: a big name field, shape and letter size as big toggles, the stamp
    turning, what it prints on paper, and whether it will print."""
    ui = KioskUI("stamp.kiosk.name.title", icon=icon, lang=lang)
    scene = StampScene(ui, NAME_COLOR, paper=True)
    name = ui.text_input("stamp.kiosk.name.placeholder", max_length=MAX_NAME)
    name.value = ui.text("stamp.kiosk.name.default")
    shape = ui.choice([(PLATE_PICTURES[p], p) for p in PLATES], value="rect",
                      tooltips=[f"stamp.kiosk.shape.{p}" for p in PLATES])  # pictures say it in any language
    size = ui.choice([(ui.text(f"stamp.kiosk.size.{s}"), s) for s in NAME_SIZES], value="medium")

    def design() -> dict:  # a kiosk stamp always has its frame: it looks like a real stamp
        return dict(text=name.value, size=NAME_SIZES[size.value], plate=shape.value, border=1.0)

    flow = StampFlow(ui, scene, "name", text_job,
                     label=lambda: ("stamp.kiosk.name.scene", {"text": name.value.strip()}),
                     done=lambda: ("stamp.kiosk.done.name", {"text": name.value.strip()}))
    change = ui.safe(lambda *_: flow.rebuild(design()))
    for control in (name, shape, size):
        control.observe(change, names="value")
    controls = [name, _label(ui, "stamp.kiosk.shape.label"), shape,
                _label(ui, "stamp.kiosk.size.label"), size, *flow.buttons]
    ui.stage(scene.widget, controls, help_key="stamp.kiosk.name.start")
    ui.safe(flow.rebuild)(design(), trusted=True, first=True)  # the app's own default: built here, no child needed
    start_in_background()  # the visitor's changes are built within the budget
    flow.controls = {"name": name, "shape": shape, "size": size}
    ui.flow = flow  # for notebooks and tests
    return ui


def postage_app(picture: str | Path, lang: str | None = None, icon: str = "📮") -> KioskUI:
    """The postage stamp designer: pick a picture (the lab's drawing ``picture`` or a
    shape) and a price with [-] / [+]; the plaque turns, and the status says if it prints.

    Visitors do not upload files here: a file chooser on a hall's touch screen opens the
    kiosk machine's folders (the student lab's designer keeps uploads)."""
    ui = KioskUI("stamp.kiosk.postage.title", icon=icon, lang=lang)
    drawing = Path(picture).read_bytes()  # the lab's own asset
    scene = StampScene(ui, POSTAGE_COLOR, paper=False)
    choice = ui.choice([(f"{PICTURE_ICONS[p]} {ui.text(f'stamp.kiosk.picture.{p}')}", p) for p in PICTURES],
                       value=PICTURES[0])
    price = ui.stepper("stamp.kiosk.postage.price", PRICE["min"], PRICE["max"], PRICE["step"], PRICE["value"])

    def denomination() -> str:
        return ui.text("stamp.kiosk.postage.denomination", price=int(price.value))

    def design() -> dict:
        chosen = choice.value
        return dict(picture=drawing if chosen == "postbox" else None, shape=None if chosen == "postbox" else chosen,
                    picture_width=30, denomination=denomination(),
                    country=ui.text("stamp.kiosk.postage.country"))

    flow = StampFlow(ui, scene, "postage", postage_job,
                     label=lambda: ("stamp.kiosk.postage.scene", {"price": denomination(),
                                                                   "picture": ui.text(f"stamp.kiosk.picture.{choice.value}")}),
                     done=lambda: ("stamp.kiosk.done.postage", {"price": denomination()}))
    change = ui.safe(lambda *_: flow.rebuild(design()))
    choice.observe(change, names="value")
    price.observe(change, names="value")
    controls = [_label(ui, "stamp.kiosk.postage.picture"), choice, price, *flow.buttons]
    ui.stage(scene.widget, controls, help_key="stamp.kiosk.postage.start")
    ui.safe(flow.rebuild)(design(), trusted=True, first=True)
    start_in_background()
    flow.controls = {"picture": choice, "price": price}
    ui.flow = flow
    return ui


