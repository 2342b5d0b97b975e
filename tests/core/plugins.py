"""A plug-in installed the way pip installs any package: one module and a ``*.dist-info``
folder whose ``entry_points.txt`` registers it, on ``sys.path``. Shared by the tests that
show a new drone backend or printer kind is "one file plus one entry-point line"."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest


def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, source: str,
                     group: str, entries: dict[str, str]) -> Iterator[Path]:
    """For a fixture to ``yield from``: writes ``module``.py (``source``) and its dist-info
    (``entries``: entry-point name → ``module:Object``, under ``group``) to ``tmp_path/site``,
    puts that folder first on ``sys.path`` and yields it; afterwards forgets the module."""
    site = tmp_path / "site"
    site.mkdir()
    (site / f"{module}.py").write_text(source)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n" + "".join(f"{name} = {value}\n"
                                                                   for name, value in entries.items()))
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop(module, None)
