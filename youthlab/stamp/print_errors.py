"""Errors of the hall's print queue and print service (``youthlab/messages/print_service.yaml``).

Each maps to one HTTP status in the print service (:data:`HTTP_STATUS`), so a refusal
reaches the student's terminal or the kiosk as a ko/en sentence, never a traceback.
"""

from __future__ import annotations

from youthlab.stamp.errors import StampError


class PrintRequestError(StampError):
    """Something the caller sent is not acceptable (HTTP 400)."""

    key = "print.error.bad_request"
    hint_key = "print.error.bad_request.hint"


class RawGcodeRefused(PrintRequestError):
    key = "print.error.raw_gcode"
    hint_key = "print.error.raw_gcode.hint"


class SymlinkRefused(PrintRequestError):
    key = "print.error.symlink"
    hint_key = "print.error.symlink.hint"


class FileTooBig(PrintRequestError):
    key = "print.error.too_big"
    hint_key = "print.error.too_big.hint"


class BadModel(PrintRequestError):
    key = "print.error.bad_model"
    hint_key = "print.error.bad_model.hint"


class QueueFull(StampError):
    """Per-owner or total limit of waiting jobs reached (HTTP 429)."""

    key = "print.error.queue_full"
    hint_key = "print.error.queue_full.hint"


class OwnerQueueFull(QueueFull):
    key = "print.error.owner_full"
    hint_key = "print.error.owner_full.hint"


class NotYourJob(StampError):
    """A job the caller may not see or cancel (HTTP 403)."""

    key = "print.error.not_yours"
    hint_key = "print.error.not_yours.hint"


class NoSuchJob(StampError):
    key = "print.error.no_such_job"
    hint_key = "print.error.no_such_job.hint"


class PrintServiceForbidden(StampError):
    key = "print.error.forbidden"
    hint_key = "print.error.forbidden.hint"


class PrintServiceUnreachable(StampError):
    key = "print.error.unreachable"
    hint_key = "print.error.unreachable.hint"


HTTP_STATUS: dict[type[StampError], int] = {
    PrintRequestError: 400, QueueFull: 429, NotYourJob: 403, NoSuchJob: 404, PrintServiceForbidden: 403,
}


def http_status(error: BaseException) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400 if isinstance(error, StampError) else 500
