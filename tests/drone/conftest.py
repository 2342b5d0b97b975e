"""Fixtures for the drone tests: a private data dir (simulate-first ledger), emulators."""

from __future__ import annotations

import pytest

from tests.conftest import free_port  # noqa: F401  (shared helper)


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YOUTHLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YOUTHLAB_TEACHER_PIN", "43218765")
    return tmp_path / "data"


def udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def emulator():
    """Start a Tello emulator on loopback (5× real time); yields a factory."""
    from youthlab.drone.emulator import TelloEmulator

    started = []

    def make(**options):
        options.setdefault("time_scale", 5.0)
        emu = TelloEmulator(port=0, state_port=udp_port(), **options).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()
