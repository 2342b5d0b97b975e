"""A teacher's course commands: ``youthlab course create`` + ``release`` vs the plain nbgrader commands.

    python benchmarks/course_cli.py --quick     # 1 round of each arm, < 1 minute
    python benchmarks/course_cli.py             # 3 rounds, medians
    COURSE_CLI_VERBOSE=1 python benchmarks/course_cli.py --quick   # and each command's seconds

Both arms make the same course from nothing in a fresh folder and hand one lab out, as a
teacher does before a class, each command a process as typed in a terminal:

- ours: ``youthlab course create visit-90 --class class-demo`` (curriculum check, course
  folder, gradebook with the class's students, every lab generated, exchange folders)
  then ``youthlab course release 05-python-basics --class class-demo``;
- plain: the same labs copied into ``source/`` beforehand (not timed), then
  ``nbgrader db student import``, ``nbgrader generate_assignment <lab>`` per lab and
  ``nbgrader release_assignment 05-python-basics`` in a course folder with the same
  course id and exchange.

Demo spawner mode (one system user), so ours makes no system groups: both arms do the
same nbgrader work; ours also checks the curriculum and the exchange's modes. Each arm
is checked to have released the lab's notebook with its graded cells and to have the
students in its gradebook. The last line is ``RATIO course_cli <ours s / plain s> goal <= 0.5``:
the teacher waits at most half as long as with nbgrader's own commands. Before the
speed-up that came with this benchmark, ``--quick`` gave 21.4 s against 31.8 s (0.67; the
first ``course create`` alone 13.4 s); after it 6.8 s against 32.6 s (0.21), both at load ~4.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLS, CURRICULUM, LAB, NB = "class-demo", "visit-90", "05-python-basics", "python-basics.ipynb"
GOAL = 0.5


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
            "YOUTHLAB_SPAWNER": "demo", "YOUTHLAB_LANG": "en"}


def _run(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    if os.environ.get("COURSE_CLI_VERBOSE"):
        print(f"  {seconds:6.2f} s  {' '.join(Path(a).name if a.startswith('/') else a for a in argv[:4])}")
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{r.stdout}\n{r.stderr}")
    return seconds


def _setup() -> tuple[list[str], list[str]]:
    """The class's students and the curriculum's labs that exist, as ``course create`` sees them."""
    sys.path.insert(0, str(ROOT))
    from youthlab.grading.curriculum import load
    from youthlab.hub.accounts import load_plan
    from youthlab.paths import accounts_file, labs_dir

    students = list(load_plan(accounts_file()).classes[CLS])
    labs = [lab for lab in load(CURRICULUM).labs if any((labs_dir() / lab).glob("*.ipynb"))]
    return students, labs


def _check(course: Path, exchange: Path, students: list[str]) -> None:
    nb = nbformat.read(exchange / CLS / "outbound" / LAB / NB, as_version=4)
    graded = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    with sqlite3.connect(course / "gradebook.db") as db:
        in_book = {row[0] for row in db.execute("SELECT id FROM student")}
    if not graded or in_book != set(students):
        sys.exit(f"{course}: released lab without graded cells, or students {in_book} != {students}")


def ours(students: list[str]) -> float:
    data = Path(tempfile.mkdtemp(prefix="yl-bench-course-"))
    try:
        youthlab = [str(BIN / "youthlab"), "course"]
        seconds = _run([*youthlab, "create", CURRICULUM, "--class", CLS, "--data-dir", str(data)], ROOT)
        seconds += _run([*youthlab, "release", LAB, "--class", CLS, "--data-dir", str(data)], ROOT)
        _check(data / "courses" / CLS, data / "exchange", students)
        return seconds
    finally:
        shutil.rmtree(data, ignore_errors=True)


def plain(students: list[str], labs: list[str]) -> float:
    from youthlab.paths import labs_dir

    base = Path(tempfile.mkdtemp(prefix="yl-bench-nbgrader-"))
    course, exchange = base / CLS, base / "exchange"
    try:
        course.mkdir()
        exchange.mkdir()
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"c.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = {CLS!r}\n"
            f"c.Exchange.root = {str(exchange)!r}\nc.Exchange.path_includes_course = True\n", encoding="utf-8")
        for lab in labs:  # what a teacher has in source/ before typing the commands
            shutil.copytree(labs_dir() / lab, course / "source" / lab,
                            ignore=shutil.ignore_patterns("kiosk.ipynb", "_*", ".*"))
        (course / "students.csv").write_text("id\n" + "\n".join(students) + "\n", encoding="utf-8")
        nbgrader = str(BIN / "nbgrader")
        seconds = _run([nbgrader, "db", "student", "import", "students.csv"], course)
        for lab in labs:
            seconds += _run([nbgrader, "generate_assignment", lab, "--force"], course)
        seconds += _run([nbgrader, "release_assignment", LAB], course)
        _check(course, exchange, students)
        return seconds
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of each arm (< 1 minute)")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    students, labs = _setup()
    print(f"class {CLS}: {len(students)} students; labs {', '.join(labs)}; released {LAB}; {rounds} round(s)")
    our_times, plain_times = [], []
    for k in range(rounds):
        our_times.append(ours(students))
        plain_times.append(plain(students, labs))
        print(f"round {k + 1}: youthlab create+release {our_times[-1]:.2f} s   "
              f"nbgrader import+generate×{len(labs)}+release {plain_times[-1]:.2f} s", flush=True)
    a, b = statistics.median(our_times), statistics.median(plain_times)
    print(f"median: youthlab {a:.2f} s, plain nbgrader {b:.2f} s")
    print(f"RATIO course_cli {a / b:.2f} goal <= {GOAL}")


if __name__ == "__main__":
    main()
