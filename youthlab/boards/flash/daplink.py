"""BBC micro:bit (DAPLink interface): copy an Intel HEX file to the MICROBIT drive.

The drive is recognised by ``DETAILS.TXT``. DAPLink programs the board while the file
is written, then remounts the drive: the copied file is gone, and a ``FAIL.TXT`` whose
text says why is there if programming failed.
"""

from __future__ import annotations

from pathlib import Path

from traitlets import Float, Unicode

from youthlab.boards.flash.base import Progress
from youthlab.boards.flash.catalog import Firmware
from youthlab.boards.flash.drive_copy import DriveCopy
from youthlab.boards.flash.drives import wait_for
from youthlab.boards.flash.errors import DriveFailed
from youthlab.boards.flash.images import check_intel_hex


class DaplinkCopy(DriveCopy):
    """micro:bit v1/v2 and other DAPLink boards."""

    name = "daplink"
    marker = Unicode("DETAILS.TXT", help="The file that marks a DAPLink drive.").tag(config=True)
    program_timeout = Float(30.0, help="Seconds DAPLink may take to program and remount.").tag(config=True)

    def check(self, fw: Firmware, data: bytes) -> None:
        check_intel_hex(data)

    def find_drive(self, serial_number: str | None) -> Path | None:
        """The drive of the board with this USB serial number (DAPLink's "Unique ID"); without
        one, the only drive there is (several: which one is ambiguous, so none)."""
        drives = self.marked_drives()
        if serial_number:
            want = serial_number.lower()
            return next((f for f, info in drives if info.get("Unique ID", "").lower() == want), None)
        return drives[0][0] if len(drives) == 1 else None

    def write(self, fw: Firmware, data: bytes, port: str | None, progress: Progress,
              serial_number: str | None = None) -> str | None:
        progress("drive", 0, 1)
        drive = self.find_drive(serial_number)
        if drive is None:
            raise self.no_drive(serial_number or fw.board_id or "-")
        fail = drive / "FAIL.TXT"
        before = _stamp(fail)  # a FAIL.TXT of an earlier attempt is not this one's answer
        target = self.copy(data, drive, fw.file, progress)
        progress("program", 0, 1)
        wait_for(lambda: _stamp(fail) not in (None, before) or not target.exists(), self.program_timeout)
        if _stamp(fail) not in (None, before):
            raise DriveFailed(drive=str(drive), detail=fail.read_text(errors="replace").strip()[:300])
        if target.exists():
            raise DriveFailed(drive=str(drive), detail="DAPLink did not take the file (no remount)")
        return port


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)
