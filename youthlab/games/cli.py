"""``youthlab game``: play a hall game in a window, or full screen on a kiosk.

    youthlab game list                          # the games
    youthlab game sorting-office                # a window (Escape quits)
    youthlab game island-delivery --kiosk       # full screen; staff exit with the kiosk PIN
    youthlab game robot-postman --board virtual # a board (or a virtual one) as the controller
"""

from __future__ import annotations

import click

from youthlab.boards import connect
from youthlab.games import catalog, game_names, make_game
from youthlab.games.board_input import BoardController
from youthlab.games.shell import GameShell, init_pygame
from youthlab.i18n import LANGUAGES, t
from youthlab.kiosk.security import ensure_staff_pin
from youthlab.kiosk.settings import KioskSettings
from youthlab.paths import data_dir


def _play(name: str, kiosk: bool, board: str | None, lang: str | None, size: str, seconds: float | None) -> None:
    settings = KioskSettings.from_env()
    staff_pin = None
    if kiosk:
        staff_pin, _ = ensure_staff_pin(data_dir())
    width, height = (int(v) for v in size.lower().split("x"))
    init_pygame()
    shell = GameShell(make_game(name), size=(width, height), lang=lang or settings.language,
                      idle_seconds=settings.idle_seconds, staff_pin=staff_pin)
    controller = None
    if board:
        session = connect(board, quiet=True)
        click.echo(t("games.board.connected", board=session.name))
        controller = BoardController(session, shell).start()
    try:
        shell.run(fullscreen=kiosk, max_seconds=seconds)
    finally:
        if controller:
            controller.stop()
        import pygame

        pygame.quit()


@click.group(help=t("games.cli.help"))
def game() -> None:
    pass


@game.command("list")
def list_games() -> None:
    """List the games."""
    click.echo(t("games.cli.list") + ":")
    for entry in catalog():
        click.echo(f"  {entry.name:16} {entry.title['ko']} · {entry.title['en']}")


def _command(name: str) -> click.Command:
    @click.command(name, help=f"Play {name}.")
    @click.option("--kiosk", is_flag=True, help="Full screen; staff exit by the kiosk's PIN (Escape).")
    @click.option("--board", default=None, help="A board as the controller: virtual, a port, station:…")
    @click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Start language (default: the kiosk's).")
    @click.option("--size", default="1280x720", show_default=True, help="Window size WIDTHxHEIGHT.")
    @click.option("--seconds", type=float, default=None, hidden=True)
    def play(kiosk: bool, board: str | None, lang: str | None, size: str, seconds: float | None) -> None:
        _play(name, kiosk, board, lang, size, seconds)
    return play


for _name in game_names():
    game.add_command(_command(_name))


def main(name: str) -> None:
    """``python games/<name>``: the same command for one game."""
    _command(name)(prog_name=f"games/{name}")
