"""Lab 31's kiosk app: step buttons build a route drawn on the map, only sensible steps are
offered, the planned route is where the real robot drives, a clear win or try-again."""

from __future__ import annotations

import random
import re

import pytest

from tests.robot.test_kiosk_line import HANGUL, screen_text
from youthlab.robot.kiosk import PostmanApp
from youthlab.robot.kiosk_plan import MAX_STEPS, follow_plan, start_state
from youthlab.robot.route import plan
from youthlab.robot.runner import run_fast
from youthlab.robot.worlds import load_world


@pytest.fixture
def app():
    a = PostmanApp("en", realtime=False, fps=3)
    a.show()
    return a


def press(app, steps: str) -> None:
    for s in steps:
        button = app.step_buttons[s]
        assert not button.disabled, (s, app.steps)
        button.click()


def test_only_the_steps_possible_where_the_planned_robot_stands_are_offered(app):
    assert start_state(app.world) == ((30.0, 30.0), "E")  # the first crossing, facing east
    enabled = {s for s, b in app.step_buttons.items() if not b.disabled}
    assert enabled == {"S", "L"}  # a corner: on east or turn north; no house door, no U-turn
    assert app.go.disabled and app.undo.disabled
    press(app, "S")  # now at the door of 1 Flower Rd
    enabled = {s for s, b in app.step_buttons.items() if not b.disabled}
    assert enabled == {"S", "U", "D"}
    before = app.picture.value
    app.step_buttons["L"].click()  # a disabled button's click (a stale page) changes nothing
    assert app.steps == ["S"] and app.picture.value == before


def test_each_step_redraws_the_route_and_the_status_says_what_next(app):
    first = app.picture.value
    assert "houses 1, 2, 3 in order" in app.ui.status.value
    press(app, "S")
    assert "Letter 1" in app.ui.status.value and "2 Flower Rd" in app.ui.status.value
    press(app, "S")
    assert app.picture.value != first
    press(app, "SD")
    assert "Next: letter 2" in app.ui.status.value and "5 Sunrise St" in app.ui.status.value
    app.undo.click()
    assert app.steps == ["S", "S", "S"] and "Letter 1" in app.ui.status.value


def test_the_shipped_letters_win(app):
    press(app, "".join(plan(app.world)))
    assert "ready" in app.ui.status.value
    app.go.click()
    assert app.last_report.passed
    assert "banner-win" in app.ui.banner._dom_classes[-1] and "All 3 letters" in app.ui.banner.value
    assert not app.go.disabled and not app.clear.disabled  # play again


def test_a_wrong_door_is_named_and_the_run_loses(app):
    press(app, "SD")  # 1 Flower Rd: the first letter is for 2 Flower Rd
    assert "this is 1 Flower Rd" in app.ui.status.value and "Undo" in app.ui.status.value
    app.go.click()
    assert not app.last_report.passed
    assert "banner-lose" in app.ui.banner._dom_classes[-1] and "1 Flower Rd" in app.ui.banner.value


def test_a_short_route_delivers_some_and_says_how_many(app):
    press(app, "SSSDSLRD")
    app.go.click()
    assert "2 of 3 letters" in app.ui.banner.value
    app.clear.click()
    assert app.steps == [] and app.ui.banner.value == ""


def test_go_without_a_route_asks_for_one_and_routes_stop_at_the_limit(app):
    assert app.run() is None and "Make a route first" in app.ui.status.value
    press(app, "S")
    while len(app.steps) < MAX_STEPS:
        press(app, next(s for s in "SULR" if not app.step_buttons[s].disabled))
    assert all(b.disabled for b in app.step_buttons.values())
    assert "too long" in app.ui.status.value


@pytest.mark.parametrize("seed", [3, 11, 19])
def test_the_planned_route_is_where_the_real_robot_drives(seed):
    """The drawing promises what the simulator does: same letters at the same doors, and the
    robot ends where the plan's ghost stands."""
    world = load_world("town")
    rng = random.Random(seed)
    a = PostmanApp("en", realtime=False)
    for _ in range(rng.randint(6, 14)):
        allowed = sorted(a.plan.allowed)
        a.add("D" if "D" in allowed and rng.random() < 0.5 else rng.choice([s for s in allowed if s != "D"]))
    result = run_fast(a.route_program(), world, stop_when_done=False)
    got = [d.get("house") for _, d in result.sim.deliveries()]
    assert got == [house for _, house in follow_plan(world, a.steps).drops]
    end = result.trace[-1]
    assert abs(end.x - a.plan.at[0]) + abs(end.y - a.plan.at[1]) < 16, (a.steps, end, a.plan.at)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_one_language_on_screen(lang):
    a = PostmanApp(lang, realtime=False, fps=2)
    a.show()
    press(a, "SD")
    a.go.click()
    text = screen_text(a)
    if lang == "en":
        assert not HANGUL.search(text), text
    else:
        assert HANGUL.search(text) and not re.search(r"[A-Za-z]{2,}", text), text
