"""Issue 15: a kind of printer is one file plus one entry-point line (``youthlab.printers``).

The example below is a whole printer kind a centre could ship: a "drop-folder" printer
(a printer that prints what appears in a network folder, as many do), chosen by
``kind: dropfolder`` in printers.yaml. It is installed the way pip installs any package —
a module and a ``*.dist-info`` folder with ``entry_points.txt`` on ``sys.path`` — and then
the fair queue, the kiosk's "print" button and the print service use it without a change
in youthlab.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.core.plugins import installed_plugin
from youthlab.i18n import use_language
from youthlab.stamp.printers import UnknownPrinterKind, make_printer, printer_class, printer_kinds
from youthlab.stamp.printers.base import PrinterConfig
from youthlab.stamp.printers.hall import load_printers
from youthlab.stamp.printers.octoprint import OctoPrintClient
from youthlab.stamp.queue import PrintQueue

DROP_FOLDER = '''
"""A printer that prints every file dropped in its folder and leaves <file>.done when finished."""
import os
from pathlib import Path
from urllib.parse import urlparse

from youthlab.stamp.errors import PrinterError
from youthlab.stamp.printers.base import JobProgress, Printer
from youthlab.stamp.printers.gcode_file import open_regular_nofollow


class DropFolderPrinter(Printer):
    kind = "dropfolder"

    def __init__(self, name, folder, virtual=False):
        self.name, self.folder, self.virtual = name, Path(folder), virtual

    @classmethod
    def from_config(cls, cfg):
        return cls(cfg.name, urlparse(cfg.url).path, virtual=bool(cfg.options.get("virtual")))

    def is_virtual(self):
        return self.virtual

    def _current(self):
        for f in sorted(self.folder.glob("*.gcode")):
            if not (self.folder / (f.name + ".done")).exists():
                return f.name
        return None

    def job(self):
        if not self.folder.is_dir():
            raise PrinterError(printer=self.name, detail="folder not mounted")
        current = self._current()
        if current:
            return JobProgress("Printing", current, 50.0, 60, 60)
        return JobProgress("Operational", None, None, None, None)

    def upload(self, gcode, select=True, print_=False, remote_name=None):
        with os.fdopen(open_regular_nofollow(gcode), "rb") as src:
            (self.folder / (remote_name or Path(gcode).name)).write_bytes(src.read())
        return {}

    def cancel(self):
        current = self._current()
        if current:
            (self.folder / current).unlink()
'''


@pytest.fixture
def drop_folder_installed(tmp_path, monkeypatch):
    """One file + one entry-point line, installed as pip would (a dist-info folder)."""
    yield from installed_plugin(tmp_path, monkeypatch, "ylt_drop_folder", DROP_FOLDER, "youthlab.printers",
                                {"dropfolder": "ylt_drop_folder:DropFolderPrinter",
                                 "broken": "ylt_no_such_printer_module:Nothing"})


def _printers_yaml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "printers.yaml"
    path.write_text(body)
    return path


def test_octoprint_is_the_built_in_kind_and_the_default(tmp_path):
    assert "octoprint" in printer_kinds()
    hall = load_printers()  # the repository's printers.yaml says no kind: OctoPrint
    assert hall and all(cfg.kind == "octoprint" for cfg in hall.values())
    printer = make_printer(next(iter(hall.values())))
    assert isinstance(printer, OctoPrintClient) and printer.url.startswith("http://127.0.0.1:")


def test_a_new_printer_kind_is_one_file_and_one_entry_point_line(drop_folder_installed, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    cfg_file = _printers_yaml(tmp_path, f"printers:\n  corner:\n    kind: dropfolder\n    url: file://{drop}\n"
                                        "    virtual: false\n")
    assert "dropfolder" in printer_kinds()
    cfg = load_printers(cfg_file)["corner"]
    assert cfg.kind == "dropfolder" and cfg.options == {"virtual": False}
    printer = make_printer(cfg)
    q = PrintQueue([printer], test_mode=False)
    jobs = {}
    for owner in ("alice", "alice", "bob"):
        gcode = tmp_path / f"{owner}-{len(jobs)}.gcode"
        gcode.write_text(f"; {owner}\nG28\n")
        jobs[len(jobs)] = q.submit(owner, gcode)
    first = q.dispatch()
    assert [j.owner for j in first] == ["alice"] and first[0].printer == "corner"
    assert (drop / first[0].remote_name).read_text() == "; alice\nG28\n"
    assert q.dispatch() == []  # the printer is busy: nothing more goes to it
    (drop / (first[0].remote_name + ".done")).touch()  # the printer finished
    assert [j.id for j in q.poll()] == [first[0].id] and first[0].status == "done"
    assert [j.owner for j in q.dispatch()] == ["bob"]  # fair: bob before alice's second stamp


def test_the_kiosk_offers_printing_on_a_plugged_in_printer(drop_folder_installed, tmp_path, monkeypatch):
    from youthlab.stamp.kiosk_print import kiosk_printing_enabled

    for var in ("YOUTHLAB_KIOSK_PRINTING", "YOUTHLAB_PRINT_URL", "YOUTHLAB_PRINT_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("YOUTHLAB_PRINTERS", str(_printers_yaml(
        tmp_path, f"printers:\n  corner:\n    kind: dropfolder\n    url: file://{tmp_path}\n")))
    assert kiosk_printing_enabled()
    monkeypatch.setenv("YOUTHLAB_PRINTERS", str(_printers_yaml(
        tmp_path, "printers:\n  corner:\n    kind: bambu\n    url: http://127.0.0.1:9\n")))
    assert not kiosk_printing_enabled()  # an unknown kind: no button for visitors (the log says why)


def test_an_unknown_or_broken_kind_fails_loudly_in_ko_and_en(drop_folder_installed):
    with pytest.raises(UnknownPrinterKind) as unknown:
        make_printer(PrinterConfig(name="hall-9", url="http://127.0.0.1:9", kind="bambu"))
    with use_language("ko"):
        assert "'bambu'" in unknown.value.message() and "프린터" in unknown.value.message()
        assert "youthlab.printers" in unknown.value.hint()
    with use_language("en"):
        text = unknown.value.message()
        assert "'bambu'" in text and "octoprint" in text and "dropfolder" in text
    with pytest.raises(UnknownPrinterKind) as broken:
        printer_class("broken")
    # registered but not loading: said so (not "no printer kind …"), with the reason
    assert broken.value.message("en").startswith("'broken' is registered under youthlab.printers but does not load")
    assert "ylt_no_such_printer_module" in broken.value.message("en") and "등록돼 있지만" in broken.value.message("ko")


def test_the_print_service_refuses_to_start_with_an_unknown_kind(tmp_path):
    """The hub's print service stops with a ko/en message, not a traceback nor a silent
    queue that never prints."""
    printers = _printers_yaml(tmp_path, "printers:\n  hall-1:\n    kind: prusalinkk\n    url: http://127.0.0.1:9\n")
    env = {**os.environ, "YOUTHLAB_PRINTERS": str(printers), "YOUTHLAB_DATA_DIR": str(tmp_path / "data"),
           "JUPYTERHUB_API_TOKEN": "x" * 32, "JUPYTERHUB_SERVICE_NAME": "print",
           "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api"}
    run = subprocess.run([sys.executable, "-m", "youthlab.stamp.print_service", "--port", str(free_port())],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "'prusalinkk'" in run.stderr and "프린터" in run.stderr and "printer kind" in run.stderr
