"""Discovery and catalog: which boards are connected, and what are they?

Serial ports come from pyserial's ``list_ports``; each is matched against
``hardware/boards.yaml`` by USB VID:PID. Virtual boards running on this machine (see
:mod:`youthlab.boards.virtual`) are listed too, with serial numbers ``VIRT-<name>`` (``VIRT-<user>-<name>`` in a hub),
so a Session can find any board again by its serial number after a replug.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from serial.tools import list_ports

from youthlab.boards.catalog import catalog, identify  # noqa: F401 (re-exported)
from youthlab.boards.virtual.board import running_virtual_boards


@dataclass
class BoardInfo:
    port: str
    name: str
    chip: str
    serial_number: str | None
    vid_pid: str | None = None
    kind: str = "usb"  # usb | virtual | remote
    known: bool = True
    reset: str = "none"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def usb_boards(include_unknown: bool = False) -> list[BoardInfo]:
    """Serial ports with a USB VID:PID, named from the catalog."""
    out = []
    for p in sorted(list_ports.comports(), key=lambda p: p.device):
        if p.vid is None:
            continue
        entry = identify(p.vid, p.pid)
        if entry is None and not include_unknown:
            continue
        out.append(BoardInfo(
            port=p.device,
            name=entry["name"] if entry else (p.product or p.description or "?"),
            chip=entry.get("chip", "?") if entry else "?",
            serial_number=p.serial_number,
            vid_pid=f"{p.vid:04x}:{p.pid:04x}",
            known=entry is not None,
            reset=entry.get("reset", "none") if entry else "none",
        ))
    return out


def virtual_boards() -> list[BoardInfo]:
    """Virtual boards that live processes on this machine publish."""
    return [
        BoardInfo(port=v["port"], name=f"virtual:{v['name']}", chip=v.get("profile", "virtual"),
                  serial_number=v["serial_number"], kind="virtual")
        for v in running_virtual_boards() if v.get("port")
    ]


def list_boards(include_unknown: bool = False) -> list[BoardInfo]:
    """Every board this machine can reach right now: USB first, then virtual."""
    return usb_boards(include_unknown) + virtual_boards()


def find_port(serial_number: str) -> str | None:
    """The current port of the board with this serial number (None if absent)."""
    for board in list_boards(include_unknown=True):
        if board.serial_number == serial_number:
            return board.port
    return None


def serial_number_of(port: str) -> str | None:
    """The serial number of the board at ``port`` now (to find it after a replug)."""
    if "://" in port:
        return None
    for board in list_boards(include_unknown=True):
        if board.port == port:
            return board.serial_number
    return None
