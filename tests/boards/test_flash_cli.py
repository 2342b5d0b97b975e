"""`youthlab flash` in a terminal: list, write (fake ESP32 that boots a virtual board), a
refusal in Korean without a traceback, bench name."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.boards.conftest import start_board, stop_board
from youthlab.boards.flash.fake_rom import FakeEsp32Rom

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")


def setup(tmp: Path, pin_right: bool = True) -> tuple[dict, bytes]:
    image = bytearray(os.urandom(60_000))
    image[0], image[12:14] = 0xE9, b"\0\0"
    image = bytes(image)
    (tmp / "esp32.bin").write_bytes(image)
    sha = hashlib.sha256(image if pin_right else b"other").hexdigest()
    (tmp / "firmware.yaml").write_text(
        "families:\n  esp32:\n    method: esptool\n    chip: esp32\n    offset: 0x1000\n"
        f"    version: '1.24.1'\n    file: esp32.bin\n    sha256: '{sha}'\n    size: {len(image)}\n")
    env = dict(os.environ, YOUTHLAB_FIRMWARE_CATALOG=str(tmp / "firmware.yaml"), YOUTHLAB_FIRMWARE_CACHE=str(tmp))
    env.pop("JUPYTERHUB_API_TOKEN", None)
    return env, image


def run(env: dict, *args: str, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run([YOUTHLAB, "--lang", lang, "flash", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_write_then_board_answers(tmp_path):
    env, image = setup(tmp_path)
    listed = run(env, "list")
    assert listed.returncode == 0 and "esp32" in listed.stdout and "ok" in listed.stdout
    board = start_board(tmp_path, f"cli{os.getpid()}")
    try:
        with FakeEsp32Rom(boot=lambda: board.port) as rom:
            out = run(env, "write", "esp32", "--port", rom.url, "--connect-mode", "no-reset", "--no-stub")
            assert out.returncode == 0, out.stdout + out.stderr
            assert rom.read_flash(0x1000, len(image)) == image
    finally:
        stop_board(board)
    assert "Installed esp32 MicroPython 1.24.1" in out.stdout and "micropython" in out.stdout


def test_refusal_is_korean_and_has_no_traceback(tmp_path):
    env, _ = setup(tmp_path, pin_right=False)
    with FakeEsp32Rom() as rom:
        out = run(env, "write", "esp32", "--port", rom.url, "--connect-mode", "no-reset", "--no-stub", lang="ko")
        assert rom.written == 0
    assert out.returncode != 0
    assert "펌웨어 파일이 고정된 것과 달라요" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_bench_name_persists(tmp_path):
    env, _ = setup(tmp_path)
    env["YOUTHLAB_DATA_DIR"] = str(tmp_path / "data")
    out = run(env, "bench", "name", "E66118604B1F2B2A", "team-3-robot")
    assert out.returncode == 0 and "team-3-robot" in out.stdout
    names = (tmp_path / "data" / "boards" / "names.json").read_text()
    assert '"E66118604B1F2B2A": "team-3-robot"' in names
    bad = run(env, "bench", "name", "X", "no spaces allowed", lang="ko")
    assert bad.returncode != 0 and "Traceback" not in bad.stdout + bad.stderr


def test_bench_deploy_from_the_terminal(tmp_path):
    """`youthlab flash bench list` / `deploy` see this machine's virtual boards, draw the live
    table and write the CSV report."""
    import csv

    env, _ = setup(tmp_path)
    env["YOUTHLAB_DATA_DIR"] = os.environ["YOUTHLAB_DATA_DIR"]  # where the virtual boards register
    boards = [start_board(tmp_path, f"clib{os.getpid() % 10000}-{i}") for i in range(2)]
    try:
        listed = run(env, "bench", "list")
        assert listed.returncode == 0
        for vb in boards:
            assert vb.serial_number in listed.stdout
        club = tmp_path / "club"
        club.mkdir()
        (club / "selftest.py").write_text("print('PASS')\n")
        names = [line.split("\t")[0] for line in listed.stdout.splitlines()
                 if any(vb.serial_number in line for vb in boards)]
        args = ["bench", "deploy", str(club), "--selftest", "selftest.py", "--csv", str(tmp_path / "r.csv")]
        for name in names:
            args += ["--board", name]
        out = run(env, *args)
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        for vb in boards:
            stop_board(vb)
    with open(tmp_path / "r.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["name"] for r in rows) == sorted(names)
    assert all(r["state"] == "ok" and r["selftest"] == "PASS" for r in rows)
    assert "PASS" in out.stdout, (out.stdout, out.stderr, listed.stdout)  # the live table's last frame


def test_an_unknown_flash_method_is_named_with_the_known_ones_in_ko_and_en():
    """A firmware entry naming a method nobody registered says so, not "flashing failed,
    hold BOOT and press EN" (which sends a club member to the board for nothing)."""
    import pytest

    from youthlab.boards.flash.base import method_class
    from youthlab.boards.flash.errors import FlashFailed
    from youthlab.boards.flash.esp import EspFlash

    assert method_class("esptool") is EspFlash
    with pytest.raises(FlashFailed) as unknown:
        method_class("teleport")
    en, ko = unknown.value.message("en"), unknown.value.message("ko")
    assert "'teleport'" in en and all(name in en for name in ("esptool", "uf2", "daplink"))
    assert "'teleport'라는 펌웨어 설치 방법이 없어요" in ko
    assert "firmware.yaml" in unknown.value.hint("en") and "BOOT" not in unknown.value.hint("en")
