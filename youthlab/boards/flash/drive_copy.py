"""The part the drive-copy flash methods share: finding a marked drive and copying to it.

:class:`~youthlab.boards.flash.uf2.Uf2Copy` and
:class:`~youthlab.boards.flash.daplink.DaplinkCopy` both write an image by copying it to
a USB mass-storage drive recognised by a marker file (:mod:`youthlab.boards.flash.drives`);
each subclass sets its ``marker`` (default and help) and says how it picks its board's
drive and knows that the board took the file.
"""

from __future__ import annotations

from pathlib import Path

from traitlets import List, Unicode

from youthlab.boards.flash.base import FlashMethod, Progress
from youthlab.boards.flash.drives import DEFAULT_ROOTS, copy_to_drive, find_drives
from youthlab.boards.flash.errors import DriveFailed, DriveNotFound


class DriveCopy(FlashMethod):
    """A flash method that copies the image to a bootloader's drive."""

    marker = Unicode("", help="The file that marks the drive.").tag(config=True)
    drive_roots = List(Unicode(), list(DEFAULT_ROOTS),
                       help="Folders where drives are mounted (besides every vfat mount).").tag(config=True)

    def marked_drives(self) -> list[tuple[Path, dict[str, str]]]:
        """(folder, parsed marker file) of every mounted drive carrying ``marker``."""
        return find_drives(self.marker, self.drive_roots)

    def no_drive(self, board_id: str) -> DriveNotFound:
        """The error for "no drive of this board is mounted"."""
        return DriveNotFound(marker=self.marker, board_id=board_id, roots=", ".join(self.drive_roots))

    def copy(self, data: bytes, drive: Path, file: str, progress: Progress) -> Path:
        """Copy ``data`` to ``drive``/``file`` with "write" progress; returns the file's path."""
        target = drive / file
        try:
            copy_to_drive(data, target, lambda done, total: progress("write", done, total))
        except OSError as exc:
            raise DriveFailed(drive=str(drive), detail=str(exc)) from exc
        return target
