"""Formgrader's own *Autograde* button, refused in a teacher's server.

Formgrader (nbgrader's server extension in the teacher's own JupyterLab) autogrades
in-process: ``NbGraderAPI.autograde`` runs nbgrader's ``Autograde`` converter with its
plain ``Execute`` step, so a student's submission would run as the teacher's system user
and could read or change the teacher's files, tokens and the gradebook. Students' code
runs only in the sandbox (the hub's grading service, ``youthlab course autograde``, the
class page), so in a teacher's server ``Autograde`` gets this exporter
(``c.Autograde.exporter_class``, set by :func:`youthlab.grading.hubwiring.nbgrader_settings`).

Why the exporter: it is the one configurable part ``Autograde.start`` builds *before* it
touches anything. Later seams (a preprocessor, ``pre_convert_hook``) come after nbgrader
has already removed the earlier autograded notebook (``--force``, which formgrader always
passes) and written the gradebook; refusing here leaves the course exactly as it was.

YouthLab's own workers also run ``Autograde`` (``nbgrader autograde`` in a work folder
whose config sets :class:`~youthlab.grading.sandbox_execute.SandboxExecute`): when every
execute step is the sandbox's, the exporter lets the run go on, so a worker that happens
to inherit a teacher's config path still grades.
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import ExecutePreprocessor
from nbgrader.converters.base import NbGraderException
from traitlets.utils.importstring import import_item

from youthlab.errors import YouthLabError
from youthlab.grading.sandbox_execute import SandboxExecute


class FormgraderAutogradeRefused(YouthLabError, NbGraderException):
    """Autograde asked for outside the sandbox (formgrader's button, ``nbgrader autograde``
    in a teacher's terminal): nothing was run or changed. An ``NbGraderException`` too, so
    nbgrader's own command line ends with its short failure line, not a traceback."""

    key = "grading.formgrader_autograde_refused"
    hint_key = "grading.formgrader_autograde_refused.hint"


def _steps(converter: Any) -> list[type]:
    steps = []
    for step in getattr(converter, "autograde_preprocessors", None) or []:
        steps.append(import_item(step) if isinstance(step, str) else step)
    return steps


def runs_only_in_sandbox(converter: Any) -> bool:
    """Every step of ``converter`` that executes code is the sandbox's, and there is one."""
    executing = [s for s in _steps(converter) if isinstance(s, type) and issubclass(s, ExecutePreprocessor)]
    return bool(executing) and all(issubclass(s, SandboxExecute) for s in executing)


class SandboxOnlyNotebookExporter(NotebookExporter):
    """``Autograde``'s exporter in a teacher's server: refuses a run that would execute a
    submission outside the sandbox, before nbgrader changes anything."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        converter = self.parent
        if runs_only_in_sandbox(converter):
            return
        coursedir = getattr(converter, "coursedir", None)
        refused = FormgraderAutogradeRefused(
            lab=getattr(coursedir, "assignment_id", "") or "<lab>",
            cls=getattr(coursedir, "course_id", "") or "<class>")
        log = getattr(converter, "log", None) or self.log
        for lang in ("ko", "en"):  # formgrader shows this log in its error window
            log.error("%s", refused.user_text(lang))
        raise refused
