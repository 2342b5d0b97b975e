"""``youthlab robot …`` commands."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from youthlab.robot.cli import robot

SOLUTIONS = Path(__file__).resolve().parents[2] / "youthlab" / "robot" / "solutions"


def test_check_json_and_exit_status():
    runner = CliRunner()
    ok = runner.invoke(robot, ["check", str(SOLUTIONS / "town_postman.py"), "--world", "town", "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["passed"] and data["score"] == 100 and data["feedback"]["ko"] and data["feedback"]["en"]
    bad = runner.invoke(robot, ["check", str(SOLUTIONS / "naive_forward.py"), "--world", "line"])
    assert bad.exit_code == 1


def test_run_worlds_track_view(tmp_path):
    runner = CliRunner()
    r = runner.invoke(robot, ["run", str(SOLUTIONS / "line_follower.py"), "--world", "line"])
    assert r.exit_code == 0 and "finish!" in r.output
    r = runner.invoke(robot, ["worlds"])
    assert "town" in r.output and "maze" in r.output
    r = runner.invoke(robot, ["track", "maze", str(tmp_path / "maze.png"), "--scale", "2"])
    assert r.exit_code == 0 and (tmp_path / "maze.png").stat().st_size > 1000
    r = runner.invoke(robot, ["view", str(SOLUTIONS / "line_follower.py"), "--frames", "5", "--speed", "20"])
    assert r.exit_code == 0, r.output


def test_live_view_on_a_virtual_board(tmp_path):
    program = tmp_path / "short.py"
    program.write_text("from robot import Robot\nbot = Robot()\nbot.forward(60, seconds=1)\nprint('ok')\n")
    r = CliRunner().invoke(robot, ["view", str(program), "--world", "town", "--live"])
    assert r.exit_code == 0, r.output
    assert "ok" in r.output


def test_live_view_reports_a_board_pulled_mid_run(tmp_path, monkeypatch, capsys):
    """The cable is pulled 1 s into the program's run: the window closes and the command prints
    the board's ko/en message and hint (exit 2), not a KeyError from the drawing loop."""
    import sys
    import threading

    from youthlab.boards.errors import BoardUnplugged
    from youthlab.cli import main
    from youthlab.robot import runner

    started_virtual = runner.start_virtual
    boards = []
    pulled = threading.Event()

    def start_and_keep(*args, **kwargs):
        boards.append(started_virtual(*args, **kwargs))
        return boards[-1]

    def pull() -> None:
        boards[-1].unplug()
        pulled.set()

    class PulledMidRun(runner.Session):
        def exec(self, *args, on_output=None, **kwargs):
            timers: list[threading.Timer] = []
            seen: list[str] = []

            def output(text: str) -> None:  # the program says it runs: pull the cable 1 s later
                seen.append(text)
                if "go" in "".join(seen) and not timers:
                    timers.append(threading.Timer(1.0, pull))
                    timers[0].start()
                if on_output is not None:
                    on_output(text)

            try:
                return super().exec(*args, on_output=output, **kwargs)
            finally:
                for timer in timers:
                    timer.cancel()

    monkeypatch.setattr(runner, "start_virtual", start_and_keep)
    monkeypatch.setattr(runner, "Session", PulledMidRun)
    program = tmp_path / "long.py"
    program.write_text("from robot import Robot\nbot = Robot()\nprint('go')\nbot.forward(40, seconds=20)\nprint('ok')\n")
    monkeypatch.setattr(sys, "argv", ["youthlab", "robot", "view", str(program), "--world", "town", "--live"])
    with pytest.raises(SystemExit) as exit_:
        main()
    out, err = capsys.readouterr()
    assert pulled.is_set()
    assert exit_.value.code == 2
    lost = BoardUnplugged().message().split("{port}")[0]  # the port's name follows
    assert err.startswith(f"✗ {lost}") and BoardUnplugged().hint() in err
    assert "Traceback" not in out + err and "ok" not in out


def test_live_view_reports_a_board_that_cannot_start(tmp_path, monkeypatch, capsys):
    """No MicroPython on the machine (start_virtual's own error): the message and hint at once,
    no window and no KeyError."""
    import sys
    import time

    from youthlab.boards.errors import VirtualBoardError
    from youthlab.cli import main
    from youthlab.robot import runner

    def no_interpreter(*args, **kwargs):
        raise VirtualBoardError(detail="micropython")

    def no_window(*args, **kwargs):
        raise AssertionError("a window opened for a board that never started")

    monkeypatch.setattr(runner, "start_virtual", no_interpreter)
    monkeypatch.setattr("youthlab.robot.cli.PygameView", no_window)
    program = tmp_path / "short.py"
    program.write_text("print('ok')\n")
    monkeypatch.setattr(sys, "argv", ["youthlab", "robot", "view", str(program), "--world", "town", "--live"])
    t0 = time.monotonic()
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and time.monotonic() - t0 < 10
    assert err.startswith(f"✗ {VirtualBoardError(detail='micropython').message()}")
    assert VirtualBoardError().hint() in err and "Traceback" not in err
