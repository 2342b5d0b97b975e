"""One flash, start to finish: who asks, which file, is it right, write, does it answer.

``flash_board(family, port)`` is the public entry (CLI, notebook, bench): role check →
pinned, verified file from the cache → the method's image check (chip / UF2 family /
HEX) → write with progress → connect and read ``sys.implementation`` / ``os.uname()``.
Nothing is written before every check passed, and nothing reports success without the
board answering (unless ``verify=False``, for a drive-only target in tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from youthlab.boards.flash.base import FlashMethod, Progress, method_class, no_progress
from youthlab.boards.flash.catalog import Firmware, firmware_for, verified_file
from youthlab.boards.flash.identify import identify
from youthlab.boards.flash.roles import require_flash_role


@dataclass
class FlashResult:
    family: str
    version: str
    port: str | None
    board: dict[str, Any] = field(default_factory=dict)  # implementation + uname, if verified


def make_method(fw: Firmware, **traits: Any) -> FlashMethod:
    return method_class(fw.method)(**traits)


def flash_board(family: str, port: str | None = None, *, progress: Progress = no_progress,
                verify: bool = True, catalog: Path | None = None, cache: Path | None = None,
                method: FlashMethod | None = None, check_role: bool = True,
                serial_number: str | None = None, answer_timeout: float = 20.0) -> FlashResult:
    """Put the pinned MicroPython of ``family`` on the board at ``port`` and check it runs."""
    if check_role:
        require_flash_role()
    fw = firmware_for(family, catalog)
    progress("verify_file", 0, 1)
    data = verified_file(fw, cache, catalog).read_bytes()
    method = method or make_method(fw)
    method.check(fw, data)
    answer_port = method.write(fw, data, port, progress, serial_number=serial_number)
    result = FlashResult(fw.family, fw.version, answer_port)
    if verify and answer_port:
        progress("identify", 0, 1)
        result.board = identify(answer_port, timeout=answer_timeout, serial_number=serial_number)
    progress("done", 1, 1)
    return result
