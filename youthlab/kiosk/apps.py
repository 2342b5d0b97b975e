"""Which kiosk apps exist: every ``labs/<lab>/kiosk.ipynb`` and every hall game's
``games/<name>/kiosk.ipynb`` (the games' entry points), with its title and icon.

A kiosk notebook names itself in its metadata::

    "youthlab": {"kiosk": {"title": {"ko": "…", "en": "…"}, "icon": "🚁",
                           "description": {"ko": "…", "en": "…"}}}

Voila serves the labs folder; a game's notebook is served under the URL path
``games/<name>/kiosk.ipynb`` (three parts, so it can never be mistaken for a lab's
``<lab>/kiosk.ipynb``) from the games folder (:func:`kiosk_notebook_file`).

Games are not preheated (Voila preheats the notebooks under the labs folder only): a game
kernel holds pygame and its 1280×720 screen, about twice a lab app's kernel, and a pooled
one per game and language would cost ~0.7 GB to save a visitor the 4–6 s its first frame
takes in a fresh kernel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from youthlab.games import game_names
from youthlab.paths import games_dir

KIOSK_NOTEBOOK = "kiosk.ipynb"
#: The first part of a game's URL path: ``games/<name>/kiosk.ipynb``.
GAMES_PREFIX = "games"


@dataclass(frozen=True)
class KioskApp:
    lab: str  # the app's id: a folder name under labs/ ("00-welcome"), or "games.<name>" for a game
    path: Path
    title: dict[str, str]
    description: dict[str, str]
    icon: str
    notebook: str = ""  # path as Voila serves it (empty: ``<lab>/kiosk.ipynb``)
    game: str = ""  # the game's name when the app is a hall game

    def __post_init__(self) -> None:
        if not self.notebook:
            object.__setattr__(self, "notebook", f"{self.lab}/{KIOSK_NOTEBOOK}")


def _kiosk_meta(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("youthlab", {}).get("kiosk", {})


def read_app(path: Path) -> KioskApp:
    kiosk = _kiosk_meta(path)
    lab = path.parent.name
    title = kiosk.get("title") or {"ko": lab, "en": lab}
    return KioskApp(lab=lab, path=path, title=title, description=kiosk.get("description", {}),
                    icon=kiosk.get("icon", "⭐"))


def game_notebooks() -> dict[str, Path]:
    """The installed hall games whose kiosk notebook exists: name → notebook file.

    Names come from the entry points alone and the folders from ``youthlab.paths``, so
    the kiosk server never imports the games (nor pygame)."""
    found = {name: games_dir() / name / KIOSK_NOTEBOOK for name in game_names()}
    return {name: path for name, path in found.items() if path.is_file()}


def find_games() -> list[KioskApp]:
    """The hall games as kiosk apps, in the hall menu's order (title from the notebook)."""
    apps = []
    for name, path in game_notebooks().items():
        kiosk = _kiosk_meta(path)
        title = kiosk.get("title") or {"ko": name, "en": name}
        apps.append(KioskApp(lab=f"{GAMES_PREFIX}.{name}", path=path, title=title,
                             description=kiosk.get("description", {}), icon=kiosk.get("icon", "🎮"),
                             notebook=f"{GAMES_PREFIX}/{name}/{KIOSK_NOTEBOOK}", game=name))
    return apps


def find_apps(labs_dir: Path) -> list[KioskApp]:
    """The labs' kiosk apps (``youthlab kiosk <lab>`` shows one of these alone)."""
    return [read_app(p) for p in sorted(labs_dir.glob(f"*/{KIOSK_NOTEBOOK}"))]


def kiosk_apps(labs_dir: Path) -> list[KioskApp]:
    """The launcher's tiles: the labs' kiosk apps, then the hall games."""
    return find_apps(labs_dir) + find_games()


def _game_name(relative_path: str) -> str | None:
    """``<name>`` for ``games/<name>/kiosk.ipynb`` (any installed name or not), else None."""
    parts = PurePosixPath(relative_path.strip("/")).parts
    if len(parts) == 3 and parts[0] == GAMES_PREFIX and parts[2] == KIOSK_NOTEBOOK:
        return parts[1]
    return None


def is_kiosk_notebook(relative_path: str) -> bool:
    """Only ``<lab>/kiosk.ipynb`` and an installed game's ``games/<name>/kiosk.ipynb`` may be
    rendered; everything else is not for visitors."""
    game = _game_name(relative_path)
    if game is not None:
        return game in game_notebooks()
    parts = PurePosixPath(relative_path).parts
    return len(parts) == 2 and parts[1] == KIOSK_NOTEBOOK and not parts[0].startswith((".", "_"))


def kiosk_notebook_file(labs_dir: Path, relative_path: str) -> Path | None:
    """The file behind a kiosk URL path, or None when it is not a kiosk notebook that exists."""
    if not is_kiosk_notebook(relative_path):
        return None
    game = _game_name(relative_path)
    path = game_notebooks()[game] if game is not None else labs_dir / relative_path
    return path if path.is_file() else None
