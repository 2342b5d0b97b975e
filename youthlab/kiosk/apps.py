"""Which kiosk apps exist: every ``labs/<lab>/kiosk.ipynb``, with its title and icon.

A kiosk notebook names itself in its metadata::

    "youthlab": {"kiosk": {"title": {"ko": "…", "en": "…"}, "icon": "🚁",
                           "description": {"ko": "…", "en": "…"}}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KIOSK_NOTEBOOK = "kiosk.ipynb"


@dataclass(frozen=True)
class KioskApp:
    lab: str  # folder name under labs/, e.g. "00-welcome"
    path: Path
    title: dict[str, str]
    description: dict[str, str]
    icon: str

    @property
    def notebook(self) -> str:
        """Path relative to the labs folder, as Voila serves it."""
        return f"{self.lab}/{KIOSK_NOTEBOOK}"


def read_app(path: Path) -> KioskApp:
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    kiosk = meta.get("youthlab", {}).get("kiosk", {})
    lab = path.parent.name
    title = kiosk.get("title") or {"ko": lab, "en": lab}
    return KioskApp(lab=lab, path=path, title=title, description=kiosk.get("description", {}),
                    icon=kiosk.get("icon", "⭐"))


def find_apps(labs_dir: Path) -> list[KioskApp]:
    return [read_app(p) for p in sorted(labs_dir.glob(f"*/{KIOSK_NOTEBOOK}"))]


def is_kiosk_notebook(relative_path: str) -> bool:
    """Only ``<lab>/kiosk.ipynb`` may be rendered; everything else is not for visitors."""
    parts = Path(relative_path).parts
    return len(parts) == 2 and parts[1] == KIOSK_NOTEBOOK and not parts[0].startswith((".", "_"))
