"""Plug-ins found by entry point: one way to list a group's names and load one by name.

Drone backends, printer kinds, flash methods and hall games are each a small interface
(a base class) whose implementations are registered under an entry-point group, as
JupyterHub finds spawners and authenticators. A name nobody registered, a module that
does not load, or a class of the wrong kind raises :class:`PluginNotFound` (the last two:
its subclass :class:`PluginBroken`); each area turns it into its own ko/en error
(protocol code raises, the face translates), a broken one with the shared message
``plugin.broken``.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TypeVar

T = TypeVar("T")


class PluginNotFound(LookupError):
    """``detail``: the names that are registered, or why the registered one failed."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class PluginBroken(PluginNotFound):
    """The name is registered, but what it names does not load or is not of the right kind;
    ``detail``: the entry point and why."""


#: The message and hint an area gives for a :class:`PluginBroken` (params: name, group, detail).
BROKEN_KEY, BROKEN_HINT_KEY = "plugin.broken", "plugin.broken.hint"


def plugin_names(group: str) -> list[str]:
    """Every name registered under ``group``, sorted."""
    return sorted({ep.name for ep in entry_points(group=group)})


def plugin_class(group: str, name: str, base: type[T]) -> type[T]:
    """The class registered as ``name`` in ``group``, checked to be a ``base``."""
    found = [ep for ep in entry_points(group=group) if ep.name == name]
    if not found:
        raise PluginNotFound(", ".join(plugin_names(group)) or "-")
    try:
        cls = found[0].load()
    except (ImportError, AttributeError) as exc:  # a registered plug-in must fail loudly
        raise PluginBroken(f"{found[0].value}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise PluginBroken(f"{found[0].value} is not a {base.__name__}")
    return cls
