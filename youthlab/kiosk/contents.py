"""The kiosk's contents manager: the labs folder, plus each hall game's kiosk notebook.

Voila reads notebooks through a contents manager rooted at the labs folder; the games
live beside it (``games/<name>/``). This one maps exactly the URL paths
``games/<name>/kiosk.ipynb`` of installed games onto their files (``youthlab.kiosk.apps``),
read by a second contents manager rooted at the games folder (so jupyter_server's own
checks apply there too), and leaves every other path to the labs' manager: nothing else
under games/ is reachable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_server.services.contents.largefilemanager import LargeFileManager

from youthlab.kiosk.apps import GAMES_PREFIX, kiosk_notebook_file


class KioskContentsManager(LargeFileManager):
    def _game_notebook(self, path: str) -> Path | None:
        path = path.strip("/")
        if not path.startswith(GAMES_PREFIX + "/"):
            return None
        return kiosk_notebook_file(Path(self.root_dir), path)

    def _get_os_path(self, path: str) -> str:
        found = self._game_notebook(path)
        return str(found) if found is not None else super()._get_os_path(path)

    def get(self, path: str, content: bool = True, type: str | None = None, format: str | None = None,
            require_hash: bool = False) -> dict[str, Any]:
        found = self._game_notebook(path)
        if found is None:
            return super().get(path, content=content, type=type, format=format, require_hash=require_hash)
        games = LargeFileManager(root_dir=str(found.parent.parent), parent=self)
        model = games.get(f"{found.parent.name}/{found.name}", content=content, type=type, format=format,
                          require_hash=require_hash)
        model["path"] = path.strip("/")
        return model
