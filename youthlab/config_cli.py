"""``youthlab config``: every setting of every area, as an operator reads it."""

from __future__ import annotations

import click

from youthlab.config import settings_classes
from youthlab.errors import ConfigError
from youthlab.i18n import t


@click.command("config")
@click.option("--area", default=None, help="Only the settings of this area (its entry-point name).")
def config(area: str | None) -> None:
    """List every setting: its environment variable, default, current value and help."""
    classes = settings_classes()
    if area is not None and area not in classes:
        raise ConfigError("config.unknown_area", "config.unknown_area.hint",
                          area=area, areas=", ".join(classes))
    for name, cls in classes.items():
        if area is not None and name != area:
            continue
        settings = cls.from_env()
        click.secho(f"[{name}] {cls.__module__}.{cls.__name__}", bold=True)
        for knob in settings.knobs():
            changed = knob.current != knob.default
            value = click.style(knob.current or "''", fg="yellow" if changed else None)
            click.echo(f"  {knob.env} = {value}  ({t('config.default')}: {knob.default or chr(39) * 2})")
            for line in knob.help().splitlines():
                click.echo(f"      {line}")
