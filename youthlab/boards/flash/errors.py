"""Flash errors: each one a ko/en message and a hint (keys in messages/flash.yaml).

Protocol code raises these with parameters; the CLI, the notebook and the bench table
translate them. None of them means "maybe flashed": a flash either verified or raised.
"""

from __future__ import annotations

from youthlab.boards.errors import FlashError


class FirmwareUnknown(FlashError):
    key = "flash.unknown_family"
    hint_key = "flash.unknown_family.hint"


class FirmwareMissing(FlashError):
    """The pinned file is not in the cache: says exactly what to put where."""

    key = "flash.missing"
    hint_key = "flash.missing.hint"


class FirmwareUnpinned(FlashError):
    key = "flash.unpinned"
    hint_key = "flash.unpinned.hint"


class FirmwareChecksum(FlashError):
    key = "flash.checksum"
    hint_key = "flash.checksum.hint"


class FirmwareInvalid(FlashError):
    """The file is not an image of the expected kind (ESP image, UF2, Intel HEX)."""

    key = "flash.invalid"
    hint_key = "flash.invalid.hint"


class WrongChip(FlashError):
    key = "flash.wrong_chip"
    hint_key = "flash.wrong_chip.hint"


class WrongFamily(FlashError):
    key = "flash.wrong_family"
    hint_key = "flash.wrong_family.hint"


class DriveNotFound(FlashError):
    key = "flash.no_drive"
    hint_key = "flash.no_drive.hint"


class DriveFailed(FlashError):
    key = "flash.drive_failed"
    hint_key = "flash.drive_failed.hint"


class FlashInterrupted(FlashError):
    """The link went away mid-flash: nothing was verified, the board is not "done"."""

    key = "flash.interrupted"
    hint_key = "flash.interrupted.hint"


class PortUnavailable(FlashError):
    """The port cannot be opened: nothing was written."""

    key = "flash.port_unavailable"
    hint_key = "flash.port_unavailable.hint"


class FlashFailed(FlashError):
    key = "flash.failed"
    hint_key = "flash.failed.hint"


class NoAnswer(FlashError):
    """Written and verified, but MicroPython does not answer afterwards."""

    key = "flash.no_answer"
    hint_key = "flash.no_answer.hint"


class FetchFailed(FlashError):
    key = "flash.fetch_failed"
    hint_key = "flash.fetch_failed.hint"


class FlashRefused(FlashError):
    """A hub user without the club mentor role asked to flash."""

    key = "flash.refused"
    hint_key = "flash.refused.hint"
