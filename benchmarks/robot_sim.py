"""Robot simulator speed: one robot in the postal town, simulated time vs real time.

Runs the robot-postman sample solution (line following, turns at crossings, three
deliveries: ~44 s of robot time) through the fast grader — the student's program, the
board library, the ``machine``/``time`` shims and the physics, all on one core — and
reports how many seconds of robot time one second of wall clock buys. The full run
adds a 3-minute polling loop (the worst case for a grader: a program that never ends).

    python benchmarks/robot_sim.py --quick     # < 1 minute
    python benchmarks/robot_sim.py             # more runs
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from youthlab.robot.kinematics import RobotBody  # noqa: E402
from youthlab.robot.mpyrun import run_micropython  # noqa: E402
from youthlab.robot.runner import run_fast  # noqa: E402
from youthlab.robot.worlds import load_world  # noqa: E402

POSTMAN = Path(__file__).resolve().parents[1] / "youthlab" / "robot" / "solutions" / "town_postman.py"
POLLING = """
from robot import Robot
bot = Robot()
while True:
    l, c, r = bot.line()
    bot.drive(40 if l else 55, 40 if r else 55)
    bot.wait(0.01)
"""


def one_run(program, limit: float | None = None) -> tuple[float, float]:
    start = time.perf_counter()
    result = run_fast(program, "town", time_limit=limit)
    wall = time.perf_counter() - start
    assert result.error is None, result.error
    return result.sim_time, wall


def physics_only(seconds: float = 60.0) -> float:
    body = RobotBody(load_world("town"))
    body.set_wheels(0.5, 0.6)
    start = time.perf_counter()
    body.advance_to(seconds)
    return seconds / body.dt / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs (< 1 minute)")
    args = parser.parse_args()
    runs = 3 if args.quick else 20
    one_run(POSTMAN)  # warm-up: imports, world raster
    sims, walls = [], []
    for _ in range(runs):
        s, w = one_run(POSTMAN)
        sims.append(s)
        walls.append(w)
    ratios = [s / w for s, w in zip(sims, walls)]
    print(f"postman runs: {runs}, robot time per run {statistics.mean(sims):.1f} s, "
          f"wall clock per run: mean {statistics.mean(walls) * 1000:.0f} ms, "
          f"min {min(walls) * 1000:.0f} ms, max {max(walls) * 1000:.0f} ms (one core)")
    print(f"speed-up per run: median {statistics.median(ratios):.0f}x, worst {min(ratios):.0f}x")
    if not args.quick:
        s, w = one_run(POLLING, limit=180)
        print(f"3-minute polling loop (100 Hz, line sensors + motors): {w:.2f} s wall, {s / w:.0f}x")
        sims.append(s)
        walls.append(w)
    mpy = run_micropython(POSTMAN, "town")
    print(f"same postman on the real MicroPython interpreter (pipe per sensor read): "
          f"{mpy.wall_time * 1000:.0f} ms, {mpy.sim_time / mpy.wall_time:.0f}x")
    steps = physics_only()
    print(f"physics alone: {steps:,.0f} steps/s (dt 5 ms: {steps * 0.005:.0f}x real time)")
    print(f"RATIO robot_sim {sum(sims) / sum(walls):.0f} goal >= 100")


if __name__ == "__main__":
    main()
