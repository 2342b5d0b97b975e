"""Errors of the stamp lab: each has a ko/en message and a hint (``youthlab/messages/stamp.yaml``)."""

from __future__ import annotations

from youthlab.errors import YouthLabError


class StampError(YouthLabError):
    key = "stamp.error.generic"
    hint_key = "stamp.error.generic.hint"


class EmptyText(StampError):
    key = "stamp.error.empty_text"
    hint_key = "stamp.error.empty_text.hint"


class MissingGlyph(StampError):
    key = "stamp.error.missing_glyph"
    hint_key = "stamp.error.missing_glyph.hint"


class FontNotFound(StampError):
    key = "stamp.error.font_not_found"
    hint_key = "stamp.error.font_not_found.hint"


class BadSize(StampError):
    key = "stamp.error.bad_size"
    hint_key = "stamp.error.bad_size.hint"


class NotAnImage(StampError):
    key = "stamp.error.not_an_image"
    hint_key = "stamp.error.not_an_image.hint"


class CorruptImage(StampError):
    key = "stamp.error.corrupt_image"
    hint_key = "stamp.error.corrupt_image.hint"


class ImageTooLarge(StampError):
    key = "stamp.error.image_too_large"
    hint_key = "stamp.error.image_too_large.hint"


class EmptyDrawing(StampError):
    key = "stamp.error.empty_drawing"
    hint_key = "stamp.error.empty_drawing.hint"


class NotPrintable(StampError):
    key = "stamp.error.not_printable"
    hint_key = "stamp.error.not_printable.hint"


class MeshError(StampError):
    key = "stamp.error.mesh"
    hint_key = "stamp.error.mesh.hint"


class SlicerNotInstalled(StampError):
    key = "stamp.error.slicer_missing"
    hint_key = "stamp.error.slicer_missing.hint"


class SlicerError(StampError):
    key = "stamp.error.slicer"
    hint_key = "stamp.error.slicer.hint"


class PrinterError(StampError):
    key = "stamp.error.printer"
    hint_key = "stamp.error.printer.hint"


class UnknownPrinter(StampError):
    key = "stamp.error.unknown_printer"
    hint_key = "stamp.error.unknown_printer.hint"


class VirtualPrinterRefused(PrinterError):
    key = "stamp.error.virtual_printer"
    hint_key = "stamp.error.virtual_printer.hint"


class PrinterBusy(PrinterError):
    key = "stamp.error.printer_busy"
    hint_key = "stamp.error.printer_busy.hint"


class TooDetailed(StampError):
    """A picture with more pieces than a stamp can hold (noise, a photo)."""

    key = "stamp.error.too_detailed"
    hint_key = "stamp.error.too_detailed.hint"


class DesignTooComplex(StampError):
    key = "stamp.error.design_too_complex"
    hint_key = "stamp.error.design_too_complex.hint"


class NotAModel(StampError):
    key = "stamp.error.not_a_model"
    hint_key = "stamp.error.not_a_model.hint"


class TextTooWide(StampError):
    key = "stamp.error.text_too_wide"
    hint_key = "stamp.error.text_too_wide.hint"
