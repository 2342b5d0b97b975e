"""RP2040 / RP2350 boards: copy a UF2 file to the BOOTSEL drive.

Find the drive by ``INFO_UF2.TXT`` and its ``Board-ID`` (``RPI-RP2`` for RP2040,
``RP2350`` for RP2350); if none is mounted, put the board into the bootloader — by
``machine.bootloader()`` over its running MicroPython, else the 1200-baud "touch" —
and wait for the drive. The UF2 magic numbers and family id are checked before the
copy. The bootloader reboots the board once the last block is written: the drive goes
away, which is how we know the copy was taken.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from traitlets import Float, Unicode

from youthlab.boards.flash.base import Progress
from youthlab.boards.flash.catalog import Firmware
from youthlab.boards.flash.drive_copy import DriveCopy
from youthlab.boards.flash.drives import wait_for
from youthlab.boards.flash.errors import DriveFailed, FlashFailed
from youthlab.boards.flash.images import check_uf2


_BOOTSEL = threading.Lock()


def enter_bootloader(port: str, timeout: float = 2.0) -> str:
    """Ask a running board to reboot into its UF2 bootloader; returns how (``mpy`` / ``touch``)."""
    import serial

    try:
        with serial.serial_for_url(port, baudrate=115200, timeout=0.5) as link:
            link.write(b"\r\x03\x03")  # stop a running program
            time.sleep(0.1)
            link.reset_input_buffer()
            link.write(b"\r\x01")  # raw REPL
            if b"raw REPL" in link.read_until(b">", 200):
                link.write(b"import machine\nmachine.bootloader()\n\x04")
                link.flush()
                return "mpy"
    except (serial.SerialException, OSError):
        pass
    try:  # the 1200-baud touch: opening and closing the port at 1200 baud
        with serial.serial_for_url(port, baudrate=1200, timeout=timeout):
            pass
    except (serial.SerialException, OSError) as exc:
        raise FlashFailed(detail=f"bootloader: {exc}") from exc
    return "touch"


class Uf2Copy(DriveCopy):
    """Raspberry Pi Pico / Pico 2 and other UF2 bootloaders."""

    name = "uf2"
    marker = Unicode("INFO_UF2.TXT", help="The file that marks a UF2 bootloader drive.").tag(config=True)
    drive_timeout = Float(15.0, help="Seconds to wait for the bootloader drive to appear.").tag(config=True)
    reboot_timeout = Float(20.0, help="Seconds to wait for the board to take the file and reboot.").tag(config=True)

    def check(self, fw: Firmware, data: bytes) -> None:
        if fw.uf2_family is None:
            raise FlashFailed(detail=f"{fw.family}: no uf2_family in the catalog")
        check_uf2(data, fw.uf2_family)

    def drives(self, board_id: str | None) -> list[Path]:
        return [folder for folder, info in self.marked_drives()
                if board_id is None or info.get("Board-ID", "").startswith(board_id)]

    def find_drive(self, board_id: str | None, exclude: set[Path] = frozenset()) -> Path | None:
        return next((d for d in self.drives(board_id) if d not in exclude), None)

    def write(self, fw: Firmware, data: bytes, port: str | None, progress: Progress,
              serial_number: str | None = None) -> str | None:
        # BOOTSEL drives carry no serial number: one board at a time goes through the
        # bootloader, and a board sent there by its port gets the drive that *appeared*.
        with _BOOTSEL:
            return self._write(fw, data, port, progress)

    def _write(self, fw: Firmware, data: bytes, port: str | None, progress: Progress) -> str | None:
        progress("drive", 0, 1)
        if port:
            before = set(self.drives(fw.board_id))
            progress("bootloader", 0, 1)
            enter_bootloader(port)
            drive = wait_for(lambda: self.find_drive(fw.board_id, before), self.drive_timeout)
        else:
            drive = self.find_drive(fw.board_id)
        if drive is None:
            raise self.no_drive(fw.board_id or "-")
        self.copy(data, drive, fw.file, progress)
        progress("reboot", 0, 1)
        gone = wait_for(lambda: not (drive / self.marker).exists(), self.reboot_timeout)
        if not gone:
            raise DriveFailed(drive=str(drive), detail="the board did not reboot after the copy")
        return port
