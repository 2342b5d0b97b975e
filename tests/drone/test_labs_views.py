"""The drone labs run top to bottom; nbgrader markup is sound; views and kiosk panels work."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import nbformat
import pytest
from nbclient import NotebookClient

from youthlab.drone import views
from youthlab.drone.program import run_program
from youthlab.paths import labs_dir

matplotlib.use("Agg")

LABS = [labs_dir() / "10-first-flight" / "first-flight.ipynb",
        labs_dir() / "11-island-delivery" / "island-delivery.ipynb"]
KIOSKS = [p.with_name("kiosk.ipynb") for p in LABS]


@pytest.mark.parametrize("path", LABS + KIOSKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_top_to_bottom(path: Path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3", shutdown_kernel="immediate",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.parent.name)
def test_nbgrader_markup(path: Path):
    nb = nbformat.read(path, as_version=4)
    meta = [c.metadata.get("nbgrader") for c in nb.cells if "nbgrader" in c.metadata]
    ids = [m["grade_id"] for m in meta]
    assert len(ids) == len(set(ids)) and all(m["schema_version"] == 3 for m in meta)
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    grades = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert solutions and grades
    assert all("### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source for c in solutions)
    assert all(c.metadata["nbgrader"]["points"] > 0 and c.metadata["nbgrader"]["locked"] for c in grades)
    # bilingual, Korean first
    first = nb.cells[0].source
    assert any("\uac00" <= ch <= "\ud7a3" for ch in first.split("\n")[0])


def test_views_draw_a_flight():
    record = run_program("""
from drone import Drone
d = Drone()
d.takeoff()
d.go_to(180, 125, 100, 50)
d.go_to(305, 300, 60, 50)
d.drop()
d.go_to(0, 0, 100, 50)
d.land()
""", mission="island", watchdog=False)
    for fig in (views.path_3d(record), views.island_map(record), views.island_map(record, real=False),
                views.battery_and_wind(record)):
        assert fig.axes
    import matplotlib.pyplot as plt

    plt.close("all")


def test_kiosk_panels_fly_without_code():
    from youthlab.drone.kiosk import delivery_panel, pilot_panel

    p = pilot_panel()
    for name in ("takeoff", "forward", "turn", "forward", "land"):
        p.buttons[name].click()
    assert p.state["drone"].position[:2] == pytest.approx((50, -50), abs=5)
    p.buttons["takeoff"].click()
    p.buttons["emergency"].click()
    assert "⚠" in p.children[3].value
    p.buttons["reset"].click()
    assert p.state["drone"].events == []
    d = delivery_panel()
    d.fly()
    straight = d.result.score
    d.sliders[0].value, d.sliders[1].value = 180, 125
    d.fly()
    assert d.result.passed and d.result.score > straight
