"""Sensors against known positions, through the pins exactly as the board sees them."""

import math

import pytest

from youthlab.robot.car import RobotBoardSim
from youthlab.robot.worlds import LINE, WALL, load_world


def test_line_sensors_at_known_positions():
    sim = RobotBoardSim("line", clock="virtual")
    b = sim.body
    # start: axle at (14, 25) facing east; the line runs along y = 25 → only the centre sees it
    assert b.on_line() == (0, 1, 0)
    adc = [sim.adc_read(p) for p in sim.kit["line"]]
    assert adc[1] > 40000 and adc[0] < 20000 and adc[2] < 20000
    b.y = 25 - 1.6  # shift right by the sensor spacing: the LEFT sensor is now over the line
    assert b.on_line() == (1, 0, 0)
    b.y = 25 + 1.6
    assert b.on_line() == (0, 0, 1)
    b.y = 60  # far off the line
    assert b.on_line() == (0, 0, 0)


def test_floor_raster_points():
    w = load_world("town")
    assert w.at(60, 30) == LINE  # a street
    assert w.at(60, 45) != LINE
    assert w.at(-1, 10) == WALL and w.at(1, 90) == WALL  # outside / border
    house = w.house("꽃길 2")
    x0, y0, x1, y1 = house.box
    assert w.at((x0 + x1) / 2, (y0 + y1) / 2) == WALL


def test_ultrasonic_ranger_over_i2c():
    sim = RobotBoardSim("maze", clock="virtual")
    b = sim.body
    # maze start cell (0,0), centre (20, 20), facing east: the wall between cell 1 and 2
    # is at x = 65 - 1 (half the wall), the sensor sits 7 cm ahead of the axle
    expected = 64 - (20 + 7)
    assert b.distance() == pytest.approx(expected, abs=0.6)
    sim.i2c_write(0, 0x57, b"\x01")
    raw = sim.i2c_read(0, 0x57, 3)
    um = raw[0] << 16 | raw[1] << 8 | raw[2]
    assert um / 10000 == pytest.approx(expected, abs=0.6)
    b.th = math.pi  # facing west: the outer wall at x = 5 + 1
    assert b.distance() == pytest.approx(20 - 7 - 6, abs=0.6)
    assert sim.i2c_scan(0) == [0x57]


def test_hcsr04_echo_pulse():
    sim = RobotBoardSim("maze", kit="pico-car-sr04", clock="virtual")
    trig, echo = sim.kit["distance"]["trig"], sim.kit["distance"]["echo"]
    sim.pin_write(trig, 1)
    sim.pin_write(trig, 0)
    us = sim.time_pulse_us(echo, 1, 30000)
    assert us * 0.0343 / 2 == pytest.approx(sim.body.distance(), abs=0.5)


def test_motor_pins_and_flap():
    sim = RobotBoardSim("town", clock="virtual")
    (lf, lb), (rf, rb) = sim.kit["motors"]["left"], sim.kit["motors"]["right"]
    sim.pwm(lf, 1000, 65535)
    sim.pwm(rb, 1000, 32768)
    assert sim.body.cmd == [1.0, pytest.approx(-0.5, abs=1e-3)]
    servo = sim.kit["servo"]
    sim.pwm(servo, 50, int((0.5 + 90 / 90) / 20 * 65535))  # flap open
    assert sim.flap_open and sim.deliveries()[0][1]["house"] is None


def test_encoder_pin_is_a_square_wave():
    sim = RobotBoardSim("town", clock="virtual")
    pin = sim.kit["encoders"][0]
    seen = set()
    sim.body.set_wheels(0.5, 0.5)
    for k in range(100):
        sim.sleep(0.01)
        seen.add(sim.pin_read(pin))
    assert seen == {0, 1}
