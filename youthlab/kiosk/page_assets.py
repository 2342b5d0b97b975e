"""Files a kiosk derives from Voila's front end when it starts, served for good.

Voila's page does the same work on every visit: it builds its CSS in a script
(``youthlab.kiosk.page_styles``) and asks for its start-up chunks one by one
(``youthlab.kiosk.page_scripts``). A kiosk does that work once, with Node.js (a
prerequisite, which the hub's proxy needs anyway) running Voila's script against a
stand-in ``document``, and serves the result as one file under a URL that names its
content (``kiosk/<route>/<digest>.<suffix>``): a kiosk browser keeps it from one visitor
to the next. Without Node, or when the script does anything the stand-in does not know,
the kiosk logs why and its pages do as Voila's do. The script is the one Voila's own
pages would run, found on the same Jupyter path, run with the kiosk's own rights (Node's
``vm`` is no sandbox): the same trust the kiosk already gives Voila's Python code and
templates there (the Kubernetes hub image installs Node for the kiosk). When Voila is
upgraded under a running kiosk, its pages go back to Voila's way until the kiosk restarts.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import tornado.web
from voila.paths import collect_static_paths

from youthlab.kiosk.handlers import KioskHandler
from youthlab.kiosk.voila_handlers import IMMUTABLE

NODE_TIMEOUT = 60.0


class PageAssetUnavailable(Exception):
    """Why the kiosk's pages do as Voila's do (``code``: ``no_script``, ``node_missing``,
    ``node_failed``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def file_stamp(path: Path) -> tuple[int, int]:
    """Size and modification time: what changes when an upgrade rewrites the file."""
    info = path.stat()
    return info.st_size, info.st_mtime_ns


@dataclass(frozen=True)
class PageAsset:
    """One derived file: its bytes, the digest its URL carries, and the Voila files it
    came from with their stamps as they were when read."""

    data: bytes
    digest: str
    sources: tuple[tuple[Path, tuple[int, int]], ...]
    route: str
    suffix: str

    @classmethod
    def derived(cls, data: bytes, sources: list[tuple[Path, tuple[int, int]]], route: str,
                suffix: str) -> "PageAsset":
        return cls(data, hashlib.sha256(data).hexdigest()[:32], tuple(sources), route, suffix)

    def url(self, base_url: str) -> str:
        return f"{base_url}{self.route}{self.digest}.{self.suffix}"

    def current(self) -> bool:
        """Are Voila's files still the ones this came from (none upgraded since)?"""
        try:
            return all(file_stamp(path) == stamp for path, stamp in self.sources)
        except OSError:
            return False


def voila_static_file(template: str, name: str) -> Path:
    """The file ``name`` that the template's pages would load (its static folders, in
    Voila's order)."""
    for root in collect_static_paths(["voila", "nbconvert"], template):
        candidate = Path(root, name)
        if candidate.is_file():
            return candidate
    raise PageAssetUnavailable("no_script", f"{template}: {name}")


def run_node(harness: Path, args: list[str], reason_mark: str, node: str | None = None,
             timeout: float = NODE_TIMEOUT) -> bytes:
    """What ``node harness args…`` prints; its failure as :class:`PageAssetUnavailable`
    with the harness's one line of reason (the line starting with ``reason_mark``)."""
    node = node or shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise PageAssetUnavailable("node_missing")
    try:
        done = subprocess.run([node, str(harness), *args], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PageAssetUnavailable("node_failed", str(err)) from err
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        reasons = [line[len(reason_mark):] for line in lines if line.startswith(reason_mark)]
        errors = [line for line in lines if "Error" in line]
        raise PageAssetUnavailable("node_failed", (reasons or errors or lines or [f"exit {done.returncode}"])[0])
    return done.stdout


def page_asset_hook(asset: PageAsset | None, page_config_key: str,
                    on_stale: Callable[[], None] | None = None) -> Callable[..., dict]:
    """A Voila ``page_config_hook`` step that tells the template the asset's URL under
    ``page_config_key`` (nothing with no asset, or once Voila's file changed: the page
    does as Voila's does; ``on_stale`` is called the first time)."""
    stale_seen = False

    def hook(page_config: dict, base_url: str = "/", **_: Any) -> dict:
        nonlocal stale_seen
        if asset is None:
            return page_config
        if asset.current():
            page_config[page_config_key] = asset.url(base_url)
        elif not stale_seen:
            stale_seen = True
            if on_stale is not None:
                on_stale()
        return page_config

    return hook


class PageAssetHandler(KioskHandler):
    """A derived file, kept by the browser for good: its URL names its content."""

    def initialize(self, asset: Callable[[], PageAsset | None], content_type: str) -> None:
        self.asset = asset  # the kiosk's asset of this route, as it is now (None: there is none)
        self.content_type = content_type

    def head(self, digest: str) -> None:
        self._answer(digest, with_body=False)

    def get(self, digest: str) -> None:
        self._answer(digest, with_body=True)

    def _answer(self, digest: str, with_body: bool) -> None:
        asset = self.asset()
        if asset is None or digest != asset.digest:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", self.content_type)
        self.set_header("Cache-Control", IMMUTABLE)
        self.set_header("Content-Length", len(asset.data))
        self.finish(asset.data if with_body else None)


def page_asset_handler(base: str, route: str, suffix: str, asset: Callable[[], PageAsset | None],
                       content_type: str) -> tuple[str, type, dict]:
    """The route of the files ``asset()`` gives: ``<base><route><digest>.<suffix>``."""
    return (base + route + r"([0-9a-f]{32})\." + suffix, PageAssetHandler,
            {"asset": asset, "content_type": content_type})
