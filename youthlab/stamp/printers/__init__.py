"""Kinds of 3-D printer the hall's queue can print on, found by entry point.

Each kind is one :class:`~youthlab.stamp.printers.base.Printer` subclass registered under
the entry-point group ``youthlab.printers`` (JupyterHub's pattern for spawners), chosen by
the ``kind:`` of each printer in ``printers.yaml`` (default ``octoprint``). A centre adds
a PrusaLink or a Bambu printer with one file and one line in its package's metadata::

    [project.entry-points."youthlab.printers"]
    prusalink = "my_centre.prusalink:PrusaLinkPrinter"

Built in: ``octoprint``.
"""

from __future__ import annotations

from youthlab.plugins import BROKEN_HINT_KEY, BROKEN_KEY, PluginBroken, PluginNotFound, plugin_class, plugin_names
from youthlab.stamp.errors import StampError
from youthlab.stamp.printers.base import JobProgress, Printer, PrinterConfig, PrinterLike

GROUP = "youthlab.printers"


class UnknownPrinterKind(StampError):
    """No printer kind of that name is registered (or its module cannot be loaded)."""

    key = "stamp.error.printer_kind"
    hint_key = "stamp.error.printer_kind.hint"


def printer_kinds() -> list[str]:
    """The names of every registered printer kind, sorted."""
    return plugin_names(GROUP)


def printer_class(kind: str) -> type[Printer]:
    """The class registered as ``kind``; :class:`UnknownPrinterKind` (ko/en) if none or broken."""
    try:
        return plugin_class(GROUP, kind, Printer)
    except PluginBroken as exc:
        raise UnknownPrinterKind(BROKEN_KEY, BROKEN_HINT_KEY, name=kind, group=GROUP, detail=exc.detail) from exc
    except PluginNotFound as exc:
        raise UnknownPrinterKind(kind=kind, kinds=exc.detail) from exc


def make_printer(cfg: PrinterConfig) -> Printer:
    """The printer of one ``printers.yaml`` entry, of its ``kind``."""
    return printer_class(cfg.kind).from_config(cfg)


__all__ = ["GROUP", "JobProgress", "Printer", "PrinterConfig", "PrinterLike", "UnknownPrinterKind",
           "make_printer", "printer_class", "printer_kinds"]
