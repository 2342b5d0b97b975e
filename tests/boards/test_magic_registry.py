"""Notebook side: %%board magic, one Session per board per kernel, stations, widgets."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.boards.conftest import BridgeProcess
from youthlab.boards import registry, stations
from youthlab.boards.errors import StationUnknown


@pytest.fixture
def ip():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "youthlab.boards")
    yield shell
    registry.disconnect_all()


def test_board_cell_magic_runs_on_the_virtual_board(ip, capsys):
    ip.run_line_magic("board", "connect virtual:magic")
    first = registry.current()
    ip.run_cell_magic("board", "", "from machine import Pin\nled = Pin(2, Pin.OUT)\nled.on()\nprint('LED', led.value())")
    out = capsys.readouterr().out
    assert "LED 1" in out
    board = registry.virtual_board("magic")
    assert board.simulator.pins[2] == 1
    # The same kernel reconnecting gets the same persistent Session (state kept).
    ip.run_line_magic("board", "connect virtual:magic")
    assert registry.current() is first
    ip.run_cell_magic("board", "", "print(led.value())")
    assert capsys.readouterr().out.strip().endswith("1")


def test_board_cell_magic_shows_board_errors_without_python_traceback(ip, capsys):
    ip.run_line_magic("board", "connect virtual:magic2")
    ip.run_cell_magic("board", "", "x = 1\nundefined_name")
    captured = capsys.readouterr()
    shown = captured.err + captured.out
    # The board's own traceback, with the line of the student's code ...
    assert "NameError" in shown and "line 2" in shown
    # ... and no traceback of the kit's Python code around it.
    assert "youthlab/boards" not in shown and ".py\", line" not in shown
    assert "BoardCodeError" not in shown


def test_station_registry_and_connect_by_station(vboard):
    br = BridgeProcess(vboard.port, station="S7")
    try:
        entry = stations.lookup("S7")
        assert entry["url"].startswith("rfc2217://")
        s = registry.connect("station:S7", quiet=True, notify=lambda m: None)
        assert s.eval("1 + 1") == 2
        assert registry.connect("station:S7", quiet=True) is s
    finally:
        registry.disconnect_all()
        br.stop()
    with pytest.raises(StationUnknown):
        stations.lookup("nope")


def test_widgets_build(vboard):
    from youthlab.boards.session import Session
    from youthlab.boards.widgets import BoardPicker, LivePlot

    picker = BoardPicker()
    assert any(target == "virtual" for _, target in picker.dropdown.options)
    with Session(vboard.port, notify=lambda m: None) as s:
        plot = LivePlot(s)
        s.exec("import json\nfor i in range(3):\n print('@ylab', json.dumps({'light': i}))",
               on_output=lambda x: None)
        assert len(s.data) == 3
        plot.redraw()
        path = plot.save_csv()
        assert path.read_text().startswith("_t,light")
        path.unlink()
