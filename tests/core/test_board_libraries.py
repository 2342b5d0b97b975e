"""The board libraries have one source (hardware/micropython): a deploy brings what the
folder needs to a real (virtual) board, and a lab carries no copy of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.boards.conftest import start_board, stop_board
from youthlab.boards.deploy import board_libraries, board_library_dir, imported_modules
from youthlab.boards.session import Session

ROOT = Path(__file__).resolve().parents[2]
YOUTHLAB = str(Path(sys.executable).parent / "youthlab")


def test_no_lab_carries_a_copy_of_a_board_library():
    library = {p.name: p.read_bytes() for p in board_library_dir().glob("*.py")}
    assert "ylab.py" in library
    copies = [str(p.relative_to(ROOT)) for p in (ROOT / "labs").rglob("*.py")
              if library.get(p.name) == p.read_bytes()]
    assert copies == []


def test_import_lines_are_read_even_when_cpython_cannot_parse_the_file():
    src = ("import time, machine as m\nfrom robot import Robot\n"
           "@micropython.viper\ndef f(x: int) -> int:\n    return x\n    import  ylab.sub\nprint('import drone')\n")
    assert imported_modules(src) == {"time", "machine", "robot", "ylab"}


def test_the_folder_gets_ylab_always_and_the_libraries_it_imports_transitively(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "ylab.py").write_text("def send(**v): pass\n")
    (lib / "robot.py").write_text("import motors\n")
    (lib / "motors.py").write_text("import time\n")
    (lib / "drone.py").write_text("x = 1\n")
    got = board_libraries({"main.py": b"from robot import Robot\n"}, library_dir=lib)
    assert sorted(got) == ["lib/motors.py", "lib/robot.py", "lib/ylab.py"]
    # A copy in the folder (top level or its lib/) wins over the library.
    got = board_libraries({"main.py": b"import robot\n", "robot.py": b"", "lib/ylab.py": b""}, library_dir=lib)
    assert sorted(got) == []


@pytest.mark.timeout(120)
def test_deploying_the_first_lab_puts_ylab_on_the_board_once(tmp_path):
    vb = start_board(tmp_path, f"ylt-libs-{tmp_path.name[-6:]}")
    try:
        with Session(vb.port, notify=lambda m: None) as s:
            first = s.deploy(ROOT / "labs" / "01-first-board" / "board", progress=False)
            assert first.sent == ["main.py"] and first.libraries == ["lib/ylab.py"]
            assert "ylab" in first.summary("en") and "ylab" in first.summary("ko")
            assert (vb.fs_dir / "lib" / "ylab.py").read_bytes() == (board_library_dir() / "ylab.py").read_bytes()
            # A cell on the board can now send readings; the Session takes them as data.
            s.exec("import ylab\nylab.send(wave=1.5)", on_output=lambda x: None)
            assert any(row.get("wave") == 1.5 for row in s.data.rows)
            again = s.deploy(ROOT / "labs" / "01-first-board" / "board", progress=False)
            assert again.sent == [] and again.libraries == [] and again.skipped == ["main.py"]
            # --delete keeps the library: it is part of what the deploy put there.
            kept = s.deploy(ROOT / "labs" / "01-first-board" / "board", progress=False, delete=True)
            assert kept.deleted == [] and (vb.fs_dir / "lib" / "ylab.py").exists()
    finally:
        stop_board(vb)


@pytest.mark.timeout(120)
def test_youthlab_board_deploy_says_which_libraries_it_added(tmp_path):
    vb = start_board(tmp_path, f"ylt-libc-{tmp_path.name[-6:]}")
    try:
        prog = tmp_path / "car"
        prog.mkdir()
        (prog / "main.py").write_text("from robot import Robot\n")
        r = subprocess.run([YOUTHLAB, "--lang", "en", "board", "deploy", str(prog), "--port", vb.port],
                           capture_output=True, text=True, timeout=90)
        assert r.returncode == 0, r.stderr
        assert "lib/robot.py" in r.stdout and "lib/ylab.py" in r.stdout
        assert (vb.fs_dir / "lib" / "robot.py").read_bytes() == (board_library_dir() / "robot.py").read_bytes()
    finally:
        stop_board(vb)
