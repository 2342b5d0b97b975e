"""Labs 10 and 11 as a teacher would try them (#18): a student's right or wrong answer
and the verdict and message the student sees."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from youthlab.drone import Drone, Mission
from youthlab.drone.checker import check_function, check_square

WAYPOINTS = [(180, 125, 100), (305, 300, 60)]  # around the seabird rock, above the village hall


def _square_verdict(fly, side=100):
    drone = Drone(mission="hall", watchdog=False)
    try:
        fly(drone, side)
    finally:
        drone.close()
    return check_square(drone.record(), side=side)


def _answer(name: str, sides: int, turn: int, land: bool = True) -> Callable[[Drone, int], None]:
    """A student's answer: take off, ``sides`` times fly ``side`` forward and turn ``turn``
    degrees, then land (or forget to). Named ``name`` (the test id where parametrized)."""
    def fly(drone: Drone, side: int) -> None:
        drone.takeoff()
        for _ in range(sides):
            drone.move(forward=side)
            drone.rotate(turn)
        if land:
            drone.land()
    fly.__name__ = fly.__qualname__ = name
    return fly


right_square = _answer("right_square", 4, 90)
square_without_landing = _answer("square_without_landing", 4, 90, land=False)
triangle = _answer("triangle", 3, 120)
three_sides_then_land = _answer("three_sides_then_land", 3, 90)


def two_sides_and_a_diagonal(drone, side):
    drone.takeoff()
    drone.move(forward=side)
    drone.rotate(90)
    drone.move(forward=side)
    drone.go_to(0, 0, 80)  # straight home across the square
    drone.land()


@pytest.mark.parametrize("side", [100, 150])
def test_lab10_right_square_passes_and_says_so(side):
    result = _square_verdict(right_square, side)
    assert result.passed and result.score == 100
    assert "출발점으로 돌아와 안전하게 착륙했어요" in result.feedback("ko")
    assert "통과했어요!" in result.feedback("ko").splitlines()[0] and "passed!" in result.feedback("en")
    assert "✗" not in result.feedback("en")


def test_lab10_square_without_landing_fails_and_says_land():
    result = _square_verdict(square_without_landing)
    assert not result.passed
    ko, en = result.feedback("ko"), result.feedback("en")
    assert "착륙하지 않았어요" in ko and "drone.land()" in ko and "아직 통과하지 못했어요" in ko.splitlines()[0]
    assert "never landed" in en and "착륙은 했지만" not in ko


@pytest.mark.parametrize("fly", [triangle, two_sides_and_a_diagonal])
def test_lab10_triangle_or_short_cut_is_not_a_square(fly):
    result = _square_verdict(fly)
    assert not result.passed
    assert "90" in result.feedback("ko") and "off the square's sides" in result.feedback("en")


def test_lab10_landing_a_side_short_names_the_fourth_side():
    result = _square_verdict(three_sides_then_land)
    assert not result.passed
    assert "네 번째 변" in result.feedback("ko") and "fourth side" in result.feedback("en")


def test_lab10_far_corners_worded_the_same_in_both_languages():
    ko, en = _square_verdict(right_square).feedback("ko"), _square_verdict(right_square).feedback("en")
    assert "먼 모서리 3곳 중 3곳" in ko and "3 of the 3 far corners" in en


def test_lab10_watchdog_stop_names_the_10_second_rule_and_a_new_drone():
    """The trap: take off, think for a while, move — the watchdog has landed the drone."""
    from youthlab.drone import DroneError
    from youthlab.drone.missions import get_mission
    from youthlab.drone.safety import Limits

    hall = get_mission("hall")
    short = Limits(**{**hall.limits.__dict__, "watchdog_s": 0.3})  # the lab's 10 s, shortened for the test
    drone = Drone(mission="hall", limits=short)
    try:
        drone.takeoff()
        deadline = time.monotonic() + 10
        while not any(e.kind == "watchdog" for e in drone.events) and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(DroneError):
            drone.move(forward=100)
    finally:
        drone.close()
    result = check_square(drone.record())
    assert not result.passed
    ko, en = result.feedback("ko"), result.feedback("en")
    assert "10초" in ko and 'Drone(mission="hall")' in ko
    assert "10 s" in en and "new drone" in en


def _mission(return_home: bool):
    def deliver(drone):
        mission = Mission(speed=40, return_home=return_home)
        mission.add(*WAYPOINTS[0])
        mission.add(*WAYPOINTS[-1], drop=True)
        mission.fly(drone)
    return deliver


def test_lab11_delivery_that_never_comes_back_fails_and_says_come_back():
    result = check_function(_mission(return_home=False), seed=1)
    assert not result.passed
    assert "돌아오지 않았어요" in result.feedback("ko") and "return_home=True" in result.feedback("en")


def test_lab11_delivery_and_back_home_passes():
    result = check_function(_mission(return_home=True), seed=1)
    assert result.passed and result.score >= 80
    assert "배달 성공" in result.feedback("ko") and "Back at the dock" in result.feedback("en")


def _run_lab(notebook: str, answers: dict[str, str], **options: object) -> tuple[Path, dict[str, tuple[bool, str]]]:
    """The lab notebook ``notebook`` (a path under the labs folder), and the verdicts of its
    cells run as a student's copy would run them (:func:`tests.grading.labcells.run`)."""
    import matplotlib

    matplotlib.use("Agg")
    from tests.grading.labcells import run
    from youthlab.paths import labs_dir

    lab = labs_dir() / notebook
    return lab, run(lab, answers, **options)


def test_lab11_empty_waypoints_get_the_shape_not_a_name_error():
    lab, verdicts = _run_lab("11-island-delivery/island-delivery.ipynb", {}, hidden=False, stop="plan-test")
    ok, out = verdicts["plan-test"]
    assert not ok and "NameError" not in out
    assert "waypoints = [(180, 125, 100)" not in out and "(x, y, z)" in out, out
    text = "".join(c.source for c in __import__("nbformat").read(lab, as_version=4).cells)
    assert "y = -30" in text and "east to the right" in text  # the map's metres/east against the code's cm/west


def test_lab10_the_150_cm_check_says_why():
    fixed_100 = ("def fly_square(drone, side=100):\n    drone.takeoff()\n    for _ in range(4):\n"
                 "        drone.move(forward=100)\n        drone.rotate(90)\n    drone.land()")
    _, verdicts = _run_lab("10-first-flight/first-flight.ipynb", {"square": fixed_100}, hidden=True,
                           skip=("square-run",))
    assert verdicts["square-test"][0]
    ok, out = verdicts["square-150-test"]
    assert not ok and "side=150" in out and "use side, not 100" in out and "150 cm square" in out
