"""Voila's own handlers, adapted for visitors.

- the page handler renders only ``<lab>/kiosk.ipynb`` and the games' (404 otherwise, so lab sources and
  answers are never reachable), at most ``max_kernels`` visitors at once (a polite wait
  page for the next one), from the preheated pool of the visitor's language
  (``youthlab.kiosk.pool``) or, when the pool has nothing usable, a kernel of its own;
- kernel websockets send with TCP_NODELAY (jupyter_server leaves Nagle on: ~40 ms per
  small message), which keeps touch interactions snappy, and a page's websocket attaches
  to the channels the pool opened while the page loaded (:class:`PreconnectedChannels`);
- the ~100 front-end files (Voila's own chunks and the widget bundles) are served under
  URLs that name the build (``voila/static/v-<build>/…``, ``voila/labextensions/v-<build>/…``,
  see :func:`asset_build_id`) and marked immutable, so a kiosk browser that stays open
  loads them once and never asks again, not even to revalidate; an upgrade changes the
  build and so every URL (Voila itself sends them with ``no-cache`` or 10 minutes).

Frontend ``execute_request`` messages are refused by Voila's kernel manager (only comm
and info messages pass), so a visitor cannot run code.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import Any, Iterable

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import FileFindHandler
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from voila.static_file_handler import MultiStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from youthlab.i18n import LANGUAGES
from youthlab.kiosk.apps import kiosk_notebook_file
from youthlab.kiosk.handlers import PAGE_CSP, not_found_page, request_language, wait_page
from youthlab.kiosk.pool import PoolUnavailable, close_channels, take_preconnected, visitor_language

WAIT_RETRY_SECONDS = 5
#: What a URL that names the build is sent with: it never changes, so no revalidation.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The URL segment that names the build, before the asset's own path.
BUILD_PREFIX = "v-"


class KioskAppHandler(TornadoVoilaHandler):
    """Voila's page handler, limited to kiosk notebooks and to ``max_kernels`` visitors.

    Every visitor gets a preheated kernel of their language whose page is complete
    (``youthlab.kiosk.pool``). When the pool has nothing usable, the visitor gets a
    kernel started for them (which reads the language from the request, see
    ``youthlab.i18n``) instead of a stuck page.
    """

    _skip_pool = False

    def should_use_rendered_notebook(self, *args: Any, **kwargs: Any) -> bool:
        if self._skip_pool:
            return False
        return super().should_use_rendered_notebook(*args, **kwargs)

    async def get_generator(self, path: str | None = None):  # type: ignore[override]
        kiosk = self.settings["youthlab_kiosk"]  # youthlab.kiosk.app.KioskVoila
        wanted = self.get_argument("lang", "")
        # The kernel's language: ?lang= (youthlab.i18n reads it in a fresh kernel), else the kiosk's.
        visitor_language.set(wanted if wanted in LANGUAGES else kiosk.kiosk_settings.language)
        try:
            async for chunk in super().get_generator(path=path):
                yield chunk
            return
        except PoolUnavailable:
            pass  # nothing was sent yet: the pool hands out whole pages or nothing
        stream = getattr(self.request.connection, "stream", None)
        if stream is not None and stream.closed():
            return  # the visitor left while the pool was asked: no kernel started for nobody
        self._skip_pool = True
        async for chunk in super().get_generator(path=path):
            yield chunk

    async def get(self, path: str | None = None) -> None:
        kiosk = self.settings["youthlab_kiosk"]  # youthlab.kiosk.app.KioskVoila
        lang = request_language(self)
        if not path or kiosk_notebook_file(Path(kiosk.root_dir), path) is None:
            self.set_status(404)
            self.set_header("Content-Security-Policy", PAGE_CSP)
            self.finish(not_found_page(kiosk.base_url, lang))
            return
        if kiosk.visitor_kernel_count() >= kiosk.kiosk_settings.max_kernels:
            self.set_status(503)
            self.set_header("Retry-After", str(WAIT_RETRY_SECONDS))
            self.set_header("Content-Security-Policy", PAGE_CSP)
            self.finish(wait_page(kiosk.base_url, lang, WAIT_RETRY_SECONDS))
            return
        await super().get(path)


class PreconnectedChannels(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection, on the channels the pool opened for
    this page (``youthlab.kiosk.pool``) when it has them: already subscribed and proven
    live, with the kernel's info known, so no ``kernel_info`` round trip before the
    handshake and no nudging after it. Without them it connects the usual way."""

    _preconnected: dict | None = None

    async def prepare(self) -> None:
        self._preconnected = await take_preconnected(self.kernel_manager)
        await super().prepare()  # reuses the kernel_info the pool fetched

    def create_stream(self) -> None:
        if self._preconnected:
            self.channels, self._preconnected = self._preconnected, None
            self._skip_nudge = True
            self.log.info("kiosk: page of kernel %s on its pre-connected channels", self.kernel_id)
            return
        super().create_stream()

    def nudge(self):  # type: ignore[no-untyped-def]
        if getattr(self, "_skip_nudge", False):
            self._skip_nudge = False
            done: asyncio.Future = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        return super().nudge()

    def disconnect(self) -> None:
        close_channels(self._preconnected)  # a socket closed before it attached
        self._preconnected = None
        super().disconnect()


class NoDelayKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    @property
    def kernel_websocket_connection_class(self) -> type:
        return PreconnectedChannels

    async def open(self, kernel_id: str) -> None:  # type: ignore[override]
        stream = self.ws_connection.stream if self.ws_connection else None
        if stream is not None:
            stream.set_nodelay(True)
        await super().open(kernel_id)


def asset_build_id(roots: Iterable[str]) -> str:
    """A short id of every front-end file under ``roots`` (name, size, modification time).

    It goes into the assets' URLs, so the browser's copy of ``…/v-<build>/x.js`` can be
    kept for good: any change to any file (an upgrade of Voila, ipywidgets or a widget
    extension) gives every asset a new URL."""
    digest = hashlib.sha256()
    for root in roots:
        base = Path(root)
        if not base.is_dir():
            continue
        for folder, dirs, files in os.walk(base, followlinks=True):
            dirs.sort()
            for name in sorted(files):
                path = Path(folder, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                digest.update(f"{path.relative_to(base)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        digest.update(f"{base}\n".encode())
    return digest.hexdigest()[:16]


class _BuildStampedAssets:
    """Mixed in front of a static file handler routed at ``…/v-(build)/(path)``."""

    build: str = ""
    _current = False

    def initialize(self, build: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.build = build
        super().initialize(**kwargs)  # type: ignore[misc]

    @allow_unauthenticated
    def get(self, build: str, path: str, include_body: bool = True):  # type: ignore[override]
        self._current = build == self.build
        return super().get(path, include_body)  # type: ignore[misc]

    @allow_unauthenticated
    def head(self, build: str, path: str):  # type: ignore[override]
        self._current = build == self.build
        return super().head(path)  # type: ignore[misc]

    def set_headers(self) -> None:
        super().set_headers()  # type: ignore[misc]
        # A page rendered before an upgrade may still name the old build: it gets today's
        # file, revalidated every time, never kept under the old name.
        self.set_header("Cache-Control", IMMUTABLE if self._current else "no-cache")  # type: ignore[attr-defined]
        self.clear_header("Expires")  # type: ignore[attr-defined]


class BuildStampedLabExtensionHandler(_BuildStampedAssets, FileFindHandler):
    """The widget bundles (JupyterLab extensions) under a URL that names the build."""


class BuildStampedVoilaStaticHandler(_BuildStampedAssets, MultiStaticFileHandler):
    """Voila's own front-end chunks under a URL that names the build."""


def build_stamped_handlers(server_url: str, build: str, static_paths: list[str],
                           labextensions_path: list[str]) -> list[tuple]:
    """Routes for the build-stamped asset URLs (the page config points the page there)."""
    stamp = rf"{BUILD_PREFIX}([0-9a-f]+)"
    return [
        (f"{server_url}voila/static/{stamp}/(.*)", BuildStampedVoilaStaticHandler,
         {"build": build, "paths": static_paths, "default_filename": None}),
        (f"{server_url}voila/labextensions/{stamp}/(.*)", BuildStampedLabExtensionHandler,
         {"build": build, "path": labextensions_path, "no_cache_paths": []}),
    ]


def build_stamped_page_config(build: str) -> Any:
    """A Voila ``page_config_hook`` that points the page at the build-stamped asset URLs."""
    from jupyter_server.utils import url_path_join

    def hook(page_config: dict, base_url: str, **_: Any) -> dict:
        page_config["fullStaticUrl"] = url_path_join(base_url, f"voila/static/{BUILD_PREFIX}{build}")
        page_config["fullLabextensionsUrl"] = url_path_join(base_url, f"voila/labextensions/{BUILD_PREFIX}{build}")
        return page_config

    return hook


#: Voila's handler classes and the kiosk's stand-ins for them.
SWAPPED = {TornadoVoilaHandler: KioskAppHandler, VoilaKernelWebsocketHandler: NoDelayKernelWebsocketHandler}
