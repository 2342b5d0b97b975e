"""Safety rules on the simulator backend: they trigger, and student code can't skip them."""

from __future__ import annotations

import time

import pytest

from youthlab.drone import CommandRefused, Drone, EmergencyStopped, Limits, SafetyError
from youthlab.drone.errors import DroneError
from youthlab.drone.quadsim import Wind


def kinds(drone: Drone) -> list[str]:
    return [e.kind for e in drone.events]


def test_geofence_refuses_and_nothing_moves():
    d = Drone(limits=Limits(x_max=200), watchdog=False)
    d.takeoff()
    before = d.position
    with pytest.raises(SafetyError) as err:
        d.move(forward=300)
    assert d.position == before
    assert kinds(d) == ["refused_fence"]
    assert "fence" in err.value.message("en") and "울타리" in err.value.message("ko")
    with pytest.raises(SafetyError):
        d.go_to(0, 500, 100)


def test_ceiling_message_in_both_languages():
    d = Drone(limits=Limits(ceiling=3000), watchdog=False)
    d.takeoff()
    with pytest.raises(SafetyError) as err:
        d.go_to(0, 0, 3100)
    assert err.value.message("en").startswith("Too high: the ceiling is 30.0 m")
    assert "높이 제한은 30.0 m" in err.value.message("ko")


def test_sdk_ranges_and_error_strings():
    d = Drone(watchdog=False)
    with pytest.raises(CommandRefused) as err:
        d.forward(100)  # motors off
    assert "error Motor stop" in err.value.message("en")
    d.takeoff()
    for bad in (lambda: d.forward(10), lambda: d.rotate(400), lambda: d.set_speed(5)):
        with pytest.raises(CommandRefused) as err:
            bad()
        assert "out of range" in err.value.message("en")


def test_wind_pushes_out_of_fence_then_safety_brings_it_back_and_lands():
    # a gale the Tello cannot fight (max tilt) pushes it through the fence while hovering
    d = Drone(limits=Limits(x_min=-100, x_max=100), watchdog=False)
    d.takeoff()
    d._Drone__safety.backend.sim.wind = Wind(x=9.0)  # the weather turns, not the student
    with pytest.raises(DroneError):
        d.hover(20)
    assert "fence_breach" in kinds(d)
    assert not d.flying
    with pytest.raises(SafetyError):
        d.takeoff()  # the flight is over
    assert kinds(d)[-1] == "refused_flight_over"


def test_low_battery_returns_home_and_lands():
    d = Drone(battery_pct=24, watchdog=False)
    d.takeoff()
    d.go_to(200, 100, 120)
    with pytest.raises(DroneError):
        for _ in range(100):
            d.hover(5)
    assert "battery_return" in kinds(d)
    assert not d.flying and not d.crashed
    x, y, _ = d.position
    assert abs(x) < 30 and abs(y) < 30  # came home first


def test_low_battery_refuses_takeoff():
    d = Drone(battery_pct=12, watchdog=False)
    with pytest.raises(SafetyError):
        d.takeoff()
    assert kinds(d) == ["refused_battery"]


def test_watchdog_hovers_then_lands():
    d = Drone(limits=Limits(watchdog_s=0.4))
    d.takeoff()
    time.sleep(1.0)  # the student's code "hangs"
    assert kinds(d) == ["watchdog"]
    assert not d.flying and not d.crashed


def test_a_flight_the_watchdog_ended_names_the_rule_and_the_way_on():
    """Tried as a student would: takeoff(), then 12 s of thinking, then move(): refused
    without naming the 10-second rule or saying how to fly again."""
    d = Drone(limits=Limits(watchdog_s=1.0))
    d.takeoff()
    deadline = time.monotonic() + 30
    while "watchdog" not in kinds(d) or d.flying:  # the student's code "thinks"
        assert time.monotonic() < deadline, kinds(d)
        time.sleep(0.05)
    with pytest.raises(SafetyError) as refused:
        d.move(forward=50)
    ko, en = refused.value.user_text("ko"), refused.value.user_text("en")
    assert "1초" in ko and "Drone(" in ko
    assert "1 seconds" in en and "new drone" in en and "Drone(" in en


def test_emergency_mid_flight_from_another_thread():
    d = Drone(time_scale=5.0, watchdog=False)  # paced, so the move takes ~1 s of wall time
    d.takeoff()
    from tests.drone.test_board import stop_when

    th = stop_when(d, lambda: d.position[0] > 60)
    with pytest.raises(EmergencyStopped):
        d.move(forward=280)
    th.join()
    assert not d.flying
    assert 0 < d.position[0] < 250  # stopped part-way
    assert "emergency" in kinds(d)
    with pytest.raises(EmergencyStopped):
        d.takeoff()


def test_safety_is_not_an_attribute_students_can_reach():
    d = Drone(watchdog=False)
    assert not any("safety" in name or "supervisor" in name for name in vars(d)
                   if not name.startswith("_Drone__"))
    with pytest.raises(AttributeError):
        d.limits = Limits(ceiling=10_000)


def test_rate_limit_spaces_commands():
    d = Drone(watchdog=False)
    d.takeoff()
    t0 = d.flight_time
    for _ in range(5):
        d.set_speed(50)
    assert d.flight_time - t0 >= 0.4  # 5 commands, ≥ 0.1 s apart on the drone's clock
