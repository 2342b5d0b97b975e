"""The drone kiosk apps' flow without a browser: what a visitor's presses and taps do, what the
status line and the win / lose banner then say, and what the scene is sent.

The browser end (the SVG scene, taps, the animation) is played in Chromium by
tests/kiosk/test_kiosk_island_delivery.py and the kiosk design judge."""

from __future__ import annotations

import math
import re

import pytest

from youthlab.drone.kiosk import AfterShown, DeliveryApp, PilotApp
from youthlab.drone.kiosk_scene import crosses_circle, hall_world, island_world, thin
from youthlab.i18n import t
from youthlab.kiosk.ui import KioskUI

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def shown(app) -> None:
    """The browser says it has played everything it was sent."""
    app.scene._message(None, {"type": "played", "id": app.scene._play_id}, None)


def pilot(lang: str = "en") -> PilotApp:
    return PilotApp(KioskUI("drone.kiosk.pilot.title", lang=lang))


def delivery(lang: str = "en") -> DeliveryApp:
    return DeliveryApp(KioskUI("drone.kiosk.delivery.title", lang=lang))


def fly(app: PilotApp, *actions: str) -> None:
    for action in actions:
        app.ui.safe(app.press)(action)
        shown(app)


def status(app) -> str:
    return app.ui.status.value


# -- the pilot ------------------------------------------------------------------------------------
def test_pilot_reaches_the_star_and_lands_on_the_pad_and_wins():
    app = pilot("en")
    fly(app, "takeoff")
    assert app.scene.drone["z"] > 50 and app.scene.drone["flying"]  # the scene shows it in the air
    assert t("drone.kiosk.pilot.find_star", "en").split(".")[0] in status(app)
    fly(app, "forward", "forward", "right", "right")
    assert app.got_star and "reached the star" in status(app)
    assert math.hypot(app.scene.drone["x"] - 100, app.scene.drone["y"] + 100) < 20
    fly(app, "back", "back", "left", "left")
    assert app.ui.banner.value == ""  # not won while in the air
    fly(app, "land")
    assert "Great flying" in app.ui.banner.value and "youthlab-kiosk-banner-win" in app.ui.banner._dom_classes
    assert "landed right on the H" in status(app)
    assert not app.buttons["takeoff"].disabled and app.buttons["land"].disabled


def test_up_and_down_change_the_height_the_scene_shows():
    app = pilot()
    fly(app, "takeoff")
    assert app.buttons["takeoff"].disabled and not app.buttons["land"].disabled
    before = app.drone.position[2]
    fly(app, "up")
    assert app.drone.position[2] == pytest.approx(before + 30, abs=5)
    assert app.scene.drone["z"] == pytest.approx(app.drone.position[2], abs=1)
    fly(app, "down", "down")
    assert app.drone.position[2] == pytest.approx(before - 30, abs=6)
    assert app.scene.world["height"] == "Height"  # the scene's height read-out, in the visitor's language


def test_the_win_waits_until_the_landing_was_shown():
    app = pilot()
    fly(app, "takeoff", "forward", "forward", "right", "right", "back", "back", "left", "left")
    app.ui.safe(app.press)("land")  # flown in the simulator, not yet played on the screen
    assert app.ui.banner.value == ""
    shown(app)
    assert "Great flying" in app.ui.banner.value


def test_landing_away_from_the_pad_is_a_try_again_with_the_distance():
    app = pilot("ko")
    fly(app, "takeoff", "forward", "forward", "right", "right", "land")
    assert "youthlab-kiosk-banner-lose" in app.ui.banner._dom_classes
    away = int(re.search(r"(\d+) cm", app.ui.banner.value).group(1))
    assert f"{away} cm" in status(app)
    assert 120 < away < 160  # about sqrt(100² + 100²) from the H
    fly(app, "takeoff")  # the retry path: taking off again clears the banner
    assert app.ui.banner.value == ""


def test_landing_without_the_star_says_go_find_it():
    app = pilot()
    fly(app, "takeoff", "land")
    assert "fly to the yellow star" in status(app) and app.ui.banner.value == ""


def test_arrows_before_takeoff_ask_for_takeoff_first():
    app = pilot()
    fly(app, "forward")
    assert t("drone.kiosk.pilot.not_flying", "en") in status(app)
    assert app.drone.position == (0, 0, 0)


def test_turning_turns_the_drone_on_the_map_and_forward_follows_the_nose():
    app = pilot()
    fly(app, "takeoff", "turn_right")
    assert app.scene.drone["heading"] == pytest.approx(90, abs=3)
    fly(app, "forward")  # nose east: forward goes east (-y on the map's west axis)
    assert app.scene.drone["y"] < -40 and abs(app.scene.drone["x"]) < 10


def test_flying_into_the_fence_is_refused_with_a_message_not_a_traceback():
    app = pilot("ko")
    fly(app, "takeoff", *["forward"] * 8)  # the hall's fence is 300 cm ahead
    assert t("drone.kiosk.pilot.fence", "ko") in status(app)  # in a child's words, in Korean
    assert app.drone.position[0] <= 300 + 40 and app.drone.flying  # refused, still hovering
    app = pilot("en")
    fly(app, "takeoff", *["up"] * 5)
    assert t("drone.kiosk.pilot.ceiling", "en") in status(app) and app.drone.position[2] <= 200


def test_after_the_safety_layer_ends_a_flight_take_off_starts_a_fresh_drone_on_the_pad():
    app = pilot()
    fly(app, "takeoff", "forward", "forward", "right", "right")
    app.drone.emergency()  # the motors stop: this flight is over for good
    app.scene.drone = {**app.scene.drone, "flying": False}
    fly(app, "takeoff")
    assert app.drone.flying and app.drone.position[:2] == (0, 0) and not app.got_star
    assert app.scene.drone["flying"] and abs(app.scene.drone["x"]) < 5


# -- the island delivery -------------------------------------------------------------------------
def tap(app: DeliveryApp, x: float, y: float) -> None:
    app.scene._message(None, {"type": "tap", "x": x, "y": y}, None)


def test_a_route_around_the_rock_delivers_and_wins_after_the_flight_was_shown():
    app = delivery("ko")
    tap(app, 100, 300)
    assert app.stops == [(100.0, 300.0)] and app.scene.stops == [[100.0, 300.0]] and app.scene.bad_legs == []
    assert "1번" in status(app)
    app.ui.safe(app.fly)()
    assert app.flying and app.fly_button.disabled and not app.scene.tappable  # no new plan mid-flight
    assert app.ui.banner.value == "" and "날아가고" in status(app)
    shown(app)
    assert not app.flying and app.scene.tappable and not app.fly_button.disabled
    assert "배달 성공" in app.ui.banner.value and app.result.passed
    assert app.scene.tracks and len(app.scene.drops) == 1
    assert f"{round(app.result.score)}점" in app.score.value


def test_the_straight_line_crosses_the_rock_and_the_visitor_is_told_why():
    app = delivery("en")
    app.ui.safe(app.fly)()
    shown(app)
    assert "youthlab-kiosk-banner-lose" in app.ui.banner._dom_classes
    assert "no-fly zone" in status(app) and "Seabird rock" in status(app)  # why, in the status line
    assert not HANGUL.search(app.ui.banner.value + status(app))


def test_a_stop_whose_leg_crosses_the_rock_is_drawn_red_and_explained():
    app = delivery("en")
    rock = app.spec.no_fly[0]
    tap(app, rock.x - 60, rock.y - 60)  # between the dock and the rock: the next leg crosses it
    assert app.scene.bad_legs == [1]
    assert "crosses the seabird rock" in status(app)


def test_taps_on_the_rock_outside_the_map_or_malformed_are_not_stops():
    app = delivery("en")
    rock = app.spec.no_fly[0]
    tap(app, rock.x, rock.y)
    assert app.stops == [] and "seabird rock" in status(app)
    for bad in ({"type": "tap", "x": 1e9, "y": 0}, {"type": "tap", "x": float("nan"), "y": 0},
                {"type": "tap", "x": "100", "y": None}, {"type": "tap"}, {"type": "tap", "x": [1], "y": 2},
                "tap", None):
        app.scene._message(None, bad, None)
    assert app.stops == []


def test_at_most_four_stops_then_undo_and_clear():
    app = delivery("en")
    for y in (60, 120, 180, 240, 300):
        tap(app, 50, y)
    assert len(app.stops) == 4 and "4 stops is the most" in status(app)
    app.ui.safe(app.undo)()
    assert len(app.stops) == 3 and app.scene.stops[-1] == [50.0, 180.0]
    app.ui.safe(app.clear)()
    assert app.stops == [] and app.scene.stops == [] and app.undo_button.disabled


def test_changing_the_plan_after_a_flight_takes_the_old_result_away():
    app = delivery("en")
    tap(app, 100, 300)
    app.ui.safe(app.fly)()
    shown(app)
    assert app.ui.banner.value
    tap(app, 200, 350)
    assert app.ui.banner.value == "" and app.scene.tracks == [] and app.score.value == "" and len(app.stops) == 2


def test_taps_while_flying_are_ignored():
    app = delivery("en")
    tap(app, 100, 300)
    app.ui.safe(app.fly)()
    tap(app, 200, 200)
    assert app.stops == [(100.0, 300.0)]


# -- the scene's pieces ----------------------------------------------------------------------------
def test_played_messages_from_the_browser_are_checked():
    app = delivery()
    tap(app, 100, 300)
    app.ui.safe(app.fly)()
    for bad in ({"type": "played", "id": 99}, {"type": "played", "id": "x"}, {"type": "played", "id": -1}):
        app.scene._message(None, bad, None)
    assert app.flying and app.ui.banner.value == ""  # a made-up id ends nothing


def test_the_ending_comes_even_if_the_browser_never_says_it_played():
    app = delivery()
    app.after = AfterShown(app.scene, grace_s=0.0)
    app.scene.speedup = 1000.0
    tap(app, 100, 300)
    app.ui.safe(app.fly)()
    for timer in app.after._timers:
        timer.join(5)
    assert "Delivered" in app.ui.banner.value


def test_each_world_speaks_one_language():
    for world in (island_world(lang="en"), hall_world(star=(100, -100), lang="en")):
        labels = [world["home"]["label"], world.get("north", "")]
        labels += [z["label"] for z in world["no_fly"]] + [world.get("target", {}).get("label", "")]
        labels += [world.get("star", {}).get("label", "")]
        assert not any(HANGUL.search(s) for s in labels), labels
    assert HANGUL.search(island_world(lang="ko")["target"]["label"])


def test_crosses_circle_and_thin():
    assert crosses_circle((0, 0), (10, 0), (5, 1), 2)
    assert not crosses_circle((0, 0), (10, 0), (5, 3), 2)
    assert not crosses_circle((0, 0), (10, 0), (13, 0), 2)  # beyond the leg's end
    frames = [[i, i, 0, 0, None] for i in range(1000)]
    thinned = thin(frames, 50)
    assert len(thinned) == 50 and thinned[0] == frames[0] and thinned[-1] == frames[-1]
