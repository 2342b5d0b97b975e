"""Deploy to the real virtual board: hash-skip, atomic writes, cable pulled mid-deploy."""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import pytest

from tests.boards.conftest import start_board, stop_board
from youthlab.boards.errors import BoardError
from youthlab.boards.session import Session


def make_lab(folder: Path, version: int, files: int = 20) -> dict[str, bytes]:
    """20 files (some in lib/), ~3 KB each; every version differs in every file and size."""
    rnd = random.Random(version)
    out = {}
    for i in range(files):
        name = f"lab_{i:02d}.py" if i < 14 else f"lib/mod_{i:02d}.py"
        lines = [f"# version {version} file {i}"]
        lines += [f"VALUE_{k} = {rnd.randint(0, 10**6)}  # {'x' * rnd.randint(0, 30)}"
                  for k in range(60 + version * 3)]
        data = ("\n".join(lines) + "\n").encode()
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out[name] = data
    return out


def test_deploy_then_redeploy_skips_unchanged(vboard, tmp_path):
    lab = tmp_path / "lab"
    files = make_lab(lab, 1)
    with Session(vboard.port, notify=lambda m: None) as s:
        first = s.deploy(lab, progress=False)
        assert sorted(first.sent) == sorted(files) and not first.skipped
        for name, data in files.items():
            assert (vboard.fs_dir / name).read_bytes() == data
        again = s.deploy(lab, progress=False)
        assert again.sent == [] and len(again.skipped) == 20
        assert again.seconds < first.seconds
        # One file changes: only that one travels.
        (lab / "lab_03.py").write_text("print('changed')\n")
        third = s.deploy(lab, progress=False)
        assert third.sent == ["lab_03.py"] and len(third.skipped) == 19
        assert (vboard.fs_dir / "lab_03.py").read_text() == "print('changed')\n"
        # The deployed code runs on the board.
        assert s.exec("import lib.mod_15 as m\nprint(m.VALUE_0 >= 0)", on_output=lambda x: None) == "True\n"
        assert "summary" not in first.summary("en")
        assert "sent 20" in first.summary("en")
    assert not list(vboard.fs_dir.rglob("*.ylab-tmp"))


def test_deploy_delete_removes_files_gone_from_the_lab(vboard, tmp_path):
    lab = tmp_path / "lab"
    make_lab(lab, 1, files=5)
    with Session(vboard.port, notify=lambda m: None) as s:
        s.deploy(lab, progress=False, delete=True)
        (lab / "lab_02.py").unlink()
        r = s.deploy(lab, progress=False, delete=True)
        assert r.deleted == ["lab_02.py"]
    assert not (vboard.fs_dir / "lab_02.py").exists()
    assert (vboard.fs_dir / "lab_01.py").exists()


def _pull_cable_during_deploy(rounds: int, tmp_path: Path) -> None:
    vb = start_board(tmp_path, f"kill{os.getpid()}", baud=115200)
    versions = {v: make_lab(tmp_path / f"v{v}", v) for v in (1, 2)}
    rnd = random.Random(42)
    try:
        with Session(vb.port, serial_number=vb.serial_number, notify=lambda m: None) as s:
            s.deploy(tmp_path / "v1", progress=False)
            first_duration = s.deploy(tmp_path / "v2", progress=False).seconds
            interrupted = 0
            for i in range(rounds):
                version = 1 if i % 2 == 0 else 2
                errors: list[BaseException] = []

                def run() -> None:
                    try:
                        s.deploy(tmp_path / f"v{version}", progress=False)
                    except BoardError as exc:
                        errors.append(exc)

                worker = threading.Thread(target=run)
                worker.start()
                time.sleep(rnd.uniform(0.0, first_duration))
                vb.unplug()  # cable out: the port vanishes, the board loses power
                worker.join(timeout=15)
                assert not worker.is_alive(), "deploy hung after the cable was pulled"
                interrupted += bool(errors)
                # Every file on the board is complete: the old or the new version.
                for name in versions[1]:
                    on_board = (vb.fs_dir / name).read_bytes()
                    assert on_board in (versions[1][name], versions[2][name]), (i, name)
                vb.plug()
                s.reconnect(timeout=10, restore=False)
            assert interrupted >= 1
            # A final deploy completes and leaves no temporary files behind.
            s.deploy(tmp_path / "v2", progress=False)
            for name, data in versions[2].items():
                assert (vb.fs_dir / name).read_bytes() == data
            assert not list(vb.fs_dir.rglob("*.ylab-tmp"))
    finally:
        stop_board(vb)


def test_cable_pulled_mid_deploy_never_leaves_half_written_files(tmp_path):
    _pull_cable_during_deploy(4, tmp_path)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_cable_pulled_mid_deploy_100_times(tmp_path):
    _pull_cable_during_deploy(100, tmp_path)


def test_big_binary_and_korean_named_files(vboard, tmp_path):
    lab = tmp_path / "lab"
    (lab / "데이터").mkdir(parents=True)
    big = os.urandom(30_000)  # not compressible: plain base64, in 4 KB pieces
    (lab / "데이터" / "소리.bin").write_bytes(big)
    (lab / "빈파일.txt").write_bytes(b"")
    (lab / "인사.py").write_text("print('안녕하세요')\n", encoding="utf-8")
    with Session(vboard.port, notify=lambda m: None) as s:
        r = s.deploy(lab, progress=False)
        assert sorted(r.sent) == sorted(["데이터/소리.bin", "빈파일.txt", "인사.py"])
        assert s.deploy(lab, progress=False).sent == []
    assert (vboard.fs_dir / "데이터" / "소리.bin").read_bytes() == big
    assert (vboard.fs_dir / "빈파일.txt").read_bytes() == b""
    assert "안녕하세요" in (vboard.fs_dir / "인사.py").read_text(encoding="utf-8")
