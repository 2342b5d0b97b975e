"""Imported once by the stamp budget's forkserver: builds and checks a small stamp so every
child forked from it starts with fonts parsed and libraries initialised (a designer on a
kiosk rebuilds on every keystroke)."""

from __future__ import annotations


def warm_up() -> None:
    try:
        from youthlab.stamp.compose import text_stamp
        from youthlab.stamp.fonts import DEFAULT_FONT, available_fonts, resolve_font

        text_stamp("우체국 POST 430원", 10).check()
        for name in available_fonts():
            if name != DEFAULT_FONT:
                resolve_font(name)
    except Exception:  # noqa: BLE001 - a warm-up that fails only costs time later
        pass


warm_up()
