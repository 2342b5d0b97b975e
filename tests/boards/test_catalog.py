"""The board catalog names boards by USB VID:PID; discovery lists virtual boards too."""

from __future__ import annotations

from youthlab.boards.discover import catalog, find_port, identify, list_boards


def test_catalog_knows_the_hall_boards():
    chips = {entry["chip"] for entry in catalog()}
    assert {"RP2040", "ESP32", "nRF52833"} <= chips
    assert identify(0x2E8A, 0x0005)["chip"] == "RP2040"  # Raspberry Pi Pico, MicroPython
    assert identify(0x10C4, 0xEA60)["reset"] == "dtr_rts"  # ESP32 DevKit (CP210x)
    assert "micro:bit" in identify(0x0D28, 0x0204)["name"]
    assert identify(0x239A, 0x8120) is not None  # vendor wildcard
    assert identify(0x1234, 0x5678) is None
    assert identify(None, None) is None


def test_running_virtual_board_is_listed_and_found_by_serial(vboard):
    boards = {b.serial_number: b for b in list_boards()}
    assert vboard.serial_number in boards
    assert boards[vboard.serial_number].port == vboard.port
    assert find_port(vboard.serial_number) == vboard.port
    vboard.unplug()
    assert find_port(vboard.serial_number) is None
