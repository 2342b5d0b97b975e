"""Kiosk panels: the visitor's choices become a robot program that really runs."""

from youthlab.robot.kiosk import line_panel, postman_panel


def test_postman_panel_runs_the_route_built_with_buttons():
    panel = postman_panel()
    assert not panel.run().passed  # an empty route delivers nothing
    panel.route.extend(["S", "S", "S", "D", "S", "L", "R", "D", "U", "S", "R", "D"])
    report = panel.run()
    assert report.passed and report.score == 100


def test_line_panel_sliders_matter():
    panel = line_panel()
    default = panel.run()
    assert default.passed  # the defaults work
    speed, steer = panel.sliders
    speed.value = 100
    fast = panel.run()
    assert fast.passed and fast.details["finish_time"] < default.details["finish_time"]
    speed.value = 20  # barely above the motors' dead band: too slow for the time limit
    assert not panel.run().passed
