"""UF2 (RP2040 / RP2350 BOOTSEL) and DAPLink (micro:bit) flashing with temporary folders
standing in for the drives; a thread plays the bootloader (it takes the file and reboots)."""

from __future__ import annotations

import hashlib
import struct
import threading
import time
from pathlib import Path

import pytest

from youthlab.boards.flash import flash_board
from youthlab.boards.flash.daplink import DaplinkCopy
from youthlab.boards.flash.errors import DriveFailed, DriveNotFound, FirmwareInvalid, WrongFamily
from youthlab.boards.flash.images import UF2_FAMILY_ABSOLUTE, UF2_FAMILY_RP2040, UF2_FAMILY_RP2350_ARM_S
from youthlab.boards.flash.uf2 import Uf2Copy


def uf2(nblocks: int, family: int, first_family: int | None = None) -> bytes:
    out = bytearray()
    for i in range(nblocks):
        fam = first_family if (first_family is not None and i == 0) else family
        payload = bytes([i % 256]) * 256
        block = struct.pack("<IIIIIIII", 0x0A324655, 0x9E5D5157, 0x2000, 0x10000000 + 256 * i, 256, i,
                            nblocks, fam) + payload.ljust(476, b"\0") + struct.pack("<I", 0x0AB16F30)
        out += block
    return bytes(out)


def intel_hex(nrecords: int) -> bytes:
    lines = []
    for i in range(nrecords):
        rec = bytes([16, (i * 16) >> 8 & 0xFF, (i * 16) & 0xFF, 0]) + bytes(range(16))
        lines.append(":" + (rec + bytes([(-sum(rec)) & 0xFF])).hex().upper())
    lines.append(":00000001FF")
    return ("\n".join(lines) + "\n").encode()


def catalog(tmp: Path, family: str, entry: str, name: str, data: bytes) -> tuple[Path, Path]:
    cache = tmp / "cache"
    cache.mkdir(exist_ok=True)
    (cache / name).write_bytes(data)
    path = tmp / "firmware.yaml"
    path.write_text(f"families:\n  {family}:\n{entry}    version: '1.24.1'\n    file: {name}\n"
                    f"    sha256: '{hashlib.sha256(data).hexdigest()}'\n    size: {len(data)}\n")
    return path, cache


def bootsel_drive(root: Path, board_id: str) -> Path:
    drive = root / "RPI-RP2"
    drive.mkdir(parents=True)
    (drive / "INFO_UF2.TXT").write_text(f"UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: {board_id}\n")
    (drive / "INDEX.HTM").write_text("<html></html>")
    return drive


def play_bootloader(drive: Path, filename: str, copied: dict, *, fail: str | None = None,
                    marker: str = "INFO_UF2.TXT") -> threading.Thread:
    """Waits for the complete file, keeps a copy, then 'reboots' (drive goes away) or
    remounts with FAIL.TXT (DAPLink)."""

    def run() -> None:
        target = drive / filename
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if target.exists() and target.stat().st_size == copied["size"]:
                time.sleep(0.05)
                copied["data"] = target.read_bytes()
                target.unlink()
                if fail:
                    (drive / "FAIL.TXT").write_text(fail)
                elif marker == "INFO_UF2.TXT":
                    for f in drive.iterdir():
                        f.unlink()
                    drive.rmdir()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


RP2040 = "    method: uf2\n    uf2_family: 0xE48BFF56\n    board_id: RPI-RP2\n"
RP2350 = "    method: uf2\n    uf2_family: 0xE48BFF59\n    board_id: RP2350\n"


def test_uf2_copied_to_the_matching_bootsel_drive(tmp_path):
    image = uf2(40, UF2_FAMILY_RP2040)
    cat, cache = catalog(tmp_path, "rp2-pico", RP2040, "pico.uf2", image)
    roots = tmp_path / "media"
    bootsel_drive(roots / "other", "RP2350")  # a Pico 2 is plugged in too: not this one
    drive = bootsel_drive(roots / "user", "RPI-RP2")
    copied: dict = {"size": len(image)}
    thread = play_bootloader(drive, "pico.uf2", copied)
    stages = []
    result = flash_board("rp2-pico", None, catalog=cat, cache=cache, check_role=False,
                         method=Uf2Copy(drive_roots=[str(roots)], reboot_timeout=10),
                         progress=lambda s, d, t: stages.append((s, d, t)))
    thread.join()
    assert copied["data"] == image
    assert not drive.exists() and (roots / "other" / "RPI-RP2" / "INFO_UF2.TXT").exists()
    assert ("write", len(image), len(image)) in stages and result.version == "1.24.1"


def test_rp2350_image_with_absolute_block_accepted(tmp_path):
    image = uf2(8, UF2_FAMILY_RP2350_ARM_S, first_family=UF2_FAMILY_ABSOLUTE)
    cat, cache = catalog(tmp_path, "rp2-pico2", RP2350, "pico2.uf2", image)
    drive = bootsel_drive(tmp_path / "media", "RP2350")
    copied: dict = {"size": len(image)}
    thread = play_bootloader(drive, "pico2.uf2", copied)
    flash_board("rp2-pico2", None, catalog=cat, cache=cache, check_role=False,
                method=Uf2Copy(drive_roots=[str(tmp_path / "media")], reboot_timeout=10))
    thread.join()
    assert copied["data"] == image


def test_wrong_uf2_family_and_bad_magic_refused_before_copying(tmp_path):
    drive = bootsel_drive(tmp_path / "media", "RPI-RP2")
    cat, cache = catalog(tmp_path, "rp2-pico", RP2040, "pico.uf2", uf2(4, UF2_FAMILY_RP2350_ARM_S))
    method = Uf2Copy(drive_roots=[str(tmp_path / "media")], reboot_timeout=1)
    with pytest.raises(WrongFamily) as err:
        flash_board("rp2-pico", None, catalog=cat, cache=cache, check_role=False, method=method)
    assert "RP2350-ARM-S" in err.value.message("en") and "RP2040" in err.value.message("ko")
    broken = bytearray(uf2(4, UF2_FAMILY_RP2040))
    broken[512 + 508] ^= 0xFF  # second block's end magic
    cat, cache = catalog(tmp_path, "rp2-pico", RP2040, "pico.uf2", bytes(broken))
    with pytest.raises(FirmwareInvalid):
        flash_board("rp2-pico", None, catalog=cat, cache=cache, check_role=False, method=method)
    assert sorted(p.name for p in drive.iterdir()) == ["INDEX.HTM", "INFO_UF2.TXT"]


def test_no_bootsel_drive_says_what_to_do(tmp_path):
    cat, cache = catalog(tmp_path, "rp2-pico", RP2040, "pico.uf2", uf2(2, UF2_FAMILY_RP2040))
    with pytest.raises(DriveNotFound) as err:
        flash_board("rp2-pico", None, catalog=cat, cache=cache, check_role=False,
                    method=Uf2Copy(drive_roots=[str(tmp_path)], drive_timeout=0.2))
    assert "BOOTSEL" in err.value.hint("en") and "BOOTSEL" in err.value.hint("ko")


def microbit_drive(root: Path, unique_id: str = "9904360258994e45") -> Path:
    drive = root / "MICROBIT"
    drive.mkdir(parents=True)
    (drive / "DETAILS.TXT").write_text(f"# DAPLink Firmware - see https://daplink.io\nUnique ID: {unique_id}\n"
                                       "HIC ID: 9796990b\nInterface Version: 0255\n")
    (drive / "MICROBIT.HTM").write_text("<html></html>")
    return drive


def test_microbit_hex_programmed(tmp_path):
    image = intel_hex(200)
    cat, cache = catalog(tmp_path, "microbit-v2", "    method: daplink\n", "mpy.hex", image)
    drive = microbit_drive(tmp_path / "media")
    copied: dict = {"size": len(image)}
    thread = play_bootloader(drive, "mpy.hex", copied, marker="DETAILS.TXT")
    flash_board("microbit-v2", None, catalog=cat, cache=cache, check_role=False,
                method=DaplinkCopy(drive_roots=[str(tmp_path / "media")], program_timeout=10))
    thread.join()
    assert copied["data"] == image and not (drive / "FAIL.TXT").exists()


def test_microbit_fail_txt_is_reported(tmp_path):
    image = intel_hex(20)
    cat, cache = catalog(tmp_path, "microbit-v2", "    method: daplink\n", "mpy.hex", image)
    drive = microbit_drive(tmp_path / "media")
    (drive / "FAIL.TXT").write_text("an old failure")  # from an earlier attempt: not this answer
    time.sleep(0.01)
    copied: dict = {"size": len(image)}
    thread = play_bootloader(drive, "mpy.hex", copied, fail="The transfer timed out.\r\ntype: transient, user\r\n",
                             marker="DETAILS.TXT")
    with pytest.raises(DriveFailed) as err:
        flash_board("microbit-v2", None, catalog=cat, cache=cache, check_role=False,
                    method=DaplinkCopy(drive_roots=[str(tmp_path / "media")], program_timeout=10))
    thread.join()
    assert "The transfer timed out." in err.value.message("en")


def test_truncated_hex_refused(tmp_path):
    image = intel_hex(20).rsplit(b":00000001FF", 1)[0]
    cat, cache = catalog(tmp_path, "microbit-v2", "    method: daplink\n", "mpy.hex", image)
    drive = microbit_drive(tmp_path / "media")
    with pytest.raises(FirmwareInvalid):
        flash_board("microbit-v2", None, catalog=cat, cache=cache, check_role=False,
                    method=DaplinkCopy(drive_roots=[str(tmp_path / "media")]))
    assert not (drive / "mpy.hex").exists()


class RunningPico:
    """A serial stand-in (socket://) for a Pico running MicroPython: answers the raw REPL,
    and on ``machine.bootloader()`` "reboots" into BOOTSEL — its drive appears."""

    def __init__(self, media: Path) -> None:
        import socket

        self.media = media
        self.received = b""
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                self.received += data
                if data.endswith(b"\x01"):
                    conn.sendall(b"raw REPL; CTRL-B to exit\r\n>")
                if b"machine.bootloader()" in self.received and self.received.endswith(b"\x04"):
                    conn.sendall(b"OK")
                    bootsel_drive(self.media, "RPI-RP2")
                    return


def test_running_pico_sent_to_bootsel_by_machine_bootloader(tmp_path):
    image = uf2(6, UF2_FAMILY_RP2040)
    cat, cache = catalog(tmp_path, "rp2-pico", RP2040, "pico.uf2", image)
    media = tmp_path / "media"
    media.mkdir()
    other = bootsel_drive(media / "other", "RPI-RP2")  # another Pico already in BOOTSEL: not ours
    pico = RunningPico(media / "user")
    copied: dict = {"size": len(image)}

    def bootloader_then_copy() -> None:
        drive = media / "user" / "RPI-RP2"
        while not (drive / "INFO_UF2.TXT").exists():
            time.sleep(0.02)
        play_bootloader(drive, "pico.uf2", copied).join()

    watcher = threading.Thread(target=bootloader_then_copy, daemon=True)
    watcher.start()
    stages = []
    flash_board("rp2-pico", pico.url, catalog=cat, cache=cache, check_role=False, verify=False,
                method=Uf2Copy(drive_roots=[str(media)], drive_timeout=10, reboot_timeout=10),
                progress=lambda s, d, t: stages.append(s))
    watcher.join(timeout=10)
    assert b"\x03" in pico.received and b"import machine\nmachine.bootloader()\n\x04" in pico.received
    assert "bootloader" in stages and copied["data"] == image
    assert sorted(p.name for p in other.iterdir()) == ["INDEX.HTM", "INFO_UF2.TXT"]


def test_microbit_drive_chosen_by_serial_number(tmp_path):
    image = intel_hex(10)
    cat, cache = catalog(tmp_path, "microbit-v2", "    method: daplink\n", "mpy.hex", image)
    first = microbit_drive(tmp_path / "media" / "a", "9904360258994E45000000000000000000000000")
    second = microbit_drive(tmp_path / "media" / "b", "9906360200052833000000000000000000000000")
    method = DaplinkCopy(drive_roots=[str(tmp_path / "media")], program_timeout=10)
    with pytest.raises(DriveNotFound):  # two micro:bits and no serial number: which one? none
        flash_board("microbit-v2", None, catalog=cat, cache=cache, check_role=False, method=method)
    copied: dict = {"size": len(image)}
    thread = play_bootloader(second, "mpy.hex", copied, marker="DETAILS.TXT")
    flash_board("microbit-v2", None, catalog=cat, cache=cache, check_role=False, method=method,
                serial_number="9906360200052833000000000000000000000000", verify=False)
    thread.join()
    assert copied["data"] == image and not (first / "mpy.hex").exists()
