"""Put a student's robot program onto a real robot (or a virtual board) unchanged.

:func:`bundle` makes the folder a robot needs — the program as ``main.py`` (so it runs at
power-on), the board library ``robot.py`` (+ ``ylab.py``) and ``robot_config.py`` naming
the kit — and :func:`deploy` syncs it with the boards' :class:`~youthlab.boards.Session`
deploy (hash-skip, atomic writes), then optionally starts it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from youthlab.robot.kits import get_kit
from youthlab.robot.runner import _read_program, board_lib_dir


def bundle(program: str | os.PathLike, folder: str | os.PathLike, kit: str | None = None) -> Path:
    """Write ``main.py``, the board libraries and ``robot_config.py`` into ``folder``."""
    kit = kit or "pico-car"
    get_kit(kit)  # unknown kit → KitError before anything is written
    source, _ = _read_program(program)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for lib in sorted(board_lib_dir().glob("*.py")):
        shutil.copyfile(lib, out / lib.name)
    (out / "robot_config.py").write_text(f"KIT = {kit!r}\n", encoding="utf-8")
    (out / "main.py").write_text(source, encoding="utf-8")
    return out


def deploy(program: str | os.PathLike, session: Any, kit: str | None = None, *, run: bool = True,
           timeout: float | None = None, on_output: Any = None, **deploy_kw: Any) -> tuple[Any, str | None]:
    """Sync the bundle to the board behind ``session`` and (``run``) start ``main.py``.

    Returns (the deploy result, the program's output or None if not run).
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ylab-robot-bundle-") as tmp:
        result = session.deploy(bundle(program, tmp, kit), **deploy_kw)
    output = None
    if run:
        output = session.exec("exec(open('main.py').read(), {'__name__': '__main__'})",
                              timeout=timeout, on_output=on_output)
    return result, output
