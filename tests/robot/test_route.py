"""Route planning: the town graph, headings, and planned routes that really deliver."""

import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from youthlab.robot.checker import grade
from youthlab.robot.route import plan, town_graph, turn_to
from youthlab.robot.worlds import WORLDS_DIR, build_world, load_world

SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"
ADDRESSES = [h.address for h in load_world("town").houses]


def test_headings():
    assert turn_to("E", "L") == "N" and turn_to("E", "R") == "S" and turn_to("N", "U") == "S"


def test_graph_links_crossings_and_doors():
    g = town_graph(load_world("town"))
    assert g[(30.0, 30.0)] == {"E": (60.0, 30.0), "N": (30.0, 90.0)}  # corner: a door to the east
    assert set(g[(120.0, 30.0)]) == {"E", "W"}  # a door mark: only along its street
    assert len(g) == 12 + 9


def test_plan_for_the_shipped_letters():
    assert plan(load_world("town")) == ["S", "S", "S", "D", "S", "L", "R", "D", "U", "S", "R", "D"]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=3, unique=True))
def test_planned_routes_deliver_in_the_simulator(letters):
    data = yaml.safe_load((WORLDS_DIR / "town.yaml").read_text(encoding="utf-8"))
    data["letters"] = letters
    world = build_world(data)
    src = (SOLUTIONS / "town_postman.py").read_text(encoding="utf-8")
    src = re.sub(r"ROUTE = \[.*?\]", f"ROUTE = {plan(world)!r}", src, count=1, flags=re.S)
    report = grade(src, world)
    assert report.passed, (letters, report.text("en"))
