"""A teacher's own lab: ``youthlab lab add <folder>``.

A teacher brings a folder of nbgrader source notebooks (nbgrader's own example
assignment is called ``ps1``: ``problem1.ipynb``, ``problem2.ipynb``, data files). This
command checks the nbgrader markup with nbgrader's own preprocessors (the same ones
``generate_assignment`` runs), gives the folder a lab id the curricula accept
(``ps1`` → ``40-ps1``: teachers' labs are numbered from 40 up, after the shipped ones),
copies it next to the shipped labs (``labs/``, or ``YOUTHLAB_LABS_DIR``) and, if asked,
adds it to a curriculum — checked again by ``course validate``'s rules before the file
is written, so a plan never ends up broken. Nothing is copied or written when anything is
wrong, and every problem is named in Korean or English.
"""

from __future__ import annotations

import copy
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import click

from youthlab.errors import YouthLabError
from youthlab.i18n import t
from youthlab.korean import Word, words
from youthlab.paths import curricula_dir, labs_dir

LAB_ID = re.compile(r"^[0-9]{2}-[a-z0-9-]+$")
FIRST_TEACHER_NUMBER = 40
MAX_NOTEBOOK_BYTES = 20_000_000  # a notebook bigger than this is not a lab, it is a data dump
MAX_FOLDER_BYTES = 200_000_000


class LabAddError(YouthLabError):
    key = "lab.add.refused"
    hint_key = "lab.add.refused.hint"


@dataclass
class LabCheck:
    """What ``check_folder`` found: notebooks, graded points, and problems (key, params)."""

    notebooks: list[str] = field(default_factory=list)
    points: float = 0.0
    problems: list[tuple[str, dict]] = field(default_factory=list)

    def lines(self, lang: str | None = None) -> str:
        return "\n".join(f"  • {t(key, lang, **_words(params))}" for key, params in self.problems)


def _words(params: dict) -> dict:
    """Text values as :class:`Word`, so templates can put particles after them."""
    return {k: Word(v) if isinstance(v, str) else v for k, v in params.items()}


def lab_id(name: str, taken: set[str]) -> str:
    """A lab id the curricula accept: ``ps1`` → ``40-ps1``; an id already valid stays."""
    if LAB_ID.match(name):
        return name
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "lab"
    numbers = {int(n[:2]) for n in taken if LAB_ID.match(n)}
    number = next(n for n in range(FIRST_TEACHER_NUMBER, 100) if n not in numbers)
    return f"{number:02d}-{slug}"


def _check_notebook(path: Path, check: LabCheck, grade_ids: dict[str, str]) -> None:
    import nbformat
    from nbgrader.preprocessors import CheckCellMetadata, ClearHiddenTests, ClearSolutions

    rel = path.name
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        check.problems.append(("lab.add.too_big", dict(notebook=rel, mb=MAX_NOTEBOOK_BYTES // 1_000_000)))
        return
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        check.problems.append(("lab.add.unreadable", dict(notebook=rel, detail=str(exc).splitlines()[0][:200])))
        return
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid and gid in grade_ids and meta.get("grade"):
            check.problems.append(("lab.add.duplicate_id", dict(notebook=rel, grade_id=gid, other=grade_ids[gid])))
        elif gid:
            grade_ids.setdefault(gid, rel)
    check.points += sum(float(c.metadata["nbgrader"].get("points") or 0) for c in graded)
    # nbgrader's own checks, the ones generate_assignment runs, on a copy
    steps = [CheckCellMetadata(), ClearSolutions(enforce_metadata=True), ClearHiddenTests(enforce_metadata=True)]
    work, resources = copy.deepcopy(nb), {}
    for step in steps:
        try:
            work, resources = step.preprocess(work, resources)
        except Exception as exc:
            check.problems.append(("lab.add.markup", dict(notebook=rel, detail=str(exc).splitlines()[0][:300])))
            return
    check.notebooks.append(rel)


def check_folder(folder: Path) -> LabCheck:
    """Check a teacher's lab folder as nbgrader would before releasing it."""
    check = LabCheck()
    if not folder.is_dir():
        check.problems.append(("lab.add.not_a_folder", dict(path=str(folder))))
        return check
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    if size > MAX_FOLDER_BYTES:
        check.problems.append(("lab.add.folder_too_big", dict(mb=MAX_FOLDER_BYTES // 1_000_000)))
        return check
    links = [p for p in folder.rglob("*") if p.is_symlink()]
    if links:
        check.problems.append(("lab.add.symlink", dict(path=str(links[0].relative_to(folder)))))
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        check.problems.append(("lab.add.no_notebook", dict(path=str(folder))))
    grade_ids: dict[str, str] = {}
    for nb in notebooks:
        _check_notebook(nb, check, grade_ids)
    if notebooks and not check.problems and check.points == 0:
        check.problems.append(("lab.add.no_points", {}))
    return check


def add_to_curriculum(curriculum: Path, lab: str, minutes: int, session: int, graded: bool,
                      labs_root: Path) -> None:
    """Insert a step for ``lab`` at the end of the plan's ``sequence`` (comments kept) and
    write the file only if the plan is still valid by ``course validate``'s rules."""
    import yaml

    from youthlab.grading.curriculum import check, problem_lines, read_text

    text = read_text(curriculum)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    seq = next((v for k, v in node.value if k.value == "sequence"), None) if isinstance(node, yaml.MappingNode) else None
    if not isinstance(seq, yaml.SequenceNode) or not seq.value or seq.flow_style:
        raise LabAddError(key="lab.add.no_sequence", hint_key="lab.add.no_sequence.hint", **words(path=curriculum))
    lines = text.splitlines(keepends=True)
    indent = " " * seq.value[0].start_mark.column
    dash = indent[:-2] if seq.value[0].start_mark.column >= 2 else indent
    # the line after the last item of the sequence
    end = seq.end_mark.line if seq.end_mark.column == 0 else seq.end_mark.line + 1
    step = f"{dash}- {{lab: {lab}, session: {session}, minutes: {minutes}, graded: {str(graded).lower()}}}\n"
    if end > 0 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    new_text = "".join(lines[:end] + [step] + lines[end:])
    data, problems, _ = check(new_text, labs_root)
    if problems:
        raise LabAddError(key="lab.add.plan_broken", hint_key="lab.add.plan_broken.hint",
                          **words(path=curriculum, lab=lab, problems=problem_lines(Path(curriculum.name), problems)))
    tmp = curriculum.with_name(f".{curriculum.name}.new")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(curriculum)


def add_lab(folder: Path, labs_root: Path, *, name: str | None = None) -> tuple[str, LabCheck]:
    """Check ``folder`` and copy it to ``labs_root/<id>``; returns (lab id, check)."""
    folder = Path(folder)
    result = check_folder(folder)
    if result.problems:
        raise LabAddError(**words(path=folder, problems=result.lines()))
    taken = {p.name for p in labs_root.iterdir() if p.is_dir()} if labs_root.is_dir() else set()
    lab = lab_id(name or folder.name.rstrip("/"), taken)
    if not LAB_ID.match(lab):
        raise LabAddError(key="lab.add.bad_id", hint_key="lab.add.bad_id.hint", **words(lab=lab))
    target = labs_root / lab
    if target.exists():
        raise LabAddError(key="lab.add.exists", hint_key="lab.add.exists.hint", **words(lab=lab, path=target))
    staging = labs_root / f".{lab}.adding"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(folder, staging, symlinks=False,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".git"))
    staging.rename(target)  # the lab appears whole or not at all
    return lab, result


@click.group()
def lab() -> None:
    """A teacher's own labs: check nbgrader notebooks, name them, put them in a plan."""


@lab.command("add")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Lab id (NN-name); default: from the folder (ps1 → 40-ps1).")
@click.option("--curriculum", default=None, help="Add the lab to this plan (name in curricula/ or a file).")
@click.option("--minutes", type=click.IntRange(1, 480), default=30, show_default=True)
@click.option("--session", type=click.IntRange(1, 99), default=1, show_default=True)
@click.option("--graded/--not-graded", default=False, show_default=True,
              help="Count it in the grade (only in a plan without weights: give weights by hand).")
def add(folder: Path, name: str | None, curriculum: str | None, minutes: int, session: int, graded: bool) -> None:
    """Check FOLDER's nbgrader notebooks and add it as a lab next to the shipped ones."""
    root = labs_dir()
    plan = None
    if curriculum:
        plan = Path(curriculum)
        if not plan.exists() and not plan.suffix:
            plan = curricula_dir() / f"{curriculum}.yaml"
        if not plan.exists():
            raise LabAddError(key="lab.add.no_plan", hint_key="lab.add.no_plan.hint", **words(path=plan))
    lab_name, result = add_lab(folder, root, name=name)
    click.secho("✓ " + t("lab.add.done", **words(lab=lab_name, path=root / lab_name,
                                                 notebooks=", ".join(result.notebooks), points=f"{result.points:g}")),
                fg="green")
    if plan is not None:
        try:
            add_to_curriculum(plan, lab_name, minutes, session, graded, root)
        except YouthLabError:
            shutil.rmtree(root / lab_name)  # the plan said no: leave nothing half done
            raise
        click.secho("✓ " + t("lab.add.in_plan", **words(lab=lab_name, path=plan), minutes=minutes, session=session),
                    fg="green")
    click.echo("  → " + t("lab.add.next", **words(lab=lab_name)))
