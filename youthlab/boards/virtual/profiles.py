"""Board profiles for the virtual board: which real board it stands in for.

A profile comes from an entry of ``hardware/boards.yaml`` with a ``virtual:`` block
(``profile``, the ``machine`` name MicroPython's banner prints, ``fs_bytes`` of flash
filesystem). The interpreter learns its profile from the environment
(``YLAB_PROFILE``, ``YLAB_CHIP``, ``YLAB_FS_BYTES``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from youthlab.boards.catalog import catalog
from youthlab.boards.errors import VirtualBoardError

DEFAULT_PROFILE = "esp32"
# The unix port's banner line: "MicroPython <version> on <date>; linux [GCC …] version".
_UNIX_BANNER = re.compile(rb"(MicroPython [^;\r\n]*); linux[^\r\n]*")


@dataclass(frozen=True)
class BoardProfile:
    name: str  # esp32 | rp2040
    board: str  # the catalog entry's name
    chip: str
    machine: str  # "Generic ESP32 module with ESP32"
    fs_bytes: int
    # machine.reset_cause() after machine.reset() and after waking from deep sleep, as
    # the port reports it: ESP32 reads the chip's reason (ESP_RST_SW is SOFT_RESET, 5);
    # RP2040 resets through its watchdog (WDT_RESET, 3). Power-on is PWRON_RESET (1);
    # a soft reboot (Ctrl-D) does not touch the chip, so the cause stays.
    reset_cause: int = 2
    deepsleep_cause: int = 4

    def board_banner(self, data: bytes) -> bytes:
        """The interpreter's banner as this board prints it (its version, our machine)."""
        return _UNIX_BANNER.sub(lambda m: m.group(1) + b"; " + self.machine.encode(), data)

    def cause(self, how: str) -> int:
        """machine.reset_cause() after a start of this kind (power, hard, deepsleep)."""
        return {"hard": self.reset_cause, "deepsleep": self.deepsleep_cause}.get(how, 1)

    def env(self) -> dict[str, str]:
        return {"YLAB_PROFILE": self.name, "YLAB_CHIP": self.chip,
                "YLAB_FS_BYTES": str(self.fs_bytes)}


def profiles() -> dict[str, BoardProfile]:
    """Every profile the catalog defines, by name."""
    out = {}
    for entry in catalog():
        v = entry.get("virtual")
        if isinstance(v, dict) and v.get("profile"):
            out[v["profile"]] = BoardProfile(
                name=v["profile"], board=entry.get("name", v["profile"]),
                chip=entry.get("chip", ""), machine=v.get("machine", entry.get("name", "")),
                fs_bytes=int(v.get("fs_bytes", 2 * 1024 * 1024)),
                reset_cause=int(v.get("reset_cause", 2)),
                deepsleep_cause=int(v.get("deepsleep_cause", 4)))
    return out


def profile(name: str | None = None) -> BoardProfile:
    """The profile ``name`` (default: ESP32)."""
    known = profiles()
    name = name or DEFAULT_PROFILE
    if name not in known:
        raise VirtualBoardError(key="boards.virtual.unknown_profile",
                                hint_key="boards.virtual.unknown_profile.hint",
                                name=name, known=", ".join(sorted(known)) or "-")
    return known[name]
