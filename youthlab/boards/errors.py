"""Board errors: each one a ko/en message and a hint (keys in messages/boards.yaml)."""

from __future__ import annotations

from youthlab.errors import YouthLabError


class BoardError(YouthLabError):
    """Something went wrong talking to a board."""

    key = "boards.error"
    hint_key = "boards.error.hint"


class UnknownSimulator(BoardError):
    """No simulator of that name is registered (or its module cannot be loaded)."""

    key = "boards.simulator.unknown"
    hint_key = "boards.simulator.unknown.hint"


class BoardNotFound(BoardError):
    key = "boards.not_found"
    hint_key = "boards.not_found.hint"


class BoardInUse(BoardError):
    key = "boards.in_use"
    hint_key = "boards.in_use.hint"


class BoardUnplugged(BoardError):
    key = "boards.unplugged"
    hint_key = "boards.unplugged.hint"


class NotMicroPython(BoardError):
    key = "boards.not_micropython"
    hint_key = "boards.not_micropython.hint"


class BoardStuck(BoardError):
    """The recovery ladder ran out of steps: only a human can help now."""

    key = "boards.stuck"
    hint_key = "boards.stuck.hint"


class BoardTimeout(BoardError):
    key = "boards.timeout"
    hint_key = "boards.timeout.hint"


class BoardCodeError(BoardError):
    """The student's code raised on the board; ``traceback`` holds the board's text."""

    key = "boards.code_error"
    hint_key = "boards.code_error.hint"

    def __init__(self, traceback: str) -> None:
        self.traceback = traceback
        last = traceback.strip().splitlines()[-1] if traceback.strip() else ""
        super().__init__(last=last)


class DeployError(BoardError):
    key = "boards.deploy_error"
    hint_key = "boards.deploy_error.hint"


class VirtualBoardError(BoardError):
    key = "boards.virtual_error"
    hint_key = "boards.virtual_error.hint"


class StationUnknown(BoardError):
    key = "boards.station_unknown"
    hint_key = "boards.station_unknown.hint"


class FlashError(BoardError):
    key = "boards.flash_error"
    hint_key = "boards.flash_error.hint"
