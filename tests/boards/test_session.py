"""Session against the real virtual board — directly and through the RFC 2217 bridge."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from youthlab.boards.errors import BoardCodeError, BoardTimeout, BoardUnplugged


def _interrupt_me_after(seconds: float) -> threading.Timer:
    """What Jupyter's ■ button does: SIGINT to the kernel (here: to pytest)."""
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_runs_code_and_keeps_state_between_cells(session):
    assert session.exec("x = 20", on_output=lambda s: None) == ""
    assert session.exec("print(x + 22)", on_output=lambda s: None) == "42\n"
    assert session.eval("[x, 'a', 1.5]") == [20, "a", 1.5]


def test_output_streams_while_the_program_runs(session):
    seen: list[tuple[float, str]] = []
    t0 = time.monotonic()
    session.exec("import time\nprint('first')\ntime.sleep(0.8)\nprint('second')",
                 on_output=lambda s: seen.append((time.monotonic() - t0, s)))
    text = "".join(s for _, s in seen)
    assert text == "first\nsecond\n"
    first_at = next(t for t, s in seen if "first" in s)
    assert first_at < 0.6, seen  # shown before the program ended, not at the end


def test_error_on_the_board_is_a_clear_error(session):
    with pytest.raises(BoardCodeError) as info:
        session.exec("def f():\n    return 1 / 0\nf()", on_output=lambda s: None)
    assert "ZeroDivisionError" in info.value.traceback
    assert "ZeroDivisionError" in info.value.message("en")
    assert session.exec("print('still fine')", on_output=lambda s: None) == "still fine\n"


@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_interrupt_stops_an_infinite_loop_and_board_recovers(session):
    session.exec("counter = 0", on_output=lambda s: None)
    timer = _interrupt_me_after(0.7)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        session.exec("while True: pass", on_output=lambda s: None)
    timer.cancel()
    assert time.monotonic() - t0 < 4
    # The board is usable again and kept the student's variables.
    assert session.exec("print(counter + 1)", on_output=lambda s: None) == "1\n"


@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_timeout_stops_a_runaway_program(session):
    t0 = time.monotonic()
    with pytest.raises(BoardTimeout):
        session.exec("while True: pass", on_output=lambda s: None, timeout=1)
    assert time.monotonic() - t0 < 5
    assert session.eval("2 * 21") == 42


def test_data_channel_lines_are_split_from_prints(session):
    printed: list[str] = []
    session.exec(
        "import json\nfor i in range(5):\n    print('@ylab', json.dumps({'i': i, 'v': i * i}))\n"
        "    print('step', i)",
        on_output=printed.append,
    )
    assert "".join(printed) == "".join(f"step {i}\n" for i in range(5))
    assert [r["v"] for r in session.data.rows] == [0, 1, 4, 9, 16]
    csv = session.data.to_csv()
    assert csv.splitlines()[0] == "_t,i,v" and len(csv.splitlines()) == 6


def test_board_reboot_under_a_program_is_reported(session):
    notes: list[str] = []
    session.notify = notes.append
    session.exec("y = 1", on_output=lambda s: None)
    shown: list[str] = []
    if "://" in session.port:
        # Through a station's bridge the reset's re-enumeration drops the link: the
        # student is told, and the next cell finds the restarted board.
        with pytest.raises(BoardUnplugged):
            session.exec("import machine\nprint('bye')\nmachine.reset()", on_output=shown.append)
    else:
        session.exec("import machine\nprint('bye')\nmachine.reset()", on_output=shown.append)
        assert any("restarted" in n for n in notes)
        assert session.eval("'y' in globals()") is False  # a fresh interpreter
    assert "".join(shown) == "bye\n"  # not the board's reboot banner
    # ESP32 profile: machine.reset() is ESP_RST_SW, which reset_cause() calls SOFT_RESET.
    assert session.eval("__import__('machine').reset_cause()") == 5


def test_every_reset_in_a_row_is_a_restart_not_an_unplug(vboard):
    """A student's program resets the board again and again (a reset button in a loop):
    each time the board's port re-enumerates and the next cell finds it. The kit must
    never look for it at the name its port had before (that name may already belong to
    something else) and so call a restart an unplugged cable."""
    from youthlab.boards.session import Session

    notes: list[str] = []
    s = Session(vboard.port, serial_number=vboard.serial_number, notify=notes.append)
    try:
        for i in range(12):
            s.exec(f"y = {i}", on_output=lambda x: None)
            shown: list[str] = []
            s.exec("import machine\nprint('bye')\nmachine.reset()", on_output=shown.append)
            assert "".join(shown) == "bye\n", i
            assert s.eval("'y' in globals()") is False, i
        assert sum("restarted" in n for n in notes) == 12
    finally:
        s.close()


def test_plain_raw_repl_fallback_when_raw_paste_is_off(session, tmp_path):
    session.transport.use_raw_paste = False  # what mpremote does for boards without it
    assert session.exec("print(sum(range(10)))", on_output=lambda s: None) == "45\n"
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "a.py").write_text("A = 1\n" * 300)
    result = session.deploy(tmp_path / "lab", progress=False)
    assert result.sent == ["a.py"]
    assert session.exec("import a\nprint(a.A)", on_output=lambda s: None) == "1\n"


def test_program_that_disables_ctrl_c_is_still_stopped(session):
    notes: list[str] = []
    session.notify = notes.append
    timer = _interrupt_me_after(0.7)
    t0 = time.monotonic()
    try:
        session.exec("import micropython\nmicropython.kbd_intr(-1)\nwhile True: pass",
                     on_output=lambda s: None)
    except KeyboardInterrupt:
        pass
    timer.cancel()
    assert time.monotonic() - t0 < 15
    assert session.eval("1 + 1") == 2


def test_recovery_ladder_ends_with_replug_advice_then_replug_works(vboard):
    from youthlab.boards.errors import BoardStuck
    from youthlab.boards.session import Session

    notes: list[str] = []
    s = Session(vboard.port, serial_number=vboard.serial_number, notify=notes.append)
    try:
        stubborn = ("while True:\n    try:\n        while True:\n            pass\n"
                    "    except KeyboardInterrupt:\n        pass\n")
        timer = _interrupt_me_after(0.5)
        t0 = time.monotonic()
        with pytest.raises(BoardStuck) as info:
            s.exec(stubborn, on_output=lambda x: None)
        timer.cancel()
        assert time.monotonic() - t0 < 20
        assert "replug" in info.value.hint("en").lower() or "plug" in info.value.hint("en").lower()
        text = "\n".join(notes)
        assert "try 2" in text and "try 3" in text and "soft-resetting" in text
        # The student replugs the board (a new port, same serial number): all good again.
        vboard.unplug()
        vboard.plug()
        assert s.eval("3 * 3") == 9
    finally:
        s.close()
