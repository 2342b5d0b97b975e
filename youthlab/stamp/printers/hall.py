"""The hall's printers file (``printers.yaml``): which printers there are, of what kind.

Printers and their URLs come from ``printers.yaml`` (see ``hardware/printers/README.md``);
API keys from an environment variable (``api_key_env``) or the operator's
``var/printers.yaml`` — never from the repository.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import yaml

from youthlab.paths import data_dir
from youthlab.stamp.errors import UnknownPrinter
from youthlab.stamp.printers.base import PrinterConfig
from youthlab.stamp.profiles import printers_dir
from youthlab.stamp.settings import PrintQueueSettings

DEFAULT_KIND = "octoprint"
_COMMON_KEYS = {"url", "api_key", "api_key_env", "profile", "kind"}


def printers_file(environ: Mapping[str, str] | None = None) -> Path:
    """``YOUTHLAB_PRINTERS``, else the operator's ``var/printers.yaml``, else the repository's."""
    chosen = PrintQueueSettings.from_env(environ).printers_file
    if chosen:
        return Path(chosen)
    local = data_dir() / "printers.yaml"
    return local if local.is_file() else printers_dir() / "printers.yaml"


def load_printers(path: str | Path | None = None) -> dict[str, PrinterConfig]:
    """Printers by name from the YAML config (``api_key`` or ``api_key_env`` per printer;
    ``kind`` chooses the plug-in, default ``octoprint``; other keys go to the kind)."""
    p = Path(path) if path else printers_file()
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    out = {}
    for name, spec in (data.get("printers") or {}).items():
        spec = spec or {}
        key = spec.get("api_key") or (os.environ.get(spec["api_key_env"]) if spec.get("api_key_env") else None)
        out[name] = PrinterConfig(name=name, url=spec.get("url"), api_key=key,
                                  profile=spec.get("profile", "hall-i3.ini"),
                                  kind=str(spec.get("kind") or DEFAULT_KIND),
                                  options={k: v for k, v in spec.items() if k not in _COMMON_KEYS})
    return out


def get_printer(name: str, path: str | Path | None = None) -> PrinterConfig:
    """One printer's config by name; :class:`UnknownPrinter` (ko/en) if there is none."""
    printers = load_printers(path)
    if name not in printers:
        raise UnknownPrinter(printer=name, known=", ".join(printers) or "-")
    return printers[name]
