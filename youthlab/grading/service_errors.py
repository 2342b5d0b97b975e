"""Errors of the grading service and its client (``youthlab course autograde`` in a
teacher's server); each maps to one HTTP status."""

from __future__ import annotations

from typing import Any

from youthlab.errors import YouthLabError
from youthlab.grading.errors import NoCourse, UnknownClass, UnknownLab
from youthlab.service_answer import AnsweredError


class GradingRequestError(YouthLabError):
    """400: the request is not ``{"class": …, "lab": …}`` with sane values."""

    key = "grading.service.bad_request"
    hint_key = "grading.service.bad_request.hint"


class GradingForbidden(YouthLabError):
    """403: no valid hub token, or not a teacher of that class."""

    key = "grading.service.forbidden"
    hint_key = "grading.service.forbidden.hint"


class GradingBusy(YouthLabError):
    """409: this class (or the machine) is already being graded."""

    key = "grading.service.busy"
    hint_key = "grading.service.busy.hint"


class GradingServiceUnreachable(YouthLabError):
    key = "grading.service.unreachable"
    hint_key = "grading.service.unreachable.hint"


class GradingServiceRefused(AnsweredError, YouthLabError):
    """The service said no; its answer carries the message in both languages."""

    key = "grading.service.refused"
    hint_key = None

    def __init__(self, answer: dict[str, Any], status: int) -> None:
        self.answer, self.status = answer, status
        super().__init__(status=status)


def http_status(error: BaseException) -> int:
    """The HTTP status for an error of a grading request."""
    from youthlab.grading.autograde import GradebookDiskFull

    if isinstance(error, GradingRequestError):
        return 400
    if isinstance(error, GradingForbidden):
        return 403
    if isinstance(error, (UnknownClass, NoCourse, UnknownLab)):
        return 404
    if isinstance(error, GradingBusy):
        return 409
    if isinstance(error, GradebookDiskFull):
        return 507
    return 500
