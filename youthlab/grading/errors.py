"""Errors a teacher can run into while preparing, releasing and grading a course."""

from __future__ import annotations

from youthlab.errors import YouthLabError


class CurriculumError(YouthLabError):
    """A curriculum file is malformed; carries every problem with its line number."""

    key = "course.curriculum_invalid"
    hint_key = "course.curriculum_invalid.hint"


class UnknownClass(YouthLabError):
    key = "course.unknown_class"
    hint_key = "course.unknown_class.hint"


class NoCourse(YouthLabError):
    key = "course.no_course"
    hint_key = "course.no_course.hint"


class UnknownLab(YouthLabError):
    key = "course.unknown_lab"
    hint_key = "course.unknown_lab.hint"


class NbgraderFailed(YouthLabError):
    key = "grading.nbgrader_failed"
    hint_key = "grading.nbgrader_failed.hint"


class MissionCheckerMissing(YouthLabError):
    key = "grading.checker_missing"
    hint_key = "grading.checker_missing.hint"


class NamedServerRefused(YouthLabError):
    key = "class.named_server_refused"
    hint_key = "class.named_server_refused.hint"
