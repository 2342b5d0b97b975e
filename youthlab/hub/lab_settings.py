"""JupyterLab defaults for every student, set once for the whole installation.

JupyterLab reads ``<sys.prefix>/share/jupyter/lab/settings/overrides.json`` as the
defaults of its plugins' settings. Ours: no news from jupyter.org and no update checks (a
first Lab asked a Korean student, in English, whether to reach the internet for news), and
Korean as the default language (a student's own choice in Settings → Language still wins).
Written into the venv, so the runtime mirror under /opt/youthlab copies it too
(``youthlab up`` and ``make setup`` call :func:`install_overrides`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

OVERRIDES: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/translation-extension:plugin": {"locale": "ko_KR"},
}


def overrides_path(prefix: Path | None = None) -> Path:
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def install_overrides(prefix: Path | None = None) -> Path:
    """Write (or update) the overrides file under ``prefix`` (the venv); keeps settings an
    operator added there for other plugins. Returns its path."""
    path = overrides_path(prefix)
    current: dict[str, Any] = {}
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        pass
    merged = {**current, **{k: {**current.get(k, {}), **v} for k, v in OVERRIDES.items()}}
    if merged == current:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".overrides.{os.getpid()}.json")
    tmp.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.chmod(0o644)
    tmp.replace(path)
    return path


if __name__ == "__main__":
    print(install_overrides())
