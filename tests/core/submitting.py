"""A student about to ``nbgrader submit`` with YouthLab's exchange, as a student's server
runs it: the class's exchange with the lab released, the student's copy, their
nbgrader config, and the command. Shared by the full-disk and the quota tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

CLASS, LAB, NOTEBOOK = "cA", "lab1", "lab1.ipynb"


def notebook(size: int) -> dict:
    """A one-cell notebook about ``size`` bytes long."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1  # " + "y" * size)])


@dataclass
class Student:
    home: Path
    exchange: Path
    env: dict

    @property
    def inbound(self) -> Path:
        return self.exchange / CLASS / "inbound"

    @property
    def work(self) -> Path:
        """The notebook the student edits."""
        return self.home / CLASS / LAB / NOTEBOOK

    def submit(self, lang: str, **extra_env: str) -> subprocess.CompletedProcess:
        nbgrader = str(Path(sys.executable).parent / "nbgrader")
        return subprocess.run([nbgrader, "submit", LAB], cwd=self.home,
                              env=dict(self.env, YOUTHLAB_LANG=lang, **extra_env),
                              capture_output=True, text=True, timeout=120)


def student_ready_to_submit(exchange: Path, home: Path, **extra_env: str) -> Student:
    """Release LAB in ``exchange`` and give the student at ``home`` a copy to submit."""
    from youthlab.grading.exchange import prepare_exchange

    prepare_exchange(exchange, CLASS, isolated=False)
    (exchange / CLASS / "outbound" / LAB).mkdir(parents=True)
    (exchange / CLASS / "outbound" / LAB / NOTEBOOK).write_text(nbformat.writes(notebook(10)))
    (home / CLASS / LAB).mkdir(parents=True)
    (home / CLASS / LAB / NOTEBOOK).write_text(nbformat.writes(notebook(100)))
    (home / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        "c.Exchange.path_includes_course = True\n"
        f"c.Exchange.cache = {str(home / '.cache')!r}\n"
        f"c.CourseDirectory.course_id = {CLASS!r}\n"
        "c.ExchangeFactory.submit = 'youthlab.grading.exchange.Submit'\n")
    env = dict(os.environ, HOME=str(home), USER="student1", JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               YOUTHLAB_SPAWNER="demo", **extra_env)
    return Student(home, exchange, env)
