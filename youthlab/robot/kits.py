"""Robot car kits (pin maps): the ``robot_kits:`` section of ``hardware/boards.yaml``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from youthlab.paths import hardware_dir
from youthlab.robot.errors import KitError

DEFAULT_KIT = "pico-car"


@lru_cache(maxsize=1)
def all_kits() -> dict[str, dict[str, Any]]:
    """Every kit by name, as in ``hardware/boards.yaml`` (``robot_kits:``)."""
    data = yaml.safe_load((hardware_dir() / "boards.yaml").read_text(encoding="utf-8"))
    return {name: dict(spec) for name, spec in data["robot_kits"].items()}


def get_kit(name: str | None = None) -> dict[str, Any]:
    """The pin map of one kit (default: ``pico-car``)."""
    kits = all_kits()
    name = name or DEFAULT_KIT
    if name not in kits:
        raise KitError(name=name, names=", ".join(kits))
    return kits[name]
