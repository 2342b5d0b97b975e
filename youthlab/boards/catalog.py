"""The boards the kit knows: ``hardware/boards.yaml`` (USB ids, chip, flashing, reset)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from youthlab.paths import hardware_dir


@lru_cache(maxsize=1)
def catalog() -> list[dict[str, Any]]:
    """The known boards from ``hardware/boards.yaml``."""
    path = hardware_dir() / "boards.yaml"
    try:
        return list(yaml.safe_load(path.read_text(encoding="utf-8"))["boards"])
    except (OSError, KeyError, TypeError):
        return []


def identify(vid: int | None, pid: int | None) -> dict[str, Any] | None:
    """The catalog entry for a USB VID:PID, or None."""
    if vid is None or pid is None:
        return None
    exact = f"{vid:04x}:{pid:04x}"
    wildcard = f"{vid:04x}:*"
    for entry in catalog():
        usb = [u.lower() for u in entry.get("usb", [])]
        if exact in usb or wildcard in usb:
            return entry
    return None
