"""One-line helpers for the robot lab notebooks (and their kiosk versions).

    from youthlab.robot import lab
    lab.show_world("town")                     # the map, with addresses
    result = lab.simulate("postman.py", "town")  # fast run + player + score
    lab.on_virtual_board("postman.py", "town")   # the same file on real MicroPython, live
    lab.to_robot("postman.py", "/dev/ttyACM0")   # …and onto the robot at your station
"""

from __future__ import annotations

import os
from typing import Any

from youthlab.boards.session import Session
from youthlab.robot.checker import Report, check
from youthlab.robot.deploy import deploy
from youthlab.robot.runner import RunResult, run_fast, run_virtual
from youthlab.robot.views import RobotView, _encode, result_frames
from youthlab.robot.worlds import World, load_world


def _display(*objs: Any) -> None:
    try:
        from IPython.display import display
    except ImportError:  # plain Python: print what can be printed
        for o in objs:
            print(o)
        return
    display(*objs)


def show_world(world: str | World = "town", lang: str | None = None) -> None:
    """Draw the map (houses with their addresses)."""
    import matplotlib.pyplot as plt

    from youthlab.plotting import use_korean_font

    use_korean_font()
    w = load_world(world) if isinstance(world, str) else world
    fig, ax = plt.subplots(figsize=(7, 7 * w.height / w.width))
    ax.imshow(w.image(1), extent=(0, w.width, 0, w.height))
    for h in w.houses:
        x0, y0, x1, y1 = h.box
        ax.annotate(f"{h.address}\n{h.en}", ((x0 + x1) / 2, (y0 + y1) / 2), ha="center", va="center",
                    fontsize=6, color="black", bbox={"boxstyle": "round", "fc": "white", "alpha": 0.8})
    x, y, _ = w.start
    ax.plot([x], [y], ">", color="#005ac8", ms=10)
    ax.set_title(f"{w.title.get('ko', w.name)} · {w.title.get('en', w.name)}")
    ax.set_xlabel("x (cm)")
    ax.set_ylabel("y (cm)")
    plt.show()


def player(result: RunResult, every: float = 0.5, fps: int = 8, scale: float = 1.5):
    """A widget that replays a run: ▶ button, time slider, top-down picture."""
    import ipywidgets as widgets

    frames = [_encode(img) for img in result_frames(result, every=every, scale=scale)]
    image = widgets.Image(value=frames[-1], format="jpeg")
    play = widgets.Play(value=len(frames) - 1, min=0, max=len(frames) - 1, interval=int(1000 / fps))
    slider = widgets.IntSlider(value=len(frames) - 1, min=0, max=len(frames) - 1, readout=False)
    widgets.jslink((play, "value"), (slider, "value"))
    slider.observe(lambda ch: setattr(image, "value", frames[ch["new"]]), names="value")
    return widgets.VBox([widgets.HBox([play, slider]), image])


def simulate(program: str | os.PathLike, world: str | World = "line", *, show: bool = True,
             **kw: Any) -> RunResult:
    """Run a robot program in the fast simulator, show the replay and the score.

    The program runs to its end (or the time limit), not only until the task is done,
    so students see everything it prints.
    """
    kw.setdefault("stop_when_done", False)
    result = run_fast(program, world, **kw)
    if result.output:
        print(result.output, end="")
    if result.error:
        print(result.error)
    if show:
        try:
            _display(player(result))
        except ImportError:
            pass
        _display(check(result))
    return result


def score(program: str | os.PathLike, world: str | World = "line", **kw: Any) -> Report:
    """The checker's report for a program (what the autograder uses)."""
    return check(run_fast(program, world, **kw))


def on_virtual_board(program: str | os.PathLike, world: str | World = "line", seconds: float = 20,
                     **kw: Any) -> RunResult:
    """Run the same file on a virtual MicroPython board, watching the robot live."""
    w = load_world(world) if isinstance(world, str) else world
    view = RobotView(w, scale=1.5)
    _display(view)
    kw.setdefault("echo", lambda s: print(s, end=""))  # the board's output as it comes
    try:
        result = run_virtual(program, w, seconds=seconds, on_start=view.follow, **kw)
    finally:
        view.stop()
    if result.error:
        print(result.error)
    _display(check(result))
    return result


def to_robot(program: str | os.PathLike, port: str, kit: str | None = None, run: bool = True) -> Any:
    """Copy the program (as main.py) and the robot library to the robot at ``port``."""
    with Session(port) as session:
        result, _ = deploy(program, session, kit, run=run, on_output=lambda s: print(s, end=""))
    print(result.summary())
    return result
