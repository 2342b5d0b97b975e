"""ESP32 flashing end to end without hardware: our path (esptool 5's Python API) against a
fake ESP32 ROM bootloader on socket://, read back byte for byte; refusals; a pulled cable."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from tests.boards.conftest import start_board, stop_board
from youthlab.boards.flash import flash_board
from youthlab.boards.flash.errors import (
    FirmwareChecksum,
    FirmwareMissing,
    FirmwareUnpinned,
    FlashInterrupted,
    WrongChip,
)
from youthlab.boards.flash.esp import EspFlash
from youthlab.boards.flash.fake_rom import FakeEsp32Rom
from youthlab.boards.flash.views import FlashProgress


def esp_image(size: int, chip_id: int = 0) -> bytes:
    """An ESP app image as far as the checks go: magic 0xE9, chip id in the extended header."""
    data = bytearray(os.urandom(size))
    data[0] = 0xE9
    data[12:14] = chip_id.to_bytes(2, "little")
    return bytes(data)


def write_catalog(tmp: Path, family: str, chip: str, data: bytes, *, sha: str | None = "auto",
                  offset: int = 0x1000) -> tuple[Path, Path]:
    cache = tmp / "cache"
    cache.mkdir(exist_ok=True)
    name = f"{family}.bin"
    (cache / name).write_bytes(data)
    pin = hashlib.sha256(data).hexdigest() if sha == "auto" else sha
    catalog = tmp / "firmware.yaml"
    catalog.write_text(
        f"families:\n  {family}:\n    method: esptool\n    chip: {chip}\n    offset: {offset:#x}\n"
        f"    version: '1.24.1'\n    file: {name}\n    sha256: {repr(pin) if pin else 'null'}\n    size: {len(data)}\n")
    return catalog, cache


def rom_method() -> EspFlash:
    # A socket link cannot pulse DTR/RTS and the fake runs no stub: ROM-only, as with
    # `esptool --before no-reset --no-stub`.
    return EspFlash(connect_mode="no-reset", stub=False, connect_attempts=1)


def test_flash_reads_back_identical_and_board_answers(tmp_path):
    image = esp_image(200_000)
    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", image)
    board = start_board(tmp_path, f"esp{os.getpid()}")
    stages = []
    widget = FlashProgress()  # what a notebook shows

    def progress(stage: str, done: int, total: int) -> None:
        stages.append((stage, done, total))
        widget(stage, done, total)

    try:
        with FakeEsp32Rom(boot=lambda: board.port) as rom:
            result = flash_board("esp32", rom.url, catalog=catalog, cache=cache, method=rom_method(),
                                 progress=progress, check_role=False)
            assert rom.read_flash(0x1000, len(image)) == image
            assert rom.read_flash(0x1000 + len(image), 16) == b"\xff" * 16  # nothing past the image
    finally:
        stop_board(board)
    writes = [(d, t) for s, d, t in stages if s == "write"]
    assert writes and writes[-1][0] == writes[-1][1] and len(writes) > 5  # live progress to 100 %
    assert [s for s, _, _ in stages][-2:] == ["identify", "done"]
    assert result.board["implementation"][0] == "micropython"
    assert result.board["uname"]["sysname"]  # os.uname() came back from the board
    assert widget.bar.value == 100 and widget.label.value == "done"


def test_wrong_chip_on_the_board_is_refused_before_writing(tmp_path):
    image = esp_image(50_000, chip_id=9)  # an ESP32-S3 image
    catalog, cache = write_catalog(tmp_path, "esp32s3", "esp32s3", image, offset=0)
    with FakeEsp32Rom() as rom:  # the board is an ESP32
        with pytest.raises(WrongChip) as err:
            flash_board("esp32s3", rom.url, catalog=catalog, cache=cache, method=rom_method(),
                        check_role=False)
        assert rom.written == 0 and rom.read_flash(0, 1 << 20) == b"\xff" * (1 << 20)
    assert "ESP32-S3" in err.value.message("en") and "ESP32" in err.value.message("ko")


def test_image_for_another_chip_is_refused_without_connecting(tmp_path):
    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", esp_image(10_000, chip_id=5))  # C3 image
    with pytest.raises(WrongChip) as err:
        flash_board("esp32", "socket://127.0.0.1:9", catalog=catalog, cache=cache, method=rom_method(),
                    check_role=False)
    assert "ESP32-C3" in err.value.message("en")


def test_wrong_sha256_is_refused(tmp_path):
    image = esp_image(20_000)
    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", image, sha="0" * 64)
    with FakeEsp32Rom() as rom:
        with pytest.raises(FirmwareChecksum) as err:
            flash_board("esp32", rom.url, catalog=catalog, cache=cache, method=rom_method(), check_role=False)
        assert rom.written == 0
    assert "0" * 64 in err.value.message("en") and hashlib.sha256(image).hexdigest() in err.value.message("en")


def test_unpinned_and_missing_files_say_what_to_do(tmp_path):
    image = esp_image(1000)
    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", image, sha=None)
    with pytest.raises(FirmwareUnpinned) as err:
        flash_board("esp32", "socket://127.0.0.1:9", catalog=catalog, cache=cache, check_role=False)
    assert hashlib.sha256(image).hexdigest() in err.value.message("en")
    (cache / "esp32.bin").unlink()
    with pytest.raises(FirmwareMissing) as err:
        flash_board("esp32", "socket://127.0.0.1:9", catalog=catalog, cache=cache, check_role=False)
    text = err.value.user_text("en")
    assert str(cache) in text and "esp32.bin" in text and "youthlab flash fetch esp32" in text
    assert "esp32.bin" in err.value.user_text("ko")


def test_port_going_away_mid_write_is_an_error_not_success(tmp_path):
    image = esp_image(200_000)
    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", image)
    stages = []
    started = time.monotonic()
    with FakeEsp32Rom(drop_after_bytes=64_000) as rom:
        with pytest.raises(FlashInterrupted) as err:
            flash_board("esp32", rom.url, catalog=catalog, cache=cache, method=rom_method(),
                        progress=lambda s, d, t: stages.append(s), check_role=False)
    assert "done" not in stages and "identify" not in stages
    assert "NOT installed" in err.value.message("en") and "write" in err.value.message("en")
    assert time.monotonic() - started < 60


def test_with_esptools_stub_and_read_back_by_esptool_itself(tmp_path):
    """esptool's defaults (flasher stub, compressed, MD5-checked); then esptool's own
    ``read-flash`` (a client that is not ours) reads the board back."""
    import subprocess
    import sys

    image = esp_image(100_000)
    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", image)
    with FakeEsp32Rom() as rom:
        flash_board("esp32", rom.url, catalog=catalog, cache=cache, verify=False, check_role=False,
                    method=EspFlash(connect_mode="no-reset", connect_attempts=1, erase=True))
        back = tmp_path / "back.bin"
        proc = subprocess.run([sys.executable, "-m", "esptool", "--port", rom.url, "--before", "no-reset",
                               "--after", "no-reset", "read-flash", "0x1000", str(len(image)), str(back)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert back.read_bytes() == image


def test_board_that_does_not_answer_after_flash(tmp_path):
    from youthlab.boards.flash.errors import NoAnswer

    image = esp_image(20_000)
    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", image)
    with FakeEsp32Rom() as rom:  # no MicroPython behind it: the "board" keeps talking ROM
        with pytest.raises(NoAnswer) as err:
            flash_board("esp32", rom.url, catalog=catalog, cache=cache, method=rom_method(), check_role=False,
                        answer_timeout=3)
        assert rom.read_flash(0x1000, len(image)) == image
    assert "written and verified" in err.value.message("en") and "RESET" in err.value.hint("ko")


def test_no_board_at_the_port(tmp_path):
    from tests.conftest import free_port
    from youthlab.boards.flash.errors import PortUnavailable

    catalog, cache = write_catalog(tmp_path, "esp32", "esp32", esp_image(1000))
    with pytest.raises(PortUnavailable) as err:
        flash_board("esp32", f"socket://127.0.0.1:{free_port()}", catalog=catalog, cache=cache,
                    method=rom_method(), check_role=False)
    assert "youthlab flash bench list" in err.value.hint("en") and "Thonny" in err.value.hint("ko")
