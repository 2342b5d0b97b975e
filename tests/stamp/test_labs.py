"""The stamp labs: nbgrader markup is well formed, and every notebook runs top to bottom
(source notebooks with their solutions, so the grading tests pass on a right answer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LABS = [ROOT / "labs" / "20-name-stamp", ROOT / "labs" / "21-postage-stamp"]
SOURCES = [LABS[0] / "name-stamp.ipynb", LABS[1] / "postage-stamp.ipynb"]
KIOSKS = [lab / "kiosk.ipynb" for lab in LABS]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_nbgrader_markup(path):
    nb = nbformat.read(path, as_version=4)
    ids, points = set(), 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type == "markdown":
            assert any("\uac00" <= ch <= "\ud7a3" for ch in cell.source), "Korean text first"
        if not meta:
            continue
        assert meta["schema_version"] == 3 and meta["grade_id"] not in ids
        ids.add(meta["grade_id"])
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        if meta.get("grade"):
            assert meta["locked"] and meta["points"] > 0
            assert any(check in cell.source for check in ("assert", "expect(", "require("))
            points += meta["points"]
    assert points >= 5


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES + KIOSKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs(path, tmp_path):
    from nbclient import NotebookClient

    work = tmp_path / path.parent.name
    shutil.copytree(path.parent, work)
    nb = nbformat.read(work / path.name, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    if path in SOURCES:
        assert "✓" in text or "✅" in text  # the grading cells ran and passed
    else:
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_nbgrader_release_hides_solutions_and_tests_grade_honestly(path, tmp_path):
    """nbgrader makes the student version (no solutions); its tests fail until the student
    writes code, and the teacher's version passes them."""
    import subprocess

    lab = path.parent.name.replace("-", "_")
    shutil.copytree(path.parent, tmp_path / "source" / lab)
    r = subprocess.run(["nbgrader", "generate_assignment", lab, "--force", f"--CourseDirectory.root={tmp_path}"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    released = tmp_path / "release" / lab / path.name
    text = released.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "YOUR CODE HERE" in text
    assert (tmp_path / "release" / lab / "assets").exists() == (path.parent / "assets").exists()

    def validate(nb: Path) -> str:
        # a busy CI machine can take longer than nbgrader's 30 s per cell
        out = subprocess.run(["nbgrader", "validate", str(nb), "--Execute.timeout=300"], cwd=nb.parent, capture_output=True, text=True,
                             timeout=300)
        return out.stdout + out.stderr

    assert "Success! Your notebook passes all the tests." in validate(tmp_path / "source" / lab / path.name)
    assert "VALIDATION FAILED" in validate(released)


# -- #18: verdicts a student sees -----------------------------------------------------------
RIGHT21 = {
    "plaque": 'picture = image_outline(DRAWING, width=30)\nmy_plaque = postage_stamp(picture, denomination="430원")',
    "stamp_version": 'my_stamp = postage_stamp(picture, denomination="430원", mirror=True)',
}


def _verdicts21(answers, monkeypatch, tmp_path):
    from tests.grading.labcells import run

    work = tmp_path / LABS[1].name
    shutil.copytree(LABS[1], work)
    monkeypatch.chdir(work)  # the lab's drawing is assets/postbox.png; its save cell writes here
    return run(work / SOURCES[1].name, {**RIGHT21, **answers}, hidden=True)


def test_lab21_right_answers_pass_and_say_so(monkeypatch, tmp_path):
    verdicts = _verdicts21({}, monkeypatch, tmp_path)
    assert all(ok for ok, _ in verdicts.values()), verdicts
    assert "✅ 우표 도장 성공!" in verdicts["stamp_version_tests"][1]


@pytest.mark.parametrize("picture", ["picture = image_outline(DRAWING, width=30)",
                                     # a left-right symmetric picture: only the price tells the sides apart
                                     "from shapely.geometry import box\npicture = box(0, 0, 30, 24)"])
def test_lab21_unmirrored_stamp_fails_with_a_hint(picture, monkeypatch, tmp_path):
    answers = {"plaque": picture + '\nmy_plaque = postage_stamp(picture, denomination="430원")',
               "stamp_version": 'my_stamp = postage_stamp(picture, denomination="430원")'}
    verdicts = _verdicts21(answers, monkeypatch, tmp_path)
    ok, out = verdicts["stamp_version_tests"]
    assert verdicts["plaque_tests"][0], verdicts["plaque_tests"][1]
    assert not ok and "좌우가 바뀌어요" in out and "left-right swapped" in out


def test_lab21_price_without_its_unit_says_what_was_expected(monkeypatch, tmp_path):
    answers = {"plaque": 'picture = image_outline(DRAWING, width=30)\nmy_plaque = postage_stamp(picture, denomination="430")'}
    ok, out = _verdicts21(answers, monkeypatch, tmp_path)["plaque_tests"]
    assert not ok and "'430원'" in out and "'430'" in out and "원까지" in out and "with its unit" in out
