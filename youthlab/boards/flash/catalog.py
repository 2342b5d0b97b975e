"""The firmware catalog (``hardware/firmware.yaml``) and the local firmware cache.

The catalog pins one MicroPython build per board family: file name, sha256, size, source
URL, chip (ESP) or UF2 family id (RP2), flash offset and method. The cache is a folder
the operator fills: ``youthlab flash fetch`` downloads what is reachable, an offline
centre copies the files in. A file is used only when its size and sha256 match the pin.
"""

from __future__ import annotations

import hashlib
import re
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from youthlab.boards.flash.errors import (
    FetchFailed,
    FirmwareChecksum,
    FirmwareMissing,
    FirmwareUnknown,
    FirmwareUnpinned,
)
from youthlab.errors import ConfigError
from youthlab.boards.settings import BoardSettings
from youthlab.paths import data_dir, hardware_dir

MAX_FIRMWARE_BYTES = 16 * 1024 * 1024  # no MicroPython image is bigger; bounds a download


@dataclass(frozen=True)
class Firmware:
    """One pinned firmware build for one board family."""

    family: str
    method: str  # entry point name in youthlab.flash_methods: esptool | uf2 | daplink
    version: str
    file: str
    sha256: str | None
    size: int | None
    url: str | None = None
    chip: str | None = None  # esptool chip name (esp32, esp32s3, …) for ESP families
    uf2_family: int | None = None  # UF2 family id for UF2 families
    board_id: str | None = None  # Board-ID prefix in INFO_UF2.TXT
    offset: int = 0
    title: dict[str, str] = field(default_factory=dict)


def _int(value: Any) -> int | None:
    if value is None:
        return None
    return int(value, 0) if isinstance(value, str) else int(value)


def catalog_path() -> Path:
    """``YOUTHLAB_FIRMWARE_CATALOG`` or ``hardware/firmware.yaml``."""
    env = BoardSettings.setting("firmware_catalog")
    return Path(env) if env else hardware_dir() / "firmware.yaml"


def cache_dir() -> Path:
    """Where firmware files live: ``YOUTHLAB_FIRMWARE_CACHE`` or ``<data>/firmware``."""
    env = BoardSettings.setting("firmware_cache")
    return Path(env) if env else data_dir() / "firmware"


def load_catalog(path: Path | None = None) -> dict[str, Firmware]:
    """Every pinned family, by name; a malformed entry names the file and the family."""
    path = path or catalog_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        families = data["families"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(detail=f"{path}: {exc}") from exc
    out: dict[str, Firmware] = {}
    for name, entry in families.items():
        try:
            sha = entry.get("sha256")
            if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha)):
                raise ValueError(f"sha256 must be 64 hex digits in quotes, not {sha!r}")
            out[name] = Firmware(
                family=name, method=entry["method"], version=str(entry["version"]),
                file=entry["file"], sha256=sha.lower() if sha else None, size=_int(entry.get("size")),
                url=entry.get("url"), chip=entry.get("chip"), uf2_family=_int(entry.get("uf2_family")),
                board_id=entry.get("board_id"), offset=_int(entry.get("offset")) or 0,
                title=dict(entry.get("title") or {}),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(detail=f"{path}: family {name}: {exc}") from exc
    return out


def firmware_for(family: str, path: Path | None = None) -> Firmware:
    catalog = load_catalog(path)
    if family not in catalog:
        raise FirmwareUnknown(family=family, known=", ".join(sorted(catalog)))
    return catalog[family]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_file(fw: Firmware, cache: Path | None = None, catalog: Path | None = None) -> Path:
    """The cached file of ``fw``, checked against its pin (size, then sha256)."""
    cache = cache or cache_dir()
    path = cache / fw.file
    if not path.is_file():
        raise FirmwareMissing(family=fw.family, file=fw.file, folder=str(cache), url=fw.url or "-")
    if not fw.sha256:
        raise FirmwareUnpinned(family=fw.family, file=fw.file, actual=sha256_of(path),
                               catalog=str(catalog or catalog_path()))
    size = path.stat().st_size
    if fw.size is not None and size != fw.size:
        raise FirmwareChecksum(file=str(path), expected=f"{fw.size} bytes", actual=f"{size} bytes")
    actual = sha256_of(path)
    if actual != fw.sha256:
        raise FirmwareChecksum(file=str(path), expected=fw.sha256, actual=actual)
    return path


def fetch(fw: Firmware, cache: Path | None = None,
          progress: Callable[[int, int], None] | None = None, timeout: float = 30) -> Path:
    """Download ``fw`` into the cache (kept only if it matches its pin); returns its path."""
    import requests

    cache = cache or cache_dir()
    try:
        return verified_file(fw, cache)
    except FirmwareMissing:
        pass
    if not fw.url:
        raise FirmwareMissing(family=fw.family, file=fw.file, folder=str(cache), url="-")
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=cache)
    try:
        with os.fdopen(fd, "wb") as out, requests.get(fw.url, stream=True, timeout=timeout) as resp:
            resp.raise_for_status()
            total = int(resp.headers.get("content-length") or fw.size or 0)
            done = 0
            for chunk in resp.iter_content(1 << 16):
                done += len(chunk)
                if done > MAX_FIRMWARE_BYTES:
                    raise FetchFailed(url=fw.url, detail=f"larger than {MAX_FIRMWARE_BYTES} bytes")
                out.write(chunk)
                if progress:
                    progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        final = cache / fw.file
        os.replace(tmp, final)
    except requests.RequestException as exc:
        raise FetchFailed(url=fw.url, detail=str(exc).splitlines()[0][:200]) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    try:
        return verified_file(fw, cache)
    except FirmwareChecksum:
        final.unlink(missing_ok=True)  # a wrong download never stays in the cache
        raise
    # FirmwareUnpinned goes up as it is: the file stays (it is never used unpinned) and the
    # message shows its sha256 for the operator to check and pin.
