"""Autograde a class: ours (batches on parallel nbgrader workers) vs one serial ``nbgrader autograde``.

    python benchmarks/autograde.py --quick     # 8 submissions, < 1 minute
    python benchmarks/autograde.py             # 30 submissions (a full class)

Both grade the same submissions of ``labs/05-python-basics`` in the same course
(made from the visit-90 curriculum): a mix of right, wrong and half-done answers, as a
class hands in. The serial run is plain ``nbgrader autograde <lab> --force`` in the
course folder; ours is ``youthlab.grading.autograde`` with its default worker count
(CPU cores + 1). Both produce the same scores (checked).
The last line is ``RATIO autograde <serial s / ours s> goal >= 1.8``.
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
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: CPU cores)")
    args = parser.parse_args()
    n = args.n or (8 if args.quick else 30)
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
        report = autograde(course, LAB, workers=args.workers)
        ours = time.perf_counter() - start
        assert report.graded == sorted(students), report
        assert scores(course, students) == expected, "parallel grades differ from serial grades"
        print(f"youthlab parallel ({report.workers} workers): {ours:6.1f} s  ({ours / n:.2f} s per submission)")
        print(f"same scores for all {n} students: yes (mean {sum(expected.values()) / n:.2f} of 7); "
              f"load average now {os.getloadavg()[0]:.1f}")
    print(f"RATIO autograde {serial / ours:.2f} goal >= 1.8")


if __name__ == "__main__":
    main()
