"""Lab 01 as a teacher tried it (#18): the blink check reads the board the student chose
and counts blinks, not switch-ons."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from tests.notebook_text import cell_text

LAB = Path(__file__).resolve().parents[2] / "labs" / "01-first-board"


def _check_output(tmp_path: Path, connect: str, answer: str) -> str:
    """Run the lab up to its blink check in a real kernel; the check cell's output."""
    from nbclient import NotebookClient

    work = tmp_path / "lab"
    shutil.copytree(LAB, work)
    nb = nbformat.read(work / "first-board.ipynb", as_version=4)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    nb.cells = nb.cells[:ids.index("check_blink5") + 1]
    for cell in nb.cells:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if gid == "connect":
            cell.source = f"%load_ext youthlab.boards\n%board connect {connect}"
        elif gid == "task_blink5":
            cell.source = "%%board\n" + answer
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    cell = nb.cells[-1]
    return cell_text(cell)


@pytest.mark.timeout(240)
def test_lab01_right_blink_on_a_named_virtual_board_passes(tmp_path):
    out = _check_output(tmp_path, "virtual:desk", "for i in range(5):\n    led.on()\n    time.sleep(0.05)\n"
                                                   "    led.off()\n    time.sleep(0.05)")
    assert "✅ 다섯 번 깜빡이기 성공!" in out and "Blink five times: done!" in out, out


@pytest.mark.timeout(240)
def test_lab01_five_ons_without_off_fail_and_say_call_off(tmp_path):
    out = _check_output(tmp_path, "virtual", "for i in range(5):\n    led.on()\n    time.sleep(0.05)")
    assert "AssertionError" in out and "led.off()" in out and "0번" in out and "0 times" in out, out


@pytest.mark.timeout(240)
def test_lab01_counts_only_the_task_cell_not_main_py_at_start_or_earlier_runs(tmp_path):
    """A student back for a second try: part 5 put main.py (3 blinks at start) on the board
    last time, and the example blinked 4 times. Two blinks of their own must not pass."""
    import os

    from youthlab.boards.virtual.board import virtual_dir

    name = f"rerun{os.getpid()}"
    user = os.environ.get("JUPYTERHUB_USER")
    fs = virtual_dir() / (f"{user}-{name}" if user else name) / "fs"
    fs.mkdir(parents=True, exist_ok=True)
    shutil.copy(LAB / "board" / "main.py", fs / "main.py")
    two = "for i in range(2):\n    led.on()\n    time.sleep(0.05)\n    led.off()\n    time.sleep(0.05)"
    try:
        out = _check_output(tmp_path, f"virtual:{name}", two)
        assert "AssertionError" in out and "2번" in out and "2 times" in out, out
        five = two.replace("range(2)", "range(5)")
        out = _check_output(tmp_path / "again", f"virtual:{name}", five)
        assert "Blink five times: done!" in out, out
    finally:
        shutil.rmtree(fs.parent, ignore_errors=True)
