"""Feedback without giving the hidden tests away (nbgrader#917).

nbgrader's feedback page is the autograded notebook, where the hidden tests were put
back to grade — so it shows them, in the cell and in the failing assert's traceback.
The course config runs nbgrader's own ``ClearHiddenTests`` on feedback and, after it,
:class:`HideTestTracebacks`, which keeps a failed test's error name and message (the
hint the teacher wrote) but drops the traceback lines that quote the test's code.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


class HideTestTracebacks(NbGraderPreprocessor):
    """In test cells, replace error tracebacks by ``ename: evalue``."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
