"""The one settings source: every knob a documented trait, read from the environment once.

A settings class is a traitlets :class:`~traitlets.config.Configurable` whose knobs are
tagged with the environment variable an operator sets::

    class FlightSettings(EnvConfigurable):
        port = knob(Int(8870, min=1, max=65535), "YOUTHLAB_FLIGHT_PORT")

    settings = FlightSettings.from_env()   # environment read here, once

Precedence, last wins: the trait's default, the environment variable, traitlets config
(``c.FlightSettings.port = …`` in a JupyterHub config file). A value the trait cannot
take is a :class:`SettingError` naming the variable, in Korean and English.

Settings classes are listed under the entry-point group ``youthlab.settings`` so that
``youthlab config`` shows every knob of every area: variable, default, current value
(secrets masked) and help. Tags (:func:`knob` sets them): ``env`` (the variable),
``secret=True`` (masked), ``help_key`` (the catalogue key of the ko/en help shown to
operators, ``config.help.<variable in lower case>`` unless given). The help is the
catalogue's only: a knob has no inline ``help=`` text to drift from it.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from typing import Any, Iterator, Mapping, TypeVar

from traitlets import Bool, CaselessStrEnum, TraitError, TraitType, Unicode
from traitlets.config import Config, Configurable

from youthlab.errors import ConfigError

SETTINGS_GROUP = "youthlab.settings"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

S = TypeVar("S", bound="EnvConfigurable")
T = TypeVar("T", bound=TraitType)


class SettingError(ConfigError):
    """An environment variable holds a value its setting cannot take."""

    key = "config.bad_value"
    hint_key = "config.bad_value.hint"


def _parse(trait: TraitType, raw: str) -> Any:
    if isinstance(trait, Bool):  # operators write on/off as often as true/false
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise TraitError(raw)
    if not isinstance(trait, Unicode):
        raw = raw.strip()  # " always", "2 ": what an operator means is plain
    if isinstance(trait, CaselessStrEnum):  # "Always" is the value "always", as the code compares it
        for value in trait.values or ():
            if isinstance(value, str) and value.lower() == raw.lower():
                return value
    return trait.from_string(raw)


def knob(trait: T, env: str, **tags: Any) -> T:
    """``trait`` as a setting read from ``env``: its help is the catalogue's ``help_key``
    (default ``config.help.<env in lower case>``); other tags (``secret=True``) pass on."""
    return trait.tag(config=True, env=env, **tags)


def _help_key(trait: TraitType) -> str:
    return trait.metadata.get("help_key") or "config.help." + trait.metadata["env"].lower()


def _help(trait: TraitType, lang: str | None = None) -> str:
    """The catalogue's help of an env-tagged ``trait`` in ``lang``: the only help a setting has."""
    from youthlab.i18n import t

    return t(_help_key(trait), lang)


class EnvConfigurable(Configurable):
    """Base of every settings class: traits tagged ``env=…`` come from the environment."""

    @classmethod
    def env_traits(cls) -> dict[str, TraitType]:
        """The knobs of this class that an environment variable sets, by trait name."""
        found = cls.__dict__.get("_env_traits")
        if found is None:
            found = {name: trait for name, trait in cls.class_traits(config=True).items()
                     if trait.metadata.get("env")}
            setattr(cls, "_env_traits", found)
        return found

    @classmethod
    def _from_environ(cls, trait: TraitType, env: Mapping[str, str]) -> tuple[bool, Any]:
        """(whether the environment sets ``trait``, its checked value)."""
        var = trait.metadata["env"]
        if var not in env or (not env[var].strip() and not isinstance(trait, Unicode)):
            return False, None  # unset, or set empty for a number or a switch: its default
        try:
            value = _parse(trait, env[var])
            proto = cls.__dict__.get("_validation_instance")
            if proto is None:  # one instance per class to check values against (enum, bounds …)
                proto = cls()
                setattr(cls, "_validation_instance", proto)
            value = trait._validate(proto, value)
        except (TraitError, ValueError) as exc:
            shown = "***" if trait.metadata.get("secret") else env[var]
            raise SettingError(var=var, value=shown, detail=str(exc).splitlines()[0][:200]) from None
        return True, value

    @classmethod
    def env_values(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The values the environment gives (checked); unset variables are left out."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, trait in cls.env_traits().items():
            found, value = cls._from_environ(trait, env)
            if found:
                values[name] = value
        return values

    @classmethod
    def setting(cls, name: str, environ: Mapping[str, str] | None = None) -> Any:
        """One knob, read now: the environment's value (checked) or the trait's default.

        For code that asks one thing where it is needed (a folder, a mode) and must see
        the environment of the moment (a test, a child process); services that hold
        their settings for their life use :meth:`from_env` once.
        """
        trait = cls.env_traits()[name]
        found, value = cls._from_environ(trait, os.environ if environ is None else environ)
        return value if found else trait.default()

    @classmethod
    def from_env(cls: type[S], environ: Mapping[str, str] | None = None,
                 config: Config | None = None, **kwargs: Any) -> S:
        """The settings from ``environ`` (default ``os.environ``), then ``config`` on top."""
        merged = Config({cls.__name__: cls.env_values(environ)})
        if config is not None:
            merged.merge(config)
        return cls(config=merged, **kwargs)

    @classmethod
    def class_get_trait_help(cls, trait: TraitType, inst: Any = None, helptext: str | None = None) -> str:
        """A command line's ``--help`` of a knob shows the catalogue's help, as ``youthlab config`` does."""
        if helptext is None and trait.metadata.get("env"):
            helptext = _help(trait)
        return super().class_get_trait_help(trait, inst, helptext)

    def knobs(self) -> Iterator["Knob"]:
        """Every env-tagged knob with its default and current value, for ``youthlab config``."""
        for name, trait in sorted(self.env_traits().items(), key=lambda kv: kv[1].metadata["env"]):
            yield Knob(self, name, trait)


class Knob:
    """One setting as an operator sees it."""

    def __init__(self, owner: EnvConfigurable, name: str, trait: TraitType) -> None:
        self.owner, self.name, self.trait = owner, name, trait

    @property
    def env(self) -> str:
        return self.trait.metadata["env"]

    @property
    def secret(self) -> bool:
        return bool(self.trait.metadata.get("secret"))

    def _shown(self, value: Any) -> str:
        if self.secret:
            return "***" if value else ""
        if isinstance(value, bool):
            return "on" if value else "off"
        return "" if value is None else str(value)

    @property
    def default(self) -> str:
        return self._shown(self.trait.default())

    @property
    def current(self) -> str:
        return self._shown(getattr(self.owner, self.name))

    @property
    def help_key(self) -> str:
        return _help_key(self.trait)

    def help(self, lang: str | None = None) -> str:
        return _help(self.trait, lang)


def settings_class(area: str) -> type[EnvConfigurable]:
    """The settings class registered as ``area`` under ``youthlab.settings``.

    For code that needs a knob of an area whose module imports it (the flight service's
    switch is the hub service's setting, and that module imports the service): found by
    entry point, it adds no import edge."""
    for ep in entry_points(group=SETTINGS_GROUP, name=area):
        return ep.load()
    raise KeyError(area)


def settings_classes() -> dict[str, type[EnvConfigurable]]:
    """Every settings class registered under ``youthlab.settings``, by entry-point name."""
    found: dict[str, type[EnvConfigurable]] = {}
    for ep in sorted(entry_points(group=SETTINGS_GROUP), key=lambda e: e.name):
        found[ep.name] = ep.load()
    return found
