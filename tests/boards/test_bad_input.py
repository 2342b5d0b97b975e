"""Bad input gives a clear error fast — never a hang."""

from __future__ import annotations

import os
import threading
import time
import tty

import pytest
import serial

from tests.conftest import free_port
from youthlab.boards.errors import BoardInUse, BoardNotFound, BoardUnplugged, NotMicroPython
from youthlab.boards.session import Session


def test_wrong_port(tmp_path):
    t0 = time.monotonic()
    with pytest.raises(BoardNotFound) as info:
        Session(str(tmp_path / "ttyUSB9"), notify=lambda m: None)
    assert "ttyUSB9" in info.value.message("en") and info.value.hint("ko")
    with pytest.raises(BoardNotFound):
        Session(f"rfc2217://127.0.0.1:{free_port()}", notify=lambda m: None)
    assert time.monotonic() - t0 < 10


def test_board_in_use_by_another_kernel_names_the_owner(vboard):
    with Session(vboard.port, owner="student07 (kernel 1)", notify=lambda m: None):
        with pytest.raises(BoardInUse) as info:
            Session(vboard.port, owner="student08", notify=lambda m: None)
        assert "student07" in info.value.message("en")
        assert "student07" in info.value.message("ko")
    # Released on close: the next student gets it.
    Session(vboard.port, notify=lambda m: None).close()


def test_port_held_by_another_program(vboard):
    with serial.Serial(vboard.port, exclusive=True):
        with pytest.raises(BoardInUse) as info:
            Session(vboard.port, notify=lambda m: None)
        assert "another program" in info.value.message("en")


@pytest.fixture
def garbage_port():
    """A serial device that answers everything with noise (not MicroPython)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def noise() -> None:
        while not stop.is_set():
            try:
                os.write(master, b"\xff\x00garbage %d\r\n" % time.monotonic_ns())
                while True:  # swallow what the host sends
                    os.set_blocking(master, False)
                    if not os.read(master, 4096):
                        break
            except BlockingIOError:
                pass
            except OSError:
                return
            time.sleep(0.02)

    worker = threading.Thread(target=noise, daemon=True)
    worker.start()
    yield os.ttyname(slave)
    stop.set()
    worker.join(timeout=2)
    os.close(master)
    os.close(slave)


def test_device_that_is_not_micropython(garbage_port):
    t0 = time.monotonic()
    with pytest.raises(NotMicroPython) as info:
        Session(garbage_port, connect_timeout=2, notify=lambda m: None)
    assert time.monotonic() - t0 < 8
    assert "flash" in info.value.hint("en")


@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_unplug_during_exec_is_reported_then_reconnects_by_serial(vboard):
    notes: list[str] = []
    s = Session(vboard.port, serial_number=vboard.serial_number, notify=notes.append)
    try:
        s.exec("def area(w, h):\n    return w * h", on_output=lambda x: None)
        threading.Timer(0.5, vboard.unplug).start()
        t0 = time.monotonic()
        with pytest.raises(BoardUnplugged):
            s.exec("while True: pass", on_output=lambda x: None)
        assert time.monotonic() - t0 < 3
        assert not s.connected
        # The cable goes back in: a new port name, the same serial number.
        threading.Timer(0.5, vboard.plug).start()
        assert s.eval("area(6, 7)") == 42  # reconnected, and the student's def restored
        assert any("Reconnected" in n for n in notes)
        assert s.port == vboard.port
    finally:
        s.close()


@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_unplug_at_the_station_reaches_the_hub_kernel_and_recovers(vboard):
    from tests.boards.conftest import BridgeProcess

    br = BridgeProcess(vboard.port, serial_number=vboard.serial_number)
    try:
        s = Session(br.url, notify=lambda m: None, reconnect_timeout=15)
        try:
            s.exec("def f():\n    return 5", on_output=lambda x: None)
            threading.Timer(0.5, vboard.unplug).start()
            t0 = time.monotonic()
            with pytest.raises(BoardUnplugged):
                s.exec("while True: pass", on_output=lambda x: None)
            assert time.monotonic() - t0 < 4
            threading.Timer(0.5, vboard.plug).start()
            # The bridge finds the board again by its serial number; the kernel's
            # Session reconnects to the same URL and restores the student's def.
            assert s.eval("f()") == 5
        finally:
            s.close()
    finally:
        br.stop()


def test_closed_session_says_so_and_connect_opens_a_new_one(vboard):
    from youthlab.boards import registry
    from youthlab.boards.errors import BoardError

    s = registry.connect(vboard.port, quiet=True, notify=lambda m: None)
    s.close()
    with pytest.raises(BoardError) as info:
        s.exec("print(1)")
    assert "closed" in info.value.message("en")
    s2 = registry.connect(vboard.port, quiet=True, notify=lambda m: None)
    try:
        assert s2 is not s and s2.eval("1") == 1
    finally:
        registry.disconnect_all()
