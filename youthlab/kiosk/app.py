"""The kiosk application: Voila's own app with the visitor-facing handlers swapped in.

:class:`KioskVoila` is Voila with no file tree and no contents API, our pages first
(``youthlab.kiosk.handlers``), Voila's page and kernel handlers adapted
(``youthlab.kiosk.voila_handlers``) and a kernel manager whose pools hand out only
finished pages (``youthlab.kiosk.pool``). Its settings are one :class:`KioskSettings`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from voila.app import Voila
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from youthlab.kiosk import security
from youthlab.kiosk.apps import kiosk_notebook_file
from youthlab.kiosk.contents import KioskContentsManager
from youthlab.kiosk.frontend_extensions import frontend_extensions_hook
from youthlab.kiosk.handlers import kiosk_handlers
from youthlab.kiosk import page_scripts, page_styles
from youthlab.kiosk.page_assets import PageAsset, PageAssetUnavailable, page_asset_hook
from youthlab.kiosk.page_words import frame_words_hook
from youthlab.kiosk.pool import kiosk_kernel_manager_factory
from youthlab.kiosk.public_url import public_url
from youthlab.kiosk.settings import KioskSettings
from youthlab.kiosk.typesetting import typesetter_hook
from youthlab.kiosk.voila_config import TEMPLATE, voila_config
from youthlab.kiosk.voila_handlers import (SWAPPED, asset_build_id, build_stamped_handlers,
                                           build_stamped_page_config)
from youthlab.i18n import LANGUAGE_VAR
from youthlab.paths import labs_dir

SHARE_DIR = Path(__file__).with_name("share")


def _chain(*hooks: Callable[..., dict]) -> Callable[..., dict]:
    """One Voila ``page_config_hook`` that applies ``hooks`` in turn."""

    def hook(page_config: dict, **kwargs: Any) -> dict:
        for step in hooks:
            page_config = step(page_config, **kwargs)
        return page_config

    return hook


class KioskVoila(Voila):
    """Voila for visitors: see the module docstring."""

    name = "youthlab-kiosk"

    def __init__(self, kiosk_settings: KioskSettings, staff_pin: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kiosk_settings = kiosk_settings
        self.staff_pin = staff_pin
        # QR codes: the configured origin, else this server's own address; never a Host header.
        self.public_origin = public_url(kiosk_settings.public_url, kiosk_settings.ip, kiosk_settings.port)
        self.pin_devices, self.pin_hall = security.device_throttle(), security.hall_throttle()
        self.report_devices = security.report_throttle()
        self.report_hall = security.report_throttle()
        self.report_hall.max_failures = 60
        self.asset_build = ""
        self.page_styles: PageAsset | None = None  # Voila's styles as one stylesheet (or None)
        self.page_scripts: PageAsset | None = None  # its start-up chunks as one script (or None)

    def asset_roots(self) -> list[str]:
        """Where the page's front-end files come from: Voila's static folders, the widget bundles."""
        return [*self.static_paths, *self.labextensions_path]

    def load_page_asset(self, kept: str, derive: Callable[[], PageAsset]) -> PageAsset | None:
        """A file derived from Voila's front end (youthlab.kiosk.page_assets), or None: the
        pages do as Voila's do (``kept`` says what they keep; the log says why)."""
        try:
            return derive()
        except PageAssetUnavailable as err:
            self.log.warning("kiosk: pages keep Voila's %s (%s)", kept, err)
        except Exception:  # noqa: BLE001 - never a reason for the kiosk not to start
            self.log.warning("kiosk: pages keep Voila's %s", kept, exc_info=True)
        return None

    def init_settings(self) -> dict:
        import voila.app

        # Front-end files under URLs that name the build, kept by a kiosk browser for good
        # (youthlab.kiosk.voila_handlers); set before Voila hands the hook to the pool.
        self.asset_build = asset_build_id(self.asset_roots())
        self.page_styles = self.load_page_asset("style script", lambda: page_styles.extract_page_styles(
            page_styles.voila_style_script(TEMPLATE), f"{self.base_url}voila/templates/{TEMPLATE}/static/"))
        self.page_scripts = self.load_page_asset("chunk loading", lambda: page_scripts.bundle_start_chunks(
            page_scripts.voila_page_script(TEMPLATE)))
        # Voila's page styles as one stylesheet (youthlab.kiosk.page_styles), its start-up
        # chunks as one script (youthlab.kiosk.page_scripts), the page's LaTeX typesetter
        # (youthlab.kiosk.typesetting), the frame's words (youthlab.kiosk.page_words), and
        # only the front-end extensions the app can use (youthlab.kiosk.frontend_extensions).
        self.voila_configuration.page_config_hook = _chain(
            build_stamped_page_config(self.asset_build),
            page_asset_hook(self.page_styles, page_styles.PAGE_CONFIG_KEY, lambda: self.log.warning(
                "kiosk: Voila's style script changed since start; pages run it until the kiosk restarts")),
            page_asset_hook(self.page_scripts, page_scripts.PAGE_CONFIG_KEY, lambda: self.log.warning(
                "kiosk: Voila's page script changed since start; pages load its chunks one by one until the "
                "kiosk restarts")),
            typesetter_hook(TEMPLATE, self.kiosk_settings.math),
            frame_words_hook(self.kiosk_settings.language),
            frontend_extensions_hook(self.kiosk_settings.frontend_extensions,
                                     lambda path: kiosk_notebook_file(Path(self.root_dir), path)))
        # Voila builds its kernel manager class inside init_settings; ours keeps a pool per
        # language and hands out only complete pages (youthlab.kiosk.pool).
        original = voila.app.voila_kernel_manager_factory
        voila.app.voila_kernel_manager_factory = kiosk_kernel_manager_factory(
            original, self.kiosk_settings.preheated_languages(), self.kiosk_settings.render_budget,
            handout_wait=self.kiosk_settings.handout_wait)
        try:
            settings = super().init_settings()
        finally:
            voila.app.voila_kernel_manager_factory = original
        # The labs folder plus the hall games' kiosk notebooks (youthlab.kiosk.contents).
        self.contents_manager = KioskContentsManager(parent=self)
        settings["contents_manager"] = self.contents_manager
        settings["youthlab_kiosk"] = self
        return settings

    def _pool_items(self) -> list[dict]:
        items = []
        for pool in getattr(self.kernel_manager, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    items.append(task.result())
        return items

    def pooled_kernel_ids(self) -> set[str]:
        return {item.get("kernel_id") for item in self._pool_items()}

    def ready_kernel_count(self) -> int:
        """Pooled kernels whose notebook has finished executing: a visitor's page is instant."""
        return sum(1 for item in self._pool_items() if item.get("task") is not None and item["task"].done())

    def visitor_kernel_count(self) -> int:
        pooled = self.pooled_kernel_ids()
        return sum(1 for kid in self.kernel_manager.list_kernel_ids() if kid not in pooled)

    def init_handlers(self) -> list:
        handlers = []
        for handler in super().init_handlers():
            cls = handler[1]
            if cls in (TornadoVoilaTreeHandler, VoilaContentsHandler):
                continue  # no file tree, no contents API for visitors
            if cls in SWAPPED:
                handler = (handler[0], SWAPPED[cls], *handler[2:])
            handlers.append(handler)
        stamped = build_stamped_handlers(self.server_url, self.asset_build, list(self.static_paths),
                                         list(self.labextensions_path))
        assets = (page_styles.page_styles_handlers(self.server_url, lambda: self.page_styles)
                  + page_scripts.page_scripts_handlers(self.server_url, lambda: self.page_scripts))
        return kiosk_handlers(self.server_url) + assets + stamped + handlers


def warm_font_cache() -> None:
    """Build matplotlib's font list here, once, if its cache has none.

    Otherwise the pool's first kernels each build it at once, racing on one cache file, and
    past 5 s matplotlib logs "building the font cache" to the cell's stderr: a visitor's
    page would show it."""
    import matplotlib

    if not any(Path(matplotlib.get_cachedir()).glob("fontlist-v*.json")):
        import matplotlib.font_manager  # noqa: F401  (builds the list and saves it)


def make_app(settings: KioskSettings, staff_pin: str = "", root: Path | None = None) -> KioskVoila:
    """A configured, initialised kiosk server (call ``.start()`` to serve; it blocks).

    ``staff_pin`` is the staff exit's PIN (empty: no exit button); it is never put in the
    environment, which visitors' kernels inherit.
    """
    # Our template and our kernel spec live in the package; Voila finds both on JUPYTER_PATH.
    # The kiosk's "python3" kernel keeps no IPython history: nothing a visitor's session
    # ran stays behind, and a pool's kernels do not share (and lock) one history database.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(SHARE_DIR), os.environ.get("JUPYTER_PATH")]))
    # Kernels started for a visitor who names no language start in the kiosk's.
    os.environ[LANGUAGE_VAR] = settings.language
    warm_font_cache()
    app = KioskVoila(settings, staff_pin, config=voila_config(settings))
    app.initialize([str(root or labs_dir())])
    return app
