"""The bench flow on 4 virtual boards in parallel: deploy, self-test, report table, CSV;
stable names that survive a new process."""

from __future__ import annotations

import csv
import os

import pytest

from tests.boards.conftest import start_board, stop_board
from youthlab.boards.errors import BoardError
from youthlab.boards.flash.bench import Bench, BenchBoard, deploy_and_check, export_csv
from youthlab.boards.flash.names import BoardNames
from youthlab.boards.flash.views import html_table, rich_table


@pytest.fixture
def four_boards(tmp_path):
    boards = []
    try:
        for i in range(4):
            boards.append(start_board(tmp_path, f"bench{os.getpid() % 10000}-{i}"))
        yield boards
    finally:
        for vb in boards:
            stop_board(vb)


def test_deploy_selftest_report_on_four_boards_in_parallel(tmp_path, four_boards):
    club = tmp_path / "club"
    club.mkdir()
    (club / "main.py").write_text("print('club code')\n")
    (club / "robot.py").write_text("SPEED = 3\n" + "# padding\n" * 200)
    (club / "selftest.py").write_text(
        "import robot\nassert robot.SPEED == 3\nimport os\n"
        "print('PASS' if 'robot.py' in os.listdir() else 'FAIL robot.py missing')\n")
    names = BoardNames(tmp_path / "names.json")
    boards = [BenchBoard(names.name_for(vb.serial_number, f"virtual-{i}"), vb.port, vb.serial_number)
              for i, vb in enumerate(four_boards)]
    names.rename(four_boards[2].serial_number, "team-3-robot")
    boards[2].name = BoardNames(tmp_path / "names.json").name_for(four_boards[2].serial_number, "x")
    assert boards[2].name == "team-3-robot"

    seen: list[list] = []
    bench = Bench(boards, on_change=seen.append)
    rows = bench.run(deploy_and_check(club, "selftest.py"))

    assert [r.state for r in rows] == ["ok"] * 4, [r.detail for r in rows]
    for vb in four_boards:
        assert (vb.fs_dir / "robot.py").read_text().startswith("SPEED = 3")
    for row in rows:
        assert row.selftest == "PASS" and row.firmware.startswith("micropython ")
        assert row.free_ram > 0 and row.free_flash > 0
    # the four ran at the same time: every board started before any finished
    assert max(r.started for r in rows) < min(r.finished for r in rows)
    assert any(r.state == "running" for update in seen for r in update)  # live status
    table = html_table(rows)
    assert "team-3-robot" in table and table.count("<tr") == 5
    assert rich_table(rows).row_count == 4

    out = export_csv(rows, tmp_path / "report.csv")
    with open(out, encoding="utf-8-sig") as f:
        report = list(csv.DictReader(f))
    assert [r["name"] for r in report] == [b.name for b in boards]
    assert all(r["selftest"] == "PASS" and int(r["free_ram"]) > 0 for r in report)


def test_failing_selftest_is_that_boards_row(tmp_path, four_boards):
    club = tmp_path / "club"
    club.mkdir()
    (club / "selftest.py").write_text("import os\nprint('FAIL motor' if os.getenv('X') is None else 'PASS')\n")
    boards = [BenchBoard(f"b{i}", vb.port, vb.serial_number) for i, vb in enumerate(four_boards)]
    bench = Bench(boards)
    rows = bench.run(deploy_and_check(club, "selftest.py"), select=["b0", "b1"])
    assert [r.state for r in rows] == ["failed", "failed", "waiting", "waiting"]
    assert rows[0].selftest == "FAIL" and "FAIL motor" in rows[0].detail


def test_names_are_stable_unique_and_checked(tmp_path):
    names = BoardNames(tmp_path / "n" / "names.json")
    assert names.name_for("ABC123", "esp32-c123") == "esp32-c123"
    assert names.name_for("XYZ999", "esp32-c123") == "esp32-c123-2"
    names.rename("ABC123", "team-3-robot")
    again = BoardNames(tmp_path / "n" / "names.json")
    assert again.name_for("ABC123", "whatever") == "team-3-robot"
    with pytest.raises(BoardError):
        again.rename("XYZ999", "team-3-robot")
    with pytest.raises(BoardError):
        again.rename("XYZ999", "../etc/passwd")
    assert not list((tmp_path / "n").glob(".names-*"))  # no temp file left behind


def test_bench_flashes_three_esp32_in_parallel(tmp_path, four_boards):
    """Three fake ESP32s flashed at once through the bench: each gets the image byte for
    byte, each row follows its own board's progress, and each ends answering as MicroPython."""
    import hashlib

    from youthlab.boards.flash.bench import flash_job
    from youthlab.boards.flash.esp import EspFlash
    from youthlab.boards.flash.fake_rom import FakeEsp32Rom

    image = bytearray(os.urandom(120_000))
    image[0], image[12:14] = 0xE9, b"\0\0"
    image = bytes(image)
    (tmp_path / "esp32.bin").write_bytes(image)
    catalog = tmp_path / "firmware.yaml"
    catalog.write_text("families:\n  esp32:\n    method: esptool\n    chip: esp32\n    offset: 0x1000\n"
                       f"    version: '1.24.1'\n    file: esp32.bin\n"
                       f"    sha256: '{hashlib.sha256(image).hexdigest()}'\n    size: {len(image)}\n")
    roms = [FakeEsp32Rom(boot=lambda vb=vb: vb.port).start() for vb in four_boards[:3]]
    try:
        boards = [BenchBoard(f"esp-{i}", rom.url, f"ESP{i}") for i, rom in enumerate(roms)]
        percents: dict[str, set] = {b.name: set() for b in boards}

        def watch(rows):
            for r in rows:
                if r.step == "write":
                    percents[r.name].add(r.percent)

        method = EspFlash(connect_mode="no-reset", stub=False, connect_attempts=1)
        rows = Bench(boards, on_change=watch).run(
            flash_job("esp32", catalog=catalog, cache=tmp_path, method=method))
        assert [r.state for r in rows] == ["ok"] * 3, [r.detail for r in rows]
        for rom in roms:
            assert rom.read_flash(0x1000, len(image)) == image
        for r in rows:
            assert r.firmware.startswith("micropython ")
            assert len(percents[r.name]) > 3 and max(percents[r.name]) == 100  # its own live progress
        assert max(r.started for r in rows) < min(r.finished for r in rows)
    finally:
        for rom in roms:
            rom.stop()
