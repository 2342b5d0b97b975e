"""Widget-only panels for the touch kiosks (Voila): no code, big buttons, ko/en labels.

``line_panel()``    — tune a line follower with two sliders and watch it drive (lab 30).
``postman_panel()`` — build the delivery route with arrow buttons and run it (lab 31).

Both build a real robot program from the visitor's choices and run it in the fast
simulator, exactly as a student's file would be run.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as W
from IPython.display import display

from youthlab.paths import PACKAGE_DIR
from youthlab.robot.checker import check
from youthlab.robot.lab import player
from youthlab.robot.runner import run_fast
from youthlab.robot.worlds import load_world

SOLUTIONS = PACKAGE_DIR / "robot" / "solutions"

LINE_PROGRAM = """
from robot import Robot
bot = Robot()
last = "left"
while True:
    left, centre, right = bot.line()
    if left and centre and right:
        bot.stop()
        break
    if left and not right:
        bot.drive({speed} - {steer}, {speed})
        last = "left"
    elif right and not left:
        bot.drive({speed}, {speed} - {steer})
        last = "right"
    elif centre:
        bot.drive({speed}, {speed})
    elif last == "left":
        bot.drive(-30, 40)
    else:
        bot.drive(40, -30)
    bot.wait(0.01)
"""


def _big(label: str, style: str = "", width: str = "5em") -> W.Button:
    return W.Button(description=label, button_style=style, layout=W.Layout(width=width, height="3.2em"))


def _result_box(out: W.Output, result: Any) -> Any:
    import html

    report = check(result)

    def block(lang: str) -> str:
        return "<br>".join(html.escape(line) for line in report.text(lang).splitlines())

    with out:
        out.clear_output()
        display(player(result, scale=1.2))
        display(W.HTML(f"<div style='font-size:1.3em'>{block('ko')}</div>"
                       f"<div style='font-size:1.1em;color:#555'>{block('en')}</div>"))
    return report


def line_panel() -> W.Widget:
    """Two sliders (speed, steering) → a line follower → a replay and the score."""
    speed = W.IntSlider(value=55, min=20, max=100, step=5, description="속도 · speed",
                        style={"description_width": "8em"}, layout=W.Layout(width="30em"))
    steer = W.IntSlider(value=50, min=0, max=100, step=5, description="꺾기 · steering",
                        style={"description_width": "8em"}, layout=W.Layout(width="30em"))
    go = _big("▶ 출발 · Go", "success", "12em")
    out = W.Output()

    def run(_: Any = None) -> Any:
        program = LINE_PROGRAM.format(speed=speed.value, steer=steer.value)
        return _result_box(out, run_fast(program, "line"))

    go.on_click(run)
    title = W.HTML("<h2>🤖 선 따라가기 · Line follower</h2>"
                   "<p>속도와 꺾는 세기를 골라 보세요. 가장 빨리 도착하는 조합은? 너무 느리면 60초 안에 못 가요!<br>"
                   "Pick the speed and how hard to steer. Which is fastest? Too slow and you miss the 60 s limit!</p>")
    panel = W.VBox([title, speed, steer, go, out])
    panel.sliders = (speed, steer)
    panel.run = run
    return panel


def postman_panel() -> W.Widget:
    """Arrow buttons build ROUTE; ▶ runs the sample postman program with it."""
    town = load_world("town")
    template = (SOLUTIONS / "town_postman.py").read_text(encoding="utf-8")
    route: list[str] = []
    shown = W.HTML()
    out = W.Output()
    labels = {"S": "⬆ 곧장 · S", "L": "⬅ 왼쪽 · L", "R": "➡ 오른쪽 · R", "U": "↩ 뒤로 · U", "D": "✉ 배달 · D"}

    def refresh() -> None:
        shown.value = ("<div style='font-size:1.4em'>ROUTE = " + (" ".join(route) or "…") + "</div>")

    def add(step: str) -> Any:
        def click(_: Any) -> None:
            if len(route) < 40:
                route.append(step)
                refresh()
        return click

    buttons = []
    for step, label in labels.items():
        b = _big(label, "info", "8em")
        b.on_click(add(step))
        buttons.append(b)
    undo, clear, go = _big("⌫", "warning"), _big("🗑", "danger"), _big("▶ 출발 · Go", "success", "12em")

    def do_undo(_: Any) -> None:
        if route:
            route.pop()
            refresh()

    def do_clear(_: Any) -> None:
        route.clear()
        refresh()

    def run(_: Any = None) -> Any:
        program = re.sub(r"ROUTE = \[.*?\]", f"ROUTE = {route!r}", template, count=1, flags=re.S)
        return _result_box(out, run_fast(program, town))

    undo.on_click(do_undo)
    clear.on_click(do_clear)
    go.on_click(run)
    letters = " → ".join(f"{a} ({town.house(a).en})" for a in town.letters)
    title = W.HTML("<h2>✉ 로봇 집배원 · Robot postman</h2>"
                   f"<p>편지 · letters: <b>{letters}</b><br>"
                   "점(교차로, 집 앞 표시)마다 할 일을 순서대로 눌러요. Press what to do at each node, in order.</p>")
    picture = W.Image(value=_map_png(town), format="png", layout=W.Layout(width="36em"))
    refresh()
    panel = W.VBox([title, picture, W.HBox(buttons), W.HBox([undo, clear, go]), shown, out])
    panel.route = route  # for tests and for a teacher's demo
    panel.run = run
    return panel


def _map_png(world: Any) -> bytes:
    import io

    from PIL import ImageDraw

    from youthlab.robot.views import _font

    img = world.image(2)
    d = ImageDraw.Draw(img)
    font = _font(14)
    for h in world.houses:
        x0, y0, x1, y1 = h.box
        cx, cy = world.px((x0 + x1) / 2, (y0 + y1) / 2)
        d.text((cx * 2, cy * 2), h.address, fill=(0, 0, 0), font=font, anchor="mm",
               stroke_width=2, stroke_fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
