"""Lab 30's kiosk app: the track and robot from the first second, steppers that matter,
the robot driving the track on screen, a clear win or try-again, one language."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image

from youthlab.robot.kiosk import LineFollowerApp
from youthlab.robot.kiosk_scene import ROBOT

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def screen_text(app) -> str:
    """Every text the app's widgets show (labels, values, tooltips), tags stripped."""
    import html

    def walk(w):
        yield w
        for c in getattr(w, "children", ()):
            yield from walk(c)

    parts = []
    for w in walk(app.ui.app):
        for attr in ("description", "value", "tooltip", "placeholder"):
            v = getattr(w, attr, None)
            if isinstance(v, str):
                parts.append(html.unescape(re.sub(r"<[^>]+>", " ", v)))
    return " ".join(parts)


def robot_pixels(jpeg_bytes: bytes, near: tuple[float, float], world, radius_cm: float = 10) -> int:
    """How many robot-blue pixels the picture has within ``radius_cm`` of a point of the world."""
    img = Image.open(io.BytesIO(jpeg_bytes)).convert("RGB")
    k = img.width / world.width
    cx, cy = near[0] * k, (world.height - near[1]) * k
    r = radius_cm * k
    n = 0
    px = img.load()
    for x in range(int(cx - r), int(cx + r)):
        for y in range(int(cy - r), int(cy + r)):
            if 0 <= x < img.width and 0 <= y < img.height:
                p = px[x, y]
                if all(abs(a - b) < 40 for a, b in zip(p, ROBOT)):
                    n += 1
    return n


@pytest.fixture
def app():
    return LineFollowerApp("en", realtime=False, fps=5)


def test_the_track_and_the_robot_show_before_any_touch(app):
    w = app.world
    assert robot_pixels(app.picture.value, w.start[:2], w) > 200
    finish = w.finish["x"], w.finish["y"]
    assert robot_pixels(app.picture.value, finish, w) == 0


def test_a_drive_plays_frame_by_frame_and_ends_at_the_flag(app):
    frames = []
    app.picture.observe(lambda change: frames.append(change["new"]), names="value")
    report = app.run()
    assert report.passed
    assert len(frames) > 25  # a drive, not a jump to the end
    w = app.world
    assert robot_pixels(frames[len(frames) // 2], w.start[:2], w) == 0  # it left the start
    assert robot_pixels(frames[-1], (w.finish["x"], w.finish["y"]), w, radius_cm=14) > 200
    assert app.last[0] == "win"
    assert "win" in app.ui.banner._dom_classes[-1]
    assert app.last[1]["time"] in app.ui.banner.value and "Best time" in app.best_line.value


def test_the_steppers_matter_faster_wins_sooner_too_gentle_loses_the_line_too_slow_times_out(app):
    app.run()
    default = float(app.last[1]["time"])
    app.speed.nudge(+5)  # 10: full speed
    app.run()
    assert app.last[0] == "win" and float(app.last[1]["time"]) < default
    assert "record" in app.ui.banner.value.lower()
    app.steering.nudge(-4)  # 1: far too gentle for the bends at full speed
    app.run()
    assert app.last[0] == "lost" and "lose" in app.ui.banner._dom_classes[-1]
    assert "Steer harder" in app.ui.status.value
    app.speed.value, app.steering.value = 2, 5  # barely rolling: the minute runs out on the line
    app.run()
    assert app.last[0] == "too_slow" and "higher speed" in app.ui.status.value


def test_go_is_locked_while_the_robot_drives_and_the_drive_is_paced_in_real_time():
    app = LineFollowerApp("en", fps=10, max_seconds=1.5)
    seen = []
    draw = app.scene.track

    def watch(*args, **kw):
        seen.append(app.go.disabled)
        return draw(*args, **kw)

    app.scene.track = watch
    started = time.monotonic()
    app.run()
    took = time.monotonic() - started
    assert seen and all(seen) and app.go.disabled is False
    assert 1.2 < took < 15 and app.animator.frames <= 17  # ~1.5 s at 10 fps (frames dropped when busy)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_one_language_on_screen(lang):
    app = LineFollowerApp(lang, realtime=False, fps=3)
    app.show()
    app.run()
    text = screen_text(app)
    if lang == "en":
        assert not HANGUL.search(text), text
    else:
        assert HANGUL.search(text)
        assert not re.search(r"[A-Za-z]{2,}", text), text
