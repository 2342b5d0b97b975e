"""Simulator speed: a 2-minute island delivery mission, simulated time vs wall-clock time.

    python benchmarks/drone_sim.py --quick     # < 1 minute
    python benchmarks/drone_sim.py             # more runs, several seeds

Each run flies the whole mission through the public flight API (safety layer included):
takeoff, around the seabird rock, parcel drop at Deungnyangdo's village hall, unloading
hover, back to the dock, landing — about two minutes of simulated flight, in gusty wind.
The last line is ``RATIO drone_sim <simulated s per wall s> goal >= 1000``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from youthlab.drone import Drone, Mission, get_mission


def one_flight(seed: int) -> tuple[float, float]:
    spec = get_mission("island")
    route = spec.ideal_route()
    mission = Mission(speed=20)
    out = route[1: len(route) // 2 + 1]
    for i, (x, y) in enumerate(out):
        last = i == len(out) - 1
        mission.add(x, y, 60 if last else spec.cruise_height_cm, drop=last, hover=70 if last else 0)
    start = time.perf_counter()
    drone = Drone(mission=spec, seed=seed, watchdog=False, battery_pct=100)
    mission.fly(drone)
    wall = time.perf_counter() - start
    sim_t = drone.flight_time
    assert not drone.events, drone.events
    drone.close()
    return sim_t, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs (< 1 minute)")
    args = parser.parse_args()
    runs = 5 if args.quick else 40
    one_flight(0)  # warm-up (imports, yaml)
    sims, walls = [], []
    for seed in range(runs):
        s, w = one_flight(seed)
        sims.append(s)
        walls.append(w)
    ratios = [s / w for s, w in zip(sims, walls)]
    print(f"runs: {runs}, simulated flight per run: {statistics.mean(sims):.1f} s "
          f"(min {min(sims):.1f}, max {max(sims):.1f})")
    print(f"wall clock per run: mean {statistics.mean(walls) * 1000:.1f} ms, "
          f"min {min(walls) * 1000:.1f} ms, max {max(walls) * 1000:.1f} ms (one core)")
    print(f"speed-up per run: median {statistics.median(ratios):.0f}x, worst {min(ratios):.0f}x")
    print(f"RATIO drone_sim {sum(sims) / sum(walls):.0f} goal >= 1000")


if __name__ == "__main__":
    main()
