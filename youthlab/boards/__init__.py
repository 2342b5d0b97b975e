"""MicroPython boards from notebooks: sessions, deploy, virtual boards, station bridge.

Quick start in a notebook::

    %load_ext youthlab.boards
    %board connect virtual          # or /dev/ttyACM0, or station:3
    %%board
    from machine import Pin
    Pin(2, Pin.OUT).on()

or from Python::

    from youthlab.boards import connect
    board = connect("virtual")
    board.exec("print(1 + 1)")
    board.deploy("labs/01-first-board/board")
"""

from __future__ import annotations

from youthlab.boards.errors import (  # noqa: F401
    BoardError,
    BoardInUse,
    BoardNotFound,
    BoardUnplugged,
    DeployError,
    NotMicroPython,
)
from youthlab.boards.registry import connect, current, disconnect_all  # noqa: F401
from youthlab.boards.session import Session  # noqa: F401


def load_ipython_extension(ipython) -> None:  # %load_ext youthlab.boards
    from youthlab.boards.magic import load_ipython_extension as load

    load(ipython)
