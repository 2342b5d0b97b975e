"""The ``youthlab`` command: one entry point for operators, teachers and clubs.

Subcommands live next to the code they drive and are imported only when used, so
``youthlab --help`` stays fast and one broken area cannot break the others.
"""

from __future__ import annotations

import importlib
import sys

import click

from youthlab.errors import YouthLabError
from youthlab.i18n import set_language

# name -> "module:attribute" of a click command or group. Areas whose module is not
# there yet are left out of --help instead of failing.
SUBCOMMANDS: dict[str, str] = {
    "up": "youthlab.hub.launcher:up",
    "doctor": "youthlab.doctor:doctor",
    "board": "youthlab.boards.cli:board",
    "flash": "youthlab.boards.cli:flash",
    "drone": "youthlab.drone.cli:drone",
    "robot": "youthlab.robot.cli:robot",
    "stamp": "youthlab.stamp.cli:stamp",
    "game": "youthlab.games.cli:game",
    "course": "youthlab.grading.cli:course",
    "class": "youthlab.hub.classes:class_",
    "kiosk": "youthlab.kiosk.cli:kiosk",
    "backup": "youthlab.backup_cli:backup_cmd",
    "restore": "youthlab.backup_cli:restore_cmd",
}


def _load(name: str) -> click.Command | None:
    module_name, attr = SUBCOMMANDS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # that area is not built yet
        raise
    return getattr(module, attr)


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in SUBCOMMANDS if _load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        return _load(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["ko", "en"]), default=None,
              help="Language of messages (default: YOUTHLAB_LANG, then your locale, then ko).")
@click.version_option(package_name="youthlab")
def cli(lang: str | None) -> None:
    """YouthLab: the hall's hub, labs, boards, drones, robots, stamps, games and kiosks.

    Start here: `youthlab up` (the hub), `youthlab doctor` (check the install).
    """
    if lang:
        set_language(lang)


def main() -> None:
    """Console entry point: user errors print their message and hint, not a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except YouthLabError as exc:
        click.secho(f"✗ {exc.message()}", fg="red", err=True)
        hint = exc.hint()
        if hint:
            click.echo(f"  → {hint}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
