"""The one kiosk design: the layout and big touch widgets every kiosk app is built from.

A kiosk notebook builds its app from these so every app looks and behaves the same for
visitors (a ten-year-old on a touch screen, one language at a time)::

    ui = KioskUI("kiosk.postcard.title", icon="📮")
    scene = ui.scene_output()                    # the big picture in the middle
    name = ui.text_input("kiosk.postcard.name")
    make = ui.button("kiosk.postcard.make", on_click=make_postcard, icon="✉️")
    ui.stage(scene, [name, make], help_key="kiosk.postcard.help")

The layout (:meth:`KioskUI.stage`) fills the screen: a header with the app's picture and
name, the scene large and centred, the controls panel beside it (landscape) or under it
(portrait), and a status line in large type that says what to do now and what happened
(:meth:`KioskUI.say`); :meth:`KioskUI.celebrate` and :meth:`KioskUI.try_again` give the
clear win / lose moment. Controls: :meth:`button`, :meth:`arrow_pad`, :meth:`stepper`,
:meth:`choice`, :meth:`text_input` — all at least 64 px high (48 px for toggles).

One language: the app speaks ``ui.lang`` (the kiosk page's ``?lang=``, read by
:func:`youthlab.i18n.current_language`); the frame's language button reloads the app in
the other one, so apps show no language toggle and no "ko · en" pairs. Plots use
:func:`youthlab.plotting.kiosk_figure` (a font with every glyph, kiosk colours).

Apps add no CSS of their own: the classes they may rely on are listed at the top of the
template's ``static/kiosk.css``.

``on_click`` / ``on_change`` handlers run through :meth:`KioskUI.safe`: a YouthLab error
shows its message in the visitor's language, anything else shows a friendly "try again"
and is logged for staff with its traceback — a visitor never sees a traceback.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import traceback
from typing import Any, Callable, Iterable, Mapping

import ipywidgets as w
import traitlets
from IPython.display import display

from youthlab.errors import YouthLabError
from youthlab.i18n import LANGUAGES, current_language, t

log = logging.getLogger("youthlab.kiosk")

#: Where each arrow pad key sits in its 3×3 grid (row, column), and the arrow drawn on it.
ARROW_PAD_CELLS: dict[str, tuple[int, int, str]] = {
    "up_left": (1, 1, "↶"), "up": (1, 2, "⬆"), "up_right": (1, 3, "↷"),
    "left": (2, 1, "⬅"), "center": (2, 2, "●"), "right": (2, 3, "➡"),
    "down_left": (3, 1, "⤓"), "down": (3, 2, "⬇"), "down_right": (3, 3, "⤒"),
}

_FA_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def _classes(widget: w.DOMWidget, *names: str) -> w.DOMWidget:
    for name in names:
        widget.add_class(name)
    return widget


class Stepper(w.HBox):
    """``[-] value [+]``: a number a child sets with two big buttons (instead of a slider)."""

    value = traitlets.CFloat()

    def __init__(self, label: w.HTML, minus: w.Button, shown: w.HTML, plus: w.Button,
                 min: float, max: float, step: float, value: float) -> None:
        super().__init__([label, w.HBox([minus, shown, plus], _dom_classes=["youthlab-kiosk-stepper-row"])])
        self.min, self.max, self.step = min, max, step
        self._shown, self._minus, self._plus = shown, minus, plus
        self.observe(lambda _c: self._refresh(), names="value")
        self.value = value
        self._refresh()

    def _refresh(self) -> None:
        v = self.value
        self._shown.value = f'<span aria-live="polite">{int(v) if float(v).is_integer() else round(v, 3)}</span>'
        self._minus.disabled = v <= self.min
        self._plus.disabled = v >= self.max

    def nudge(self, steps: int) -> None:
        """Move by ``steps`` steps, kept inside [min, max]."""
        self.value = min(self.max, max(self.min, round(self.value + steps * self.step, 9)))


class KioskUI:
    """One kiosk app's frame: header, stage layout, status line, win/lose banner, widgets."""

    def __init__(self, title_key: str, icon: str | None = None, lang: str | None = None) -> None:
        lang = lang or current_language()
        self.lang = lang if lang in LANGUAGES else "ko"
        self.icon = icon
        self._bindings: list[tuple[Any, str, str, dict]] = []
        self.title = _classes(w.HTML(), "youthlab-kiosk-title")
        self.status = _classes(w.HTML(), "youthlab-kiosk-status")
        self.banner = _classes(w.HTML(), "youthlab-kiosk-banner")
        self.help = _classes(w.HTML(), "youthlab-kiosk-help")
        self.app: w.Box | None = None
        self.bind(self.title, "value", title_key, template="<h1>{}</h1>")
        picture = html.escape(icon) if icon else ""
        self.header_icon = _classes(w.HTML(f'<span aria-hidden="true">{picture}</span>'), "youthlab-kiosk-icon")
        self.header = _classes(w.HBox([self.header_icon, self.title]), "youthlab-kiosk-header")

    # -- language ---------------------------------------------------------------------
    def text(self, key: str, **params: Any) -> str:
        """Message ``key`` in the app's language."""
        return t(key, self.lang, **params)

    def bind(self, widget: Any, attr: str, key: str, template: str = "{}", **params: Any) -> Any:
        """Keep ``widget.<attr>`` showing message ``key`` in the current language."""
        self._bindings = [b for b in self._bindings if not (b[0] is widget and b[1] == attr)]
        self._bindings.append((widget, attr, key, {"template": template, **params}))
        setattr(widget, attr, template.format(self._escaped(key, attr, **params)))
        return widget

    def _escaped(self, key: str, attr: str, **params: Any) -> str:
        text = self.text(key, **params)
        return html.escape(text) if attr == "value" else text

    def set_language(self, lang: str) -> None:
        """Re-label every bound widget (the kiosk page normally reloads instead)."""
        if lang not in LANGUAGES:
            return
        self.lang = lang
        for widget, attr, key, params in self._bindings:
            if "keys" in params:  # a list of labels (toggle tooltips)
                setattr(widget, attr, [self.text(k) for k in params["keys"]])
                continue
            template = params.get("template", "{}")
            extra = {k: v for k, v in params.items() if k != "template"}
            setattr(widget, attr, template.format(self._escaped(key, attr, **extra)))

    # -- controls -----------------------------------------------------------------------
    def button(self, key: str, on_click: Callable[[], Any], kind: str = "primary",
               icon: str | None = None, style: str | None = None) -> w.Button:
        """A big button (>= 64 px). ``kind``: "primary" (the main action) or "secondary";
        ``icon``: an emoji put before the label, or a Font Awesome name ("plane")."""
        kind = style or kind
        button = _classes(w.Button(layout=w.Layout(min_height="64px", width="auto")),
                          "youthlab-kiosk-button", f"youthlab-kiosk-{'secondary' if kind == 'secondary' else 'primary'}")
        template = "{}"
        if icon and _FA_NAME.match(icon):
            button.icon = icon
        elif icon:
            template = icon + "  {}"
        self.bind(button, "description", key, template=template)
        button.on_click(lambda _b: self.safe(on_click)())
        return button

    def arrow_pad(self, actions: Mapping[str, Callable[[], Any]],
                  labels: Mapping[str, str] | None = None) -> w.GridBox:
        """A cross of big arrow buttons. ``actions`` maps a place (up, down, left, right,
        center, up_left, up_right, down_left, down_right) to its handler; ``labels`` maps a
        place to a message key shown small under the big arrow (the pad's cells grow to
        112 px); without a label the arrow stands alone, ``kiosk.design.arrow.<place>``
        (or the label) being its spoken name."""
        cells = []
        for place, handler in actions.items():
            if place not in ARROW_PAD_CELLS:
                raise ValueError(f"arrow_pad: unknown place {place!r} (one of {', '.join(ARROW_PAD_CELLS)})")
            row, col, arrow = ARROW_PAD_CELLS[place]
            button = _classes(w.Button(layout=w.Layout(grid_area=f"{row} / {col} / {row + 1} / {col + 1}")),
                              "youthlab-kiosk-button", "youthlab-kiosk-arrow", f"youthlab-kiosk-arrow-{place}")
            label_key = (labels or {}).get(place)
            if label_key:
                self.bind(button, "description", label_key, template=arrow + "\n{}")
            else:
                button.description = arrow
            self.bind(button, "tooltip", label_key or f"kiosk.design.arrow.{place}")
            button.on_click(lambda _b, fn=handler: self.safe(fn)())
            cells.append(button)
        pad = _classes(w.GridBox(cells), "youthlab-kiosk-arrow-pad")
        if labels:
            pad.add_class("youthlab-kiosk-arrow-pad-labelled")
        return pad

    def stepper(self, key: str, min: float, max: float, step: float = 1, value: float | None = None,
                on_change: Callable[[float], Any] | None = None) -> Stepper:
        """``[-] value [+]`` with big buttons; ``.value`` is the number, ``on_change(value)``
        runs (safely) after each press."""
        label = _classes(w.HTML(), "youthlab-kiosk-stepper-label")
        self.bind(label, "value", key)
        minus = _classes(w.Button(description="−"), "youthlab-kiosk-button", "youthlab-kiosk-stepper-minus")
        plus = _classes(w.Button(description="+"), "youthlab-kiosk-button", "youthlab-kiosk-stepper-plus")
        self.bind(minus, "tooltip", "kiosk.design.less")
        self.bind(plus, "tooltip", "kiosk.design.more")
        shown = _classes(w.HTML(), "youthlab-kiosk-stepper-value")
        stepper = _classes(Stepper(label, minus, shown, plus, min, max, step, min if value is None else value),
                           "youthlab-kiosk-stepper")

        def press(steps: int) -> None:
            before = stepper.value
            stepper.nudge(steps)
            if on_change is not None and stepper.value != before:
                self.safe(on_change)(stepper.value)

        minus.on_click(lambda _b: press(-1))
        plus.on_click(lambda _b: press(+1))
        return stepper

    def text_input(self, placeholder_key: str, max_length: int = 40) -> w.Text:
        """A big text box (>= 64 px, large type) that keeps at most ``max_length`` characters."""
        box = _classes(w.Text(layout=w.Layout(width="100%", min_height="64px")), "youthlab-kiosk-input")
        self.bind(box, "placeholder", placeholder_key)
        self.bind(box, "description", placeholder_key)  # its spoken name (hidden by kiosk.css)
        box.observe(lambda ch: setattr(box, "value", ch["new"][:max_length])
                    if len(ch["new"]) > max_length else None, names="value")
        return box

    def choice(self, options: list[tuple[str, Any]], value: Any = None,
               on_change: Callable[[Any], Any] | None = None,
               tooltips: Iterable[str] | None = None) -> w.ToggleButtons:
        """Big toggle buttons (>= 64 px). ``options``: (label, value) pairs — a label is
        shown as given (an emoji, a colour swatch); ``tooltips``: message keys naming each
        option for screen readers and a long press."""
        toggle = _classes(w.ToggleButtons(options=options,
                                          value=value if value is not None else options[0][1],
                                          layout=w.Layout(width="auto")), "youthlab-kiosk-choice")
        if tooltips is not None:
            toggle.tooltips = [self.text(key) for key in tooltips]
            self._bindings.append((toggle, "tooltips", "", {"keys": list(tooltips)}))
        if on_change is not None:
            toggle.observe(lambda ch: self.safe(on_change)(ch["new"]), names="value")
        return toggle

    # -- the scene ----------------------------------------------------------------------
    def scene_output(self) -> w.Output:
        """An Output that fills the scene area: display a figure or an image in it."""
        return _classes(w.Output(), "youthlab-kiosk-scene-output")

    def stage(self, scene: Any, controls: Any, help_key: str | None = None, scene_key: str | None = None,
              **help_params: Any) -> None:
        """Show the app full screen: header, the scene large in the middle, the controls
        panel beside (landscape) or under (portrait) it, the status line on the panel.
        ``help_key`` is the first "what to do now" line; ``scene_key`` says in words what
        the scene shows (its pictures' text for screen readers; the app's title if None).
        The layout is ``ui.app`` after (not returned: a notebook's last line would show it
        twice)."""
        if isinstance(controls, (list, tuple)):
            controls = w.VBox(list(controls))
        _classes(controls, "youthlab-kiosk-controls")
        parts = [scene, self.banner]
        if scene_key:
            parts.append(self.bind(_classes(w.HTML(), "youthlab-kiosk-scene-label"), "value", scene_key))
        scene_box = _classes(w.Box(parts), "youthlab-kiosk-scene")
        if help_key:
            self.say(help_key, **help_params)
        panel = _classes(w.VBox([self.status, controls]), "youthlab-kiosk-panel")
        body = _classes(w.Box([scene_box, panel]), "youthlab-kiosk-body")
        app = _classes(w.VBox([self.header, body]), "youthlab-kiosk-app", "youthlab-kiosk-stage",
                       f"youthlab-kiosk-lang-{self.lang}")
        self.app = app
        display(app)

    def show(self, *children: Any) -> None:
        """The older single-column layout (header, children, status) for apps not yet on
        :meth:`stage`; same header and frame as the stage."""
        column = _classes(w.VBox([*children, self.status]), "youthlab-kiosk-column")
        app = _classes(w.VBox([self.header, column]), "youthlab-kiosk-app", f"youthlab-kiosk-lang-{self.lang}")
        self.app = app
        display(app)

    # -- messages and errors ---------------------------------------------------------------
    def say(self, key: str, kind: str = "info", **params: Any) -> None:
        """Put message ``key`` on the status line ("what to do now / what happened");
        ``kind``: info, success, warning or error."""
        self.bind(self.status, "value", key,
                  template=f'<div class="youthlab-kiosk-{kind}" role="status">{{}}</div>', **params)

    def celebrate(self, key: str, **params: Any) -> None:
        """The win moment: a big banner over the scene, and the status line says it too."""
        self._banner("win", "🎉", key, **params)
        self.say(key, kind="success", **params)

    def try_again(self, key: str, **params: Any) -> None:
        """The "not this time" moment: a big friendly banner; the app offers the retry."""
        self._banner("lose", "💪", key, **params)
        self.say(key, kind="warning", **params)

    def clear_banner(self) -> None:
        """Take the win / lose banner away (e.g. when the visitor starts again)."""
        self._bindings = [b for b in self._bindings if b[0] is not self.banner]
        self.banner.value = ""
        self.banner.remove_class("youthlab-kiosk-banner-win")
        self.banner.remove_class("youthlab-kiosk-banner-lose")

    def _banner(self, kind: str, picture: str, key: str, **params: Any) -> None:
        self.clear_banner()
        self.banner.add_class(f"youthlab-kiosk-banner-{kind}")
        self.bind(self.banner, "value", key,
                  template=f'<div class="youthlab-kiosk-banner-icon" aria-hidden="true">{picture}</div>'
                           f'<div class="youthlab-kiosk-banner-text">{{}}</div>', **params)

    def safe(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Run a handler so that no error reaches the visitor as a traceback."""

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except YouthLabError as exc:
                self._bindings = [b for b in self._bindings if b[0] is not self.status]
                self.status.value = (f'<div class="youthlab-kiosk-warning" role="status">'
                                     f'{html.escape(exc.message(self.lang))}</div>')
                return None
            except Exception:  # noqa: BLE001 — visitors get a friendly line, staff the log
                log.error("kiosk app error in %s:\n%s", getattr(fn, "__name__", fn), traceback.format_exc())
                self.say("kiosk.error.generic", kind="warning")
                return None

        return run
