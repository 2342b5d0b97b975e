"""A board as the game controller: run ``hardware/micropython/controller.py`` on it and
feed its data-channel readings to a :class:`GameShell`."""

from __future__ import annotations

import threading

from youthlab.paths import hardware_dir

CONTROLLER = "micropython/controller.py"


def controller_source() -> str:
    return (hardware_dir() / CONTROLLER).read_text(encoding="utf-8")


class BoardController:
    """The controller program running on ``session``'s board, in a background thread
    (the board streams until :meth:`stop` closes the link)."""

    def __init__(self, session, shell) -> None:
        self.session = session
        self.listener = shell.attach_board(session)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="game-board-controller", daemon=True)

    def start(self) -> "BoardController":
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.session.exec(controller_source(), on_output=lambda s: None, timeout=None, remember=False)
        except BaseException as exc:  # the link closed (stop) or the board went away
            self.error = exc

    def stop(self) -> None:
        try:
            self.session.data.listeners.remove(self.listener)
        except ValueError:
            pass
        self.session.close()
        self.thread.join(timeout=5)
