"""Checks on firmware images before anything is written to a board.

* ESP: the image header's magic (0xE9) and, for ESP32-family chips, the chip id in the
  extended header — the same field esptool reads to refuse an image for another chip.
* UF2: every 512-byte block's three magic numbers, and the family id of its blocks
  (RP2040 ``0xE48BFF56``, RP2350-ARM-S ``0xE48BFF59``; the RP2350 "absolute" block
  ``0xE48BFF57`` that MicroPython's RP2350 images start with is allowed alongside).
* Intel HEX (micro:bit): every record's syntax and checksum, and an end record.
"""

from __future__ import annotations

import struct

from youthlab.boards.flash.errors import FirmwareInvalid, WrongChip, WrongFamily

ESP_IMAGE_MAGIC = 0xE9
UF2_MAGIC_START0 = 0x0A324655
UF2_MAGIC_START1 = 0x9E5D5157
UF2_MAGIC_END = 0x0AB16F30
UF2_FLAG_FAMILY_ID = 0x00002000
UF2_FLAG_NOT_MAIN_FLASH = 0x00000001
UF2_FAMILY_RP2040 = 0xE48BFF56
UF2_FAMILY_RP2350_ARM_S = 0xE48BFF59
UF2_FAMILY_ABSOLUTE = 0xE48BFF57  # RP2350: blocks for an absolute address (erratum E10 workaround)
UF2_FAMILY_NAMES = {
    UF2_FAMILY_RP2040: "RP2040",
    UF2_FAMILY_RP2350_ARM_S: "RP2350-ARM-S",
    0xE48BFF5B: "RP2350-ARM-NS",
    0xE48BFF5A: "RP2350-RISCV",
    UF2_FAMILY_ABSOLUTE: "absolute",
    0x621E937A: "nRF52833",
    0xC47E5767: "ESP32-S3",
}


def esp_chip_key(name: str) -> str:
    """``ESP32-S3`` / ``esp32s3`` / ``ESP32`` → esptool's key (``esp32s3``)."""
    return name.lower().replace("-", "").replace("_", "")


def check_esp_image(data: bytes, chip: str) -> None:
    """Refuse a file that is not an ESP image, or one built for another chip."""
    from esptool.targets import CHIP_DEFS

    key = esp_chip_key(chip)
    if key not in CHIP_DEFS:
        raise FirmwareInvalid(detail=f"unknown ESP chip {chip!r}")
    if len(data) < 24 or data[0] != ESP_IMAGE_MAGIC:
        raise FirmwareInvalid(detail="not an ESP firmware image (first byte is not 0xE9)")
    if key == "esp8266":
        return  # no extended header, no chip id
    image_chip_id = struct.unpack_from("<H", data, 12)[0]
    for other, rom in CHIP_DEFS.items():
        if getattr(rom, "IMAGE_CHIP_ID", None) == image_chip_id:
            if other != key:
                raise WrongChip(firmware=rom.CHIP_NAME, board=CHIP_DEFS[key].CHIP_NAME)
            return
    raise FirmwareInvalid(detail=f"unknown chip id {image_chip_id} in the image header")


def uf2_families(data: bytes) -> dict[int, int]:
    """Family id → number of blocks, after checking every block's magic numbers."""
    if not data or len(data) % 512:
        raise FirmwareInvalid(detail=f"UF2 size {len(data)} is not a multiple of 512")
    families: dict[int, int] = {}
    for offset in range(0, len(data), 512):
        start0, start1, flags = struct.unpack_from("<III", data, offset)
        (end,) = struct.unpack_from("<I", data, offset + 508)
        if (start0, start1, end) != (UF2_MAGIC_START0, UF2_MAGIC_START1, UF2_MAGIC_END):
            raise FirmwareInvalid(detail=f"UF2 block {offset // 512}: wrong magic numbers")
        if flags & UF2_FLAG_NOT_MAIN_FLASH:
            continue
        family = struct.unpack_from("<I", data, offset + 28)[0] if flags & UF2_FLAG_FAMILY_ID else 0
        families[family] = families.get(family, 0) + 1
    return families


def family_name(family: int) -> str:
    return UF2_FAMILY_NAMES.get(family, f"0x{family:08X}")


def check_uf2(data: bytes, family: int) -> None:
    """Refuse a UF2 file whose blocks are for another chip family."""
    found = uf2_families(data)
    others = [f for f in found if f not in (family, UF2_FAMILY_ABSOLUTE)]
    if others or family not in found:
        raise WrongFamily(firmware=", ".join(family_name(f) for f in found) or "-",
                          board=family_name(family))


def check_intel_hex(data: bytes) -> None:
    """Refuse a file that is not complete, checksummed Intel HEX (a DAPLink drive would
    answer it with FAIL.TXT, possibly after erasing the board)."""
    try:
        lines = data.decode("ascii").split()
    except UnicodeDecodeError:
        raise FirmwareInvalid(detail="not an Intel HEX file (not ASCII text)") from None
    if not lines:
        raise FirmwareInvalid(detail="empty HEX file")
    for number, line in enumerate(lines, 1):
        try:
            if not line.startswith(":"):
                raise ValueError
            record = bytes.fromhex(line[1:])
        except ValueError:
            raise FirmwareInvalid(detail=f"HEX line {number} is not a record") from None
        if len(record) < 5 or len(record) != record[0] + 5 or sum(record) & 0xFF:
            raise FirmwareInvalid(detail=f"HEX line {number}: wrong length or checksum")
        if record[3] == 0x01:
            return
    raise FirmwareInvalid(detail="HEX file has no end record (cut short?)")
