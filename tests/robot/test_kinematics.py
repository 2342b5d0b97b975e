"""Kinematics sanity: straight lines, spinning in place, friction, encoders, walls."""

import math

import pytest

from youthlab.robot.kinematics import RobotBody, RobotParams
from youthlab.robot.worlds import build_world


def open_floor():
    return build_world({"name": "floor", "task": "line", "size": [400, 400], "resolution": 1,
                        "paths": [{"points": [[10, 10], [20, 10]]}], "start": {"x": 200, "y": 200, "heading": 0}})


@pytest.mark.parametrize("heading", [0, 37, 90, 200])
def test_equal_pwm_drives_straight(heading):
    w = open_floor()
    w.start = (200, 200, heading)
    b = RobotBody(w)
    b.set_wheels(0.6, 0.6)
    b.advance_to(3.0)
    assert math.degrees(b.th) == pytest.approx(heading, abs=1e-6)
    dist = math.hypot(b.x - 200, b.y - 200)
    # steady speed (0.6-0.12)/0.88 * 30 cm/s, minus the start-up lag of ~tau
    v = (0.6 - 0.12) / 0.88 * 30
    assert dist == pytest.approx(v * (3.0 - 0.08), rel=0.03)
    assert math.degrees(math.atan2(b.y - 200, b.x - 200)) % 360 == pytest.approx(heading % 360, abs=1e-6)


def test_opposite_pwm_spins_in_place():
    b = RobotBody(open_floor())
    b.set_wheels(-0.5, 0.5)
    b.advance_to(2.0)
    assert math.hypot(b.x - 200, b.y - 200) < 1e-6
    assert b.th > math.radians(90)  # counter-clockwise = left
    left, right = b.ticks()
    assert left == right > 0


def test_deadband_and_friction():
    b = RobotBody(open_floor())
    b.set_wheels(0.1, 0.1)  # below the deadband: static friction wins
    b.advance_to(1.0)
    assert (b.x, b.y) == (200, 200)
    b.set_wheels(1, 1)
    b.advance_to(2.0)
    assert b.speed == pytest.approx(30, rel=0.01)
    b.set_wheels(0, 0)
    b.advance_to(2.05)
    assert 0 < b.speed < 30  # slows down, not instantly
    b.advance_to(3.0)
    assert abs(b.speed) < 0.01


def test_encoders_count_slots():
    b = RobotBody(open_floor())
    b.set_wheels(1, 1)
    b.advance_to(2.0)
    rolled = b.x - 200
    expected = rolled / (2 * math.pi * 3.3) * 20
    assert b.ticks()[0] == pytest.approx(expected, abs=1)


def test_wall_stops_the_robot_and_counts_one_bump():
    w = open_floor()
    w.start = (370, 200, 0)  # border wall at x = 398
    b = RobotBody(w)
    b.set_wheels(1, 1)
    b.advance_to(5.0)
    assert b.x + b.p.body_radius <= 398.5
    assert b.collisions == 1
    b.set_wheels(-1, 1)  # it can still turn away
    b.advance_to(6.0)
    assert b.th > 0.5


def test_mismatch_curves():
    b = RobotBody(open_floor(), RobotParams(mismatch=0.05))
    b.set_wheels(0.6, 0.6)
    b.advance_to(3.0)
    assert b.th > 0.02  # right motor stronger → drifts left
