"""Building blocks for kiosk notebooks: a ko/en toggle, big touch widgets, safe callbacks.

A kiosk notebook builds its app from these so every app behaves the same for visitors::

    ui = KioskUI("kiosk.postcard.title")
    name = ui.text_input("kiosk.postcard.name")
    button = ui.button("kiosk.postcard.make", on_click=make_postcard)
    ui.show(name, button, picture)

``on_click`` handlers run through :meth:`KioskUI.safe`: a YouthLab error shows its
message in the visitor's language, anything else shows a friendly "try again" and is
logged for staff with its traceback — a visitor never sees a traceback.
"""

from __future__ import annotations

import functools
import logging
import traceback
import weakref
from typing import Any, Callable

import ipywidgets as w
from IPython.display import display

from youthlab.errors import YouthLabError
from youthlab.i18n import LANGUAGES, current_language, set_language, t

log = logging.getLogger("youthlab.kiosk")

BIG = w.Layout(min_height="64px", width="auto")

_apps: "weakref.WeakSet[KioskUI]" = weakref.WeakSet()


def switch_language(lang: str) -> None:
    """Speak ``lang`` from now on: every app in this kernel relabels itself.

    The kiosk server calls this in a preheated kernel (started in the kiosk's language)
    when it hands the kernel to a visitor who asked for the other language.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    set_language(lang)
    for app in list(_apps):
        app.set_language(lang)


class KioskUI:
    """One kiosk app's frame: title, language toggle, status line, and its widgets."""

    def __init__(self, title_key: str, lang: str | None = None) -> None:
        lang = lang or current_language()
        self.lang = lang
        self._bindings: list[tuple[Any, str, str, dict]] = []
        self.title = w.HTML(layout=w.Layout(margin="0 0 12px 0"))
        self.title.add_class("youthlab-kiosk-title")
        self.language = w.ToggleButtons(options=[("한국어", "ko"), ("English", "en")], value=lang,
                                        layout=w.Layout(width="auto"))
        self.language.add_class("youthlab-kiosk-lang")
        self.language.observe(lambda change: self.set_language(change["new"]), names="value")
        self.status = w.HTML()
        self.status.add_class("youthlab-kiosk-status")
        self._title_key = title_key
        self.bind(self.title, "value", title_key, template="<h1>{}</h1>")
        _apps.add(self)

    # -- language ---------------------------------------------------------------------
    def text(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def bind(self, widget: Any, attr: str, key: str, template: str = "{}", **params: Any) -> Any:
        """Keep ``widget.<attr>`` showing message ``key`` in the current language."""
        self._bindings.append((widget, attr, key, {"template": template, **params}))
        setattr(widget, attr, template.format(self.text(key, **params)))
        return widget

    def set_language(self, lang: str) -> None:
        if lang not in LANGUAGES:
            return
        self.lang = lang
        for widget, attr, key, params in self._bindings:
            template = params.get("template", "{}")
            extra = {k: v for k, v in params.items() if k != "template"}
            setattr(widget, attr, template.format(self.text(key, **extra)))
        if self.language.value != lang:
            self.language.value = lang

    # -- widgets ------------------------------------------------------------------------
    def button(self, key: str, on_click: Callable[[], Any], style: str = "primary") -> w.Button:
        button = w.Button(button_style=style, layout=BIG)
        button.add_class("youthlab-kiosk-button")
        self.bind(button, "description", key)
        button.on_click(lambda _b: self.safe(on_click)())
        return button

    def text_input(self, placeholder_key: str, max_length: int = 40) -> w.Text:
        box = w.Text(layout=w.Layout(width="100%", min_height="56px"))
        box.add_class("youthlab-kiosk-input")
        self.bind(box, "placeholder", placeholder_key)
        box.observe(lambda ch: setattr(box, "value", ch["new"][:max_length])
                    if len(ch["new"]) > max_length else None, names="value")
        return box

    def choice(self, options: list[tuple[str, Any]], value: Any = None) -> w.ToggleButtons:
        toggle = w.ToggleButtons(options=options, value=value if value is not None else options[0][1],
                                 layout=w.Layout(width="auto"))
        toggle.add_class("youthlab-kiosk-choice")
        return toggle

    # -- messages and errors ---------------------------------------------------------------
    def say(self, key: str, kind: str = "info", **params: Any) -> None:
        self._bindings = [b for b in self._bindings if b[0] is not self.status]
        self.bind(self.status, "value", key, template=f'<div class="youthlab-kiosk-{kind}">{{}}</div>', **params)

    def safe(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Run a handler so that no error reaches the visitor as a traceback."""

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except YouthLabError as exc:
                self._bindings = [b for b in self._bindings if b[0] is not self.status]
                self.status.value = f'<div class="youthlab-kiosk-warning">{exc.message(self.lang)}</div>'
                return None
            except Exception:  # noqa: BLE001 — visitors get a friendly line, staff the log
                log.error("kiosk app error in %s:\n%s", getattr(fn, "__name__", fn), traceback.format_exc())
                self.say("kiosk.error.generic", kind="warning")
                return None

        return run

    def show(self, *children: Any) -> None:
        header = w.HBox([self.title, self.language],
                        layout=w.Layout(justify_content="space-between", align_items="center"))
        app = w.VBox([header, *children, self.status], layout=w.Layout(padding="16px"))
        app.add_class("youthlab-kiosk-app")
        self.app = app
        display(app)
