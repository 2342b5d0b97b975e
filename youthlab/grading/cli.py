"""``youthlab course …``: the teacher's commands, from a curriculum to a grades sheet.

    youthlab course validate curricula/*.yaml
    youthlab course create visit-90 --class class-demo
    youthlab course release 05-python-basics --class class-demo
    youthlab course collect 05-python-basics --class class-demo
    youthlab course autograde 05-python-basics --class class-demo
    youthlab course feedback 05-python-basics --class class-demo
    youthlab course export --class class-demo -o grades.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from youthlab.grading.errors import CurriculumError
from youthlab.grading.service_client import remote_autograde, service_url
from youthlab.hub.accounts import load_plan
from youthlab.hub.singleuser import skip_unused_imports
from youthlab.i18n import t
from youthlab.paths import data_dir as default_data_dir
from youthlab.paths import accounts_file, curricula_dir

# readable=False: in isolated mode the data folder is 0711 (accounts pass through, never list it)
DATA_OPTION = click.option("--data-dir", type=click.Path(path_type=Path, readable=False), default=None,
                           help="The hub's data folder (default: YOUTHLAB_DATA_DIR or ./var).")
CLASS_OPTION = click.option("--class", "cls", required=True, help="Class name from hub_config/accounts.yaml.")


def _data(data_dir: Path | None) -> Path:
    return (data_dir or default_data_dir()).resolve()


def _plan():
    return load_plan(accounts_file())


@click.group()
def course() -> None:
    """Courses for a class: curricula → labs released, collected, autograded, exported."""
    # As the students' servers do: ``jsonschema`` (the curriculum check, and nbgrader through
    # ``jupyter_events``) would build ``rfc3987_syntax``'s ~35 parsers at import (~2 CPU-s of
    # every command) for ``iri`` formats no schema here checks (curricula/schema.json has no
    # ``format``); nbgrader's own processes are not affected.
    skip_unused_imports()


@course.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check curriculum files (default: all in curricula/); every problem with its line, in one pass."""
    from youthlab.grading.curriculum import available, check, problem_lines, read_text

    failed = False
    for path in files or tuple(available()):
        if not path.exists() and not path.suffix and (curricula_dir() / f"{path}.yaml").exists():
            path = curricula_dir() / f"{path}.yaml"  # a bare name, as `course create` takes it
        try:
            text = read_text(path)
        except CurriculumError as exc:  # not readable, or not UTF-8: says which line and how to fix
            click.secho(f"✗ {exc.message()}", fg="red")
            click.echo(f"  → {exc.hint()}")
            failed = True
            continue
        data, problems, _ = check(text)
        if problems:
            failed = True
            click.secho(f"✗ {t('course.validate.bad', path=path)}", fg="red")
            click.echo(problem_lines(path, problems))
            continue
        click.secho(f"✓ {t('course.validate.ok', path=path, title=data['title']['ko'] + ' · ' + data['title']['en'])}",
                    fg="green")
    if failed:
        sys.exit(1)


@course.command()
@click.argument("curriculum")
@CLASS_OPTION
@DATA_OPTION
def create(curriculum: str, cls: str, data_dir: Path | None) -> None:
    """Create the nbgrader course of a class from a curriculum (name or file)."""
    from youthlab.grading.course import create_course
    from youthlab.grading.curriculum import load

    plan_ = load(curriculum)
    course_, skipped = create_course(plan_, cls, _plan(), _data(data_dir),
                                     progress=lambda lab: click.echo(f"  … {lab}"))
    click.secho(f"✓ {t('course.created', cls=cls, path=course_.root, labs=', '.join(course_.labs))}", fg="green")
    if skipped:
        click.secho(f"  ! {t('course.validate.missing_labs', labs=', '.join(skipped))}", fg="yellow")
    click.echo(f"  → {t('course.created.next', cls=cls, lab=(plan_.graded_labs or plan_.labs)[0])}")


def _open(cls: str, data_dir: Path | None):
    from youthlab.grading.course import open_course

    return open_course(_data(data_dir), cls)


@course.command()
@click.argument("lab")
@CLASS_OPTION
@DATA_OPTION
def release(lab: str, cls: str, data_dir: Path | None) -> None:
    """Hand a lab out: students see it in their Assignments list."""
    from youthlab.grading.course import release as do_release

    do_release(_open(cls, data_dir), lab)
    click.secho(f"✓ {t('course.released', lab=lab, cls=cls)}", fg="green")


@course.command()
@click.argument("lab")
@CLASS_OPTION
@DATA_OPTION
def collect(lab: str, cls: str, data_dir: Path | None) -> None:
    """Collect the submissions of a lab."""
    from youthlab.grading.course import collect as do_collect
    from youthlab.grading.course import refused_submissions

    course_ = _open(cls, data_dir)
    students = do_collect(course_, lab)
    missing = [s for s in course_.students if s not in students]
    click.secho(f"✓ {t('course.collected', lab=lab, n=len(students), total=len(course_.students))}", fg="green")
    if missing:
        click.echo(f"  {t('course.not_submitted', students=', '.join(missing))}")
    refused = refused_submissions(course_, lab)
    if refused:  # made by another system user than the student it names
        click.secho(f"  ! {t('course.refused_title', n=len(refused))}", fg="yellow")
        for entry in refused:
            click.secho(f"    ✗ {t('grading.collect.refused', **entry)}", fg="red")


@course.command()
@click.argument("lab")
@CLASS_OPTION
@DATA_OPTION
@click.option("--workers", type=int, default=None, help="Parallel nbgrader processes (default: from the class size and CPU cores).")
@click.option("--timeout", type=int, default=None, help="Seconds a cell may run (default: from the curriculum).")
def autograde(lab: str, cls: str, data_dir: Path | None, workers: int | None, timeout: int | None) -> None:
    """Autograde the collected submissions in parallel; flags tampering and timeouts."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from youthlab.grading.autograde import autograde as do_autograde

    # In a teacher's own server (not root) the hub's grading service grades, sandboxed.
    url = service_url() if data_dir is None or _data(data_dir) == _data(None) else None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(t("grading.autograding", lab=lab), total=None)
        if url:
            report = remote_autograde(cls, lab, url, workers=workers, timeout=timeout,
                                      progress=lambda done, total: bar.update(task, completed=done, total=total))
        else:
            report = do_autograde(_open(cls, data_dir), lab, workers=workers, timeout=timeout,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
    if url:
        click.echo(f"  {t('grading.service.via')}")
    click.secho(f"✓ {t('grading.done', n=len(report.graded), seconds=report.seconds, workers=report.workers)}",
                fg="green")
    for student, why in report.broken.items():
        click.secho(f"  ✗ {t('grading.broken', student=student, why=why)}", fg="red")
    for student, why in report.failed.items():
        click.secho(f"  ✗ {t('grading.failed', student=student)}\n    {why}", fg="red")
    for student, cells in report.tampered.items():
        click.secho(f"  ! {t('grading.tampered', student=student, cells=', '.join(c['cell'] + ' (' + t('grading.tamper.' + c['kind']) + ')' for c in cells))}",
                    fg="yellow")
    for student, cells in report.timeouts.items():
        click.secho(f"  ! {t('grading.timeout', student=student, cells=', '.join(cells))}", fg="yellow")
    for student, events in report.sandbox.items():
        what = ", ".join(f"{e['cell']}: {t('sandbox.event.' + e['event'])}" + (f" ({e['detail']})" if e["detail"] else "")
                         for e in events)
        click.secho(f"  ! {t('grading.sandbox_events', student=student, events=what)}", fg="yellow")
    if report.isolated:
        click.echo(f"  {t('grading.isolated', users=', '.join(report.sandbox_users))}")
    else:
        click.secho(f"  ! {t('grading.not_isolated')}", fg="red")


@course.command()
@click.argument("lab")
@CLASS_OPTION
@DATA_OPTION
def feedback(lab: str, cls: str, data_dir: Path | None) -> None:
    """Make feedback pages from the grades and hand them back to the students."""
    from youthlab.grading.course import release_feedback

    n = release_feedback(_open(cls, data_dir), lab)
    click.secho(f"✓ {t('course.feedback', lab=lab, n=n)}", fg="green")


@course.command()
@CLASS_OPTION
@DATA_OPTION
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="CSV file (default: stdout).")
def export(cls: str, data_dir: Path | None, output: Path | None) -> None:
    """Grades as CSV: a score per lab, the weighted percent, flags to look at."""
    from youthlab.grading.export import export_csv, to_csv

    course_ = _open(cls, data_dir)
    if output is None:
        click.echo(to_csv(course_), nl=False)
    else:
        export_csv(course_, output)
        click.secho(f"✓ {t('course.exported', path=output)}", fg="green")


@course.command()
@CLASS_OPTION
@DATA_OPTION
def progress(cls: str, data_dir: Path | None) -> None:
    """Who is where: per student, lab, tests passing, last activity, stuck signals."""
    from youthlab.grading.progress import class_progress, render_text

    click.echo(render_text(class_progress(_open(cls, data_dir), _data(data_dir))))
