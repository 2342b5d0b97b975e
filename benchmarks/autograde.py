"""Autograde a class: ours (batches on parallel nbgrader workers) vs one serial ``nbgrader autograde``.

    python benchmarks/autograde.py --quick     # 8 submissions, < 1 minute
    python benchmarks/autograde.py             # 30 submissions (a full class)

Both grade the same submissions of ``labs/05-python-basics`` in the same course
(made from the visit-90 curriculum): a mix of right, wrong and half-done answers, as a
class hands in. The serial run is plain ``nbgrader autograde <lab> --force`` in the
course folder; ours is ``youthlab.grading.autograde`` with its default worker count
(chosen from the class size) and, as root, the sandbox on (each worker's kernels run as
a sandbox user; plain nbgrader runs them as root). Both produce the same scores (checked).
Sandbox users (and any system group the course made) get a random prefix and are removed
at the end. The last line is ``RATIO autograde <serial s / ours s> goal >= 1.8``
(``>= 1.0`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

from youthlab.grading.autograde import autograde, serial_autograde  # noqa: E402
from youthlab.grading.course import create_course  # noqa: E402
from youthlab.grading.curriculum import load  # noqa: E402
from youthlab.hub.accounts import AccountPlan  # noqa: E402

LAB, NB = "05-python-basics", "python-basics.ipynb"
ANSWERS = [
    {"stamp_price": "def stamp_price(g):\n    return 520 if g <= 25 else 520 + 120 * ((g - 1) // 25)",
     "sort_letters": "def sort_letters(l):\n    return sorted(l, key=lambda x: x[0])",
     "route": 'route = ["E", "E", "S", "S", "E"]'},
    {"stamp_price": "def stamp_price(g):\n    return 520",
     "sort_letters": "def sort_letters(l):\n    l.sort()\n    return l",
     "route": 'route = ["E", "S"]'},
    {"stamp_price": "def stamp_price(g):\n    return 520 + 120 * max(0, (g - 1) // 25)",
     "route": 'route = ["E", "E", "S", "S", "E"]'},
]


def make_class(n: int, data: Path):
    students = [f"student{i:02d}" for i in range(1, n + 1)]
    plan = AccountPlan("operator", {"teacher": ["bench"]}, {"bench": students})
    course, _ = create_course(load("visit-90"), "bench", plan, data)
    from youthlab.grading.course import release

    release(course, LAB)
    rng = random.Random(7)
    released = nbformat.read(course.root / "release" / LAB / NB, as_version=4)
    for student in students:
        answers = rng.choice(ANSWERS)
        nb = nbformat.from_dict(released)
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = answers[gid]
        dest = course.root / "submitted" / student / LAB
        dest.mkdir(parents=True)
        (dest / "timestamp.txt").write_text("2026-11-23 10:00:00.000000 UTC")
        nbformat.write(nb, dest / NB)
    return course, students


def scores(course, students) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course.name) as gb:
        return {s: gb.find_submission(LAB, s).score for s in students}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 submissions instead of 30")
    parser.add_argument("-n", type=int, default=None, help="number of submissions")
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: from the class size)")
    args = parser.parse_args()
    n = args.n or (8 if args.quick else 30)
    prefix = os.environ.setdefault("YOUTHLAB_SYSTEM_USER_PREFIX", f"ylb{os.urandom(2).hex()}-")
    try:
        ratio = run(n, args.workers)
    finally:
        if os.geteuid() == 0:
            _remove_system_names(prefix)
    print(f"RATIO autograde {ratio:.2f} goal >= {1.0 if n < 20 else 1.8}")


def _remove_system_names(prefix: str) -> None:
    import grp
    import pwd
    import subprocess

    from youthlab.grading.sandbox import remove_users

    remove_users(prefix)
    for entry in pwd.getpwall():
        if entry.pw_name.startswith(prefix):
            subprocess.run(["userdel", entry.pw_name], capture_output=True)
    for entry in grp.getgrall():
        if entry.gr_name.startswith(prefix):
            subprocess.run(["groupdel", entry.gr_name], capture_output=True)


def run(n: int, workers: int | None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course, students = make_class(n, Path(tmp))
        cores = len(os.sched_getaffinity(0))
        print(f"{n} submissions of {LAB}, {cores} CPU cores, load average {os.getloadavg()[0]:.1f} "
              "(other programs on the machine slow the parallel arm most)")

        start = time.perf_counter()
        result = serial_autograde(course, LAB)
        serial = time.perf_counter() - start
        if result.returncode != 0:
            print(result.stdout[-2000:], result.stderr[-2000:])
            raise SystemExit("serial nbgrader autograde failed")
        expected = scores(course, students)
        print(f"serial nbgrader autograde : {serial:6.1f} s  ({serial / n:.2f} s per submission)")

        start = time.perf_counter()
        report = autograde(course, LAB, workers=workers)
        ours = time.perf_counter() - start
        assert report.graded == sorted(students), report
        assert scores(course, students) == expected, "parallel grades differ from serial grades"
        sandbox = f"sandboxed as {', '.join(report.sandbox_users)}" if report.isolated else "NOT isolated (not root)"
        print(f"youthlab parallel ({report.workers} workers, {sandbox}): {ours:6.1f} s  ({ours / n:.2f} s per submission)")
        print(f"same scores for all {n} students: yes (mean {sum(expected.values()) / n:.2f} of 7); "
              f"load average now {os.getloadavg()[0]:.1f}")
    return serial / ours


if __name__ == "__main__":
    main()
