"""Views: frames, the pygame hall screen (dummy SDL driver), notebook animation/widget."""

import os
from pathlib import Path

import pytest

from youthlab.robot import views
from youthlab.robot.runner import run_fast

SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"


@pytest.fixture(scope="module")
def town_run():
    return run_fast(SOLUTIONS / "town_postman.py", "town")


def test_frame_shows_robot_trail_and_letters(town_run):
    img = views.frame(town_run.world, town_run.trace[-1], town_run.trace, scale=1,
                      deliveries=[d for _, d in town_run.sim.deliveries()])
    assert img.size == (town_run.world.cols, town_run.world.rows)
    pose = town_run.trace[-1]
    cx, cy = town_run.world.px(pose.x, pose.y)
    assert img.getpixel((cx + 3, cy + 3)) == views.ROBOT_COLOUR
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert views.TRAIL_COLOUR in colours and (255, 215, 0) in colours  # path and delivered letters


def test_pygame_view_renders_with_the_dummy_driver(town_run):
    assert os.environ.get("SDL_VIDEODRIVER") == "dummy"
    pv = views.PygameView(town_run.world, scale=1.0)
    try:
        surf = pv.draw(town_run.trace[100], town_run.trace[:100])
        pose = town_run.trace[100]
        cx, cy = town_run.world.px(pose.x, pose.y)
        assert tuple(surf.get_at((cx + 3, cy + 3)))[:3] == views.ROBOT_COLOUR
        short = type(town_run)(**{**town_run.__dict__, "trace": town_run.trace[:60]})
        assert pv.replay(short, speed=10, fps=200, hold=0) >= 3
    finally:
        pv.close()


def test_notebook_animation_and_widget(town_run):
    html = views.animation(town_run, every=10).to_jshtml()
    assert "<img" in html or "data:image" in html
    view = views.RobotView(town_run.world, scale=1)
    first = view.image.value
    view.show(town_run.trace[-1], town_run.trace)
    assert view.image.value[:2] == b"\xff\xd8" and view.image.value != first  # a new JPEG


def test_sensor_plot_and_history(town_run):
    h = views.sensor_history(town_run)
    assert len(h["t"]) == len(town_run.trace)
    assert h["centre"][0] == 1 and set(h["left"]) == {0, 1}
    fig = views.plot_sensors(town_run)
    assert len(fig.axes) == 2
    ax = views.plot_run(town_run)
    assert ax.get_title()
