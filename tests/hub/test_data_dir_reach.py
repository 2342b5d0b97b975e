"""An operator who puts the data folder where the students' system users cannot reach it
(inside a home or a temporary folder of mode 0700) is told so when the hub starts, in
ko/en, with the folder that blocks and the fix: else submitting labs and board locks
fail later, for every student, with errors that do not point here."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from youthlab.hub.launcher import print_network
from youthlab.paths import closed_to_others


@pytest.fixture
def folders():
    top = Path(tempfile.mkdtemp(prefix="ylt-reach-"))
    top.chmod(0o755)
    (top / "closed" / "data").mkdir(parents=True)
    (top / "closed").chmod(0o700)
    (top / "open" / "data").mkdir(parents=True)
    (top / "open").chmod(0o755)
    yield top
    shutil.rmtree(top, ignore_errors=True)


def banner(capsys, monkeypatch, lang: str, data: Path, isolated: bool) -> str:
    monkeypatch.setenv("YOUTHLAB_LANG", lang)
    print_network("127.0.0.1", 8000, None, data, isolated=isolated)
    return capsys.readouterr().out


def test_the_folder_that_blocks_the_students_is_named(folders):
    assert closed_to_others(folders / "closed" / "data") == folders / "closed"
    assert closed_to_others(folders / "open" / "data") is None


def test_a_data_folder_closed_to_the_accounts_is_a_warning_at_start(folders, capsys, monkeypatch):
    data = folders / "closed" / "data"
    en = banner(capsys, monkeypatch, "en", data, isolated=True)
    assert f"cannot pass through {folders / 'closed'}" in en and "submitting labs" in en
    assert f"chmod o+x {folders / 'closed'}" in en
    ko = banner(capsys, monkeypatch, "ko", data, isolated=True)
    assert f"{folders / 'closed'} 폴더를 지나갈 수 없어서" in ko


def test_no_warning_when_the_accounts_can_reach_it_or_there_are_no_accounts(folders, capsys, monkeypatch):
    assert "Warning" not in banner(capsys, monkeypatch, "en", folders / "open" / "data", isolated=True)
    # Demo mode: every server runs as the hub's own user, which reaches its own folder.
    assert "Warning" not in banner(capsys, monkeypatch, "en", folders / "closed" / "data", isolated=False)
