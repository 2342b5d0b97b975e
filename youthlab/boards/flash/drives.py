"""USB mass-storage drives of bootloaders: the RP2 BOOTSEL drive and the DAPLink drive.

A drive is recognised by its marker file (``INFO_UF2.TXT`` for UF2 bootloaders,
``DETAILS.TXT`` for DAPLink), looked for in every mounted vfat/msdos filesystem
(``/proc/mounts``) and in the usual automount folders. Copying is chunked with progress
and ends with ``fsync``: the bootloader acts on the blocks it has received.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Iterable

DEFAULT_ROOTS = ("/media", "/run/media", "/mnt", "/Volumes")


def parse_info(text: str) -> dict[str, str]:
    """``Key: value`` lines of INFO_UF2.TXT / DETAILS.TXT."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _mounted_vfat() -> list[Path]:
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[2] in ("vfat", "msdos", "fat", "fuseblk"):
            out.append(Path(parts[1].replace("\\040", " ")))
    return out


def candidates(roots: Iterable[str]) -> list[Path]:
    """Folders that may be a drive: mounted FAT filesystems, and up to two levels below
    each root (``/media/<user>/RPI-RP2``)."""
    found = list(_mounted_vfat())
    for root in roots:
        base = Path(root)
        try:
            for child in base.iterdir():
                found.append(child)
                if child.is_dir():
                    found.extend(c for c in child.iterdir() if c.is_dir())
        except OSError:
            continue
    return found


def find_drives(marker: str, roots: Iterable[str]) -> list[tuple[Path, dict[str, str]]]:
    """(folder, parsed marker file) of every drive carrying ``marker``."""
    out = []
    seen = set()
    for folder in candidates(roots):
        info = folder / marker
        try:
            if folder in seen or not info.is_file():
                continue
            seen.add(folder)
            out.append((folder, parse_info(info.read_text(errors="replace"))))
        except OSError:
            continue
    return out


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> object:
    """Poll ``predicate`` until it returns something true, or ``timeout``; returns it (or None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def copy_to_drive(data: bytes, target: Path, progress: Callable[[int, int], None],
                  chunk: int = 64 * 1024) -> None:
    """Write ``data`` to ``target`` in chunks with progress, then fsync."""
    total = len(data)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for start in range(0, total, chunk):
            os.write(fd, data[start:start + chunk])
            progress(min(start + chunk, total), total)
        os.fsync(fd)
    finally:
        os.close(fd)
