"""Run a lab's cells as a student's copy would run them, with the student's answer in
place of each solution region — the verdicts a student sees, without a kernel."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import nbformat

SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?### END SOLUTION[ \t]*$", re.S | re.M)
STUB = "# 여기에 코드를 쓰세요 · write your code here\n{indent}raise NotImplementedError()"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)


def cells(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


def run(path: Path, answers: dict[str, str], *, hidden: bool, stop: str | None = None,
        skip: tuple[str, ...] = ()) -> dict[str, tuple[bool, str]]:
    """``{grade_id: (passed, output)}`` for every graded cell, running cells in order.

    ``answers`` is what the student wrote in a solution cell (by grade_id: the whole
    cell); a cell not answered keeps the stub the student's copy has. ``hidden`` keeps the hidden tests (autograde) or strips them (the
    student's copy). Cells whose grade_id is in ``skip`` (slow views) are not run.
    """
    ns: dict = {}
    verdicts: dict[str, tuple[bool, str]] = {}
    for cell in cells(path):
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id", "")
        if cell.cell_type != "code" or gid in skip:
            continue
        source = cell.source
        if meta.get("solution"):
            source = answers[gid] if gid in answers else \
                SOLUTION.sub(lambda m: m.group(1) + STUB.format(indent=m.group(1)), source)
        if not hidden:
            source = HIDDEN.sub("", source)
        out = io.StringIO()
        ok = True
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(source, gid or "cell", "exec"), ns)
            except Exception as exc:  # the verdict, as the student would see it
                ok = False
                out.write(f"{type(exc).__name__}: {exc}")
        if meta.get("grade"):
            verdicts[gid] = (ok, out.getvalue())
        if gid == stop:
            break
    return verdicts
