"""The one small interface every flash method implements, found by entry point.

A method (group ``youthlab.flash_methods``: ``esptool``, ``uf2``, ``daplink``) is a
traitlets ``Configurable``: its knobs are documented traits set from config or code.
It checks an image for its board family *before* touching a board (``check``), then
writes it with progress (``write``). Verifying that MicroPython answers afterwards is
the flow's job (:mod:`youthlab.boards.flash.flow`), the same for every method.
"""

from __future__ import annotations

from typing import Callable

from traitlets.config import LoggingConfigurable

from youthlab.boards.flash.catalog import Firmware
from youthlab.boards.flash.errors import FlashFailed
from youthlab.plugins import BROKEN_HINT_KEY, BROKEN_KEY, PluginBroken, PluginNotFound, plugin_class

# progress(stage, done, total): stage is a message key suffix (connect, erase, write, …)
Progress = Callable[[str, int, int], None]
ENTRY_POINT_GROUP = "youthlab.flash_methods"


def no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: nothing shown."""


class FlashMethod(LoggingConfigurable):
    """Puts one firmware image on one board."""

    name = "?"

    def check(self, fw: Firmware, data: bytes) -> None:
        """Raise a FlashError if ``data`` is not right for ``fw``'s board family."""
        raise NotImplementedError

    def write(self, fw: Firmware, data: bytes, port: str | None, progress: Progress,
              serial_number: str | None = None) -> str | None:
        """Write ``data``; returns the serial port MicroPython will answer on (or None).
        ``serial_number`` (the USB one) tells this board's drive from other boards' drives."""
        raise NotImplementedError


def method_class(name: str) -> type[FlashMethod]:
    """The flash method registered under ``name`` in ``youthlab.flash_methods``."""
    try:
        return plugin_class(ENTRY_POINT_GROUP, name, FlashMethod)
    except PluginBroken as exc:
        raise FlashFailed(BROKEN_KEY, BROKEN_HINT_KEY, name=name, group=ENTRY_POINT_GROUP, detail=exc.detail) from exc
    except PluginNotFound as exc:
        raise FlashFailed("flash.method.unknown", "flash.method.unknown.hint", name=name, names=exc.detail) from exc

