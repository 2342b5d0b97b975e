"""The club lab (labs/02-club-boards) runs top to bottom on virtual boards in a real kernel:
4 boards named, one renamed, deployed and self-tested in parallel, report written."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile

import nbformat
from nbclient import NotebookClient

from tests.conftest import ROOT


def test_club_lab_on_virtual_boards(tmp_path, monkeypatch):
    lab = tmp_path / "lab"
    shutil.copytree(ROOT / "labs" / "02-club-boards", lab)
    monkeypatch.setenv("YOUTHLAB_DATA_DIR", tempfile.mkdtemp(prefix="ylab-club-lab-"))
    monkeypatch.setenv("YOUTHLAB_LANG", "ko")
    for var in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL"):
        monkeypatch.delenv(var, raising=False)
    nb = nbformat.read(lab / "club-boards.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(lab)}}).execute()
    with open(lab / "club-boards-report.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and rows[0]["name"] == "team-1-robot"
    assert {r["name"] for r in rows[1:]} == {"club-2", "club-3", "club-4"}
    assert all(r["state"] == "ok" and r["selftest"] == "PASS" for r in rows), rows
    shutil.rmtree(os.environ["YOUTHLAB_DATA_DIR"], ignore_errors=True)
