"""Widget-only panels for the touch kiosks (Voila): no code, big buttons, ko/en labels.

``pilot_panel()`` — fly the simulator with buttons (lab 10).
``delivery_panel()`` — plan the island crossing with sliders and watch it fly (lab 11).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display

from youthlab.drone import views
from youthlab.drone.api import Drone
from youthlab.drone.checker import check_function
from youthlab.drone.missions import Mission, get_mission
from youthlab.errors import YouthLabError
from youthlab.i18n import current_language, t


def _button(key: str, style: str = "", width: str = "9em") -> W.Button:
    return W.Button(description=t(key), button_style=style,
                    layout=W.Layout(width=width, height="3.2em"))


def pilot_panel(mission: str = "hall") -> W.Widget:
    """Fly the simulated drone with buttons; a map of the path updates after each move."""
    state: dict[str, Any] = {"drone": Drone(mission=mission)}
    status = W.HTML()
    plot = W.Output()

    def show(message: str = "") -> None:
        d = state["drone"]
        x, y, z = d.position
        events = "<br>".join(f"⚠ {e.message()}" for e in d.events[-2:])
        status.value = (f"<div style='font-size:1.3em'>📍 x={x} y={y} cm · ⬆ {z} cm · "
                        f"🔋 {d.battery}%</div><div style='color:#b00'>{message}<br>{events}</div>")
        with plot:
            plot.clear_output(wait=True)
            fig = views.island_map(d, mission=mission, real=False) if mission != "hall" \
                else views.path_3d(d)
            display(fig)
            plt.close(fig)

    def act(fn):
        def handler(_button: W.Button) -> None:
            try:
                fn(state["drone"])
                show()
            except YouthLabError as exc:
                show(exc.message())
        return handler

    def reset(_b: W.Button) -> None:
        state["drone"].close()
        state["drone"] = Drone(mission=mission)
        show()

    moves = [("drone.kiosk.takeoff", lambda d: d.takeoff(), "success"),
             ("drone.kiosk.forward", lambda d: d.forward(50), ""),
             ("drone.kiosk.back", lambda d: d.back(50), ""),
             ("drone.kiosk.left", lambda d: d.left(50), ""),
             ("drone.kiosk.right", lambda d: d.right(50), ""),
             ("drone.kiosk.up", lambda d: d.up(30), ""),
             ("drone.kiosk.down", lambda d: d.down(30), ""),
             ("drone.kiosk.turn", lambda d: d.rotate(90), ""),
             ("drone.kiosk.land", lambda d: d.land(), "info")]
    buttons = []
    for key, fn, style in moves:
        b = _button(key, style)
        b.on_click(act(fn))
        buttons.append(b)
    stop = _button("drone.kiosk.emergency", "danger", "12em")
    stop.on_click(act(lambda d: d.emergency()))
    again = _button("drone.kiosk.reset", "warning", "12em")
    again.on_click(reset)
    panel = W.VBox([W.HTML(f"<h2>{t('drone.kiosk.pilot_title')}</h2>"),
                    W.HBox(buttons[:5]), W.HBox(buttons[5:] + [stop, again]), status, plot])
    panel.buttons = {key.split(".")[-1]: b for (key, _, _), b in zip(moves, buttons)}
    panel.buttons.update(emergency=stop, reset=again)
    panel.state = state
    show()
    return panel


def delivery_panel() -> W.Widget:
    """Pick a detour point and a speed, press fly, see the route, the score and why."""
    spec = get_mission("island")
    rock = spec.no_fly[0]
    via_x = W.IntSlider(value=int(rock.x), min=0, max=300, step=5, description="x (N)")
    via_y = W.IntSlider(value=int(rock.y), min=-50, max=300, step=5, description="y (W)")
    speed = W.IntSlider(value=40, min=10, max=100, step=10, description="cm/s")
    fly = _button("drone.kiosk.fly", "success", "12em")
    out = W.Output()

    def run(_b: W.Button | None = None) -> None:
        m = Mission(speed=speed.value)
        m.add(via_x.value, via_y.value, spec.cruise_height_cm)
        m.add(*spec.target, 60, drop=True)
        result = check_function(m.fly, spec)
        with out:
            out.clear_output(wait=True)
            fig = views.island_map(result.record, spec)
            display(fig)
            plt.close(fig)
            print(result.feedback())
        panel.result = result

    fly.on_click(run)
    panel = W.VBox([W.HTML(f"<h2>{spec.title[current_language()]}</h2><p>{t('drone.kiosk.delivery_help')}</p>"),
                    via_x, via_y, speed, fly, out])
    panel.fly = run
    panel.sliders = (via_x, via_y, speed)
    panel.result = None
    return panel
