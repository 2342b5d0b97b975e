"""The ``youthlab`` command: one entry point for operators, teachers and clubs.

Sub-commands live next to the code they drive and are registered under the entry-point
group ``youthlab.commands`` (pyproject.toml), so an area adds one without editing this
file. They are imported only when run: ``youthlab --help`` lists them with their one-line
help from the catalogue (``cli.command.<name>``, ko/en) and imports none of them, so the
command starts in the time of click and the catalogue. One whose module is missing fails
loudly with a ko/en message when run, and ``youthlab --help`` names it as broken (found
by looking for the module, not importing it). A plug-in command without a catalogue line
is loaded for its help.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from importlib.machinery import PathFinder
from importlib.metadata import EntryPoint, entry_points

import click

from youthlab.errors import YouthLabError
from youthlab.i18n import catalogue, set_language, t

COMMANDS_GROUP = "youthlab.commands"


class SubcommandBroken(YouthLabError):
    """A sub-command is registered but its module (or the command in it) cannot be loaded."""

    key = "cli.subcommand_broken"
    hint_key = "cli.subcommand_broken.hint"


@lru_cache(maxsize=1)
def subcommands() -> dict[str, EntryPoint]:
    """Sub-command name -> its entry point in ``youthlab.commands`` (pyproject.toml)."""
    return {ep.name: ep for ep in entry_points(group=COMMANDS_GROUP)}


def load_subcommand(name: str) -> click.Command:
    """The click command ``name``; :class:`SubcommandBroken` (ko/en) when it cannot load."""
    ep = subcommands()[name]
    try:
        command = ep.load()
    except (ImportError, AttributeError) as exc:
        raise SubcommandBroken(name=name, target=ep.value, detail=f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(command, click.Command):
        raise SubcommandBroken(name=name, target=ep.value, detail=f"not a click command: {command!r}")
    return command


def module_findable(name: str) -> bool:
    """Whether module ``name`` exists, found without running any package's ``__init__``."""
    top, *rest = name.split(".")
    try:
        spec = importlib.util.find_spec(top)  # a top-level name: nothing is imported
    except (ImportError, ValueError):
        return False
    for part in rest:
        if spec is None or not spec.submodule_search_locations:
            return False
        spec = PathFinder.find_spec(part, list(spec.submodule_search_locations))
    return spec is not None


def short_help(name: str, limit: int) -> str:
    """The one-line help of sub-command ``name`` for ``youthlab --help``: the catalogue's
    ``cli.command.<name>`` (nothing imported), else the command's own; ``✗ why`` when its
    module is missing."""
    ep = subcommands()[name]
    if not module_findable(ep.module):
        return "✗ " + SubcommandBroken(name=name, target=ep.value, detail=f"no module {ep.module}").message()
    if f"cli.command.{name}" in catalogue():
        text = t(f"cli.command.{name}")
        return text if len(text) <= limit else text[: max(limit - 3, 1)].rstrip() + "..."
    try:
        return load_subcommand(name).get_short_help_str(limit)
    except SubcommandBroken as exc:
        return "✗ " + exc.message()


class EntryPointGroup(click.Group):
    """Sub-commands found by entry point, imported only when run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(subcommands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in subcommands():
            return None
        return load_subcommand(cmd_name)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        with formatter.indentation():
            for k, paragraph in enumerate(t("cli.help").split("\n\n")):
                if k:
                    formatter.write_paragraph()
                formatter.write_text(paragraph)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        rows = [(name, short_help(name, limit)) for name in names]  # a broken one says why
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=EntryPointGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["ko", "en"]), default=None, is_eager=True, expose_value=False,
              callback=lambda ctx, param, value: set_language(value) if value else None,
              help="Language of messages (default: YOUTHLAB_LANG, then your locale, then ko).")
@click.version_option(package_name="youthlab")
def cli() -> None:
    """YouthLab: the hall's hub, labs, boards, drones, robots, stamps, games and kiosks.

    Start here: `youthlab up` (the hub), `youthlab doctor` (check the install).
    """


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
