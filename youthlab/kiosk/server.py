"""The kiosk server: Voila, locked down for visitors, with a launcher page.

It is Voila's own application with a few handlers swapped:

- ``/`` is our launcher (the apps with big tiles and QR codes) instead of Voila's file tree;
  the tree and the contents API are gone, and only ``<lab>/kiosk.ipynb`` renders —
  any other path answers 404, so lab sources and answers are never reachable;
- each app page runs from a pool of preheated kernels (the notebook already executed),
  and when ``max_kernels`` visitors are playing, the next one gets a polite "please wait"
  page that retries by itself;
- kernel websockets send with TCP_NODELAY (jupyter_server leaves Nagle on: ~40 ms per
  small message), which keeps touch interactions snappy;
- ``kiosk/reset/<kernel>`` ends a visitor's kernel when the page resets after idle time,
  and idle kernels nobody is connected to are culled (pooled kernels are never culled);
- ``kiosk/exit`` checks the staff PIN on the server, so it is not in the page; only the
  kiosk's own page can post it (a token from ``kiosk/config.json``), each device gets a
  few tries before a lockout, and misses are logged with the device's address
  (``youthlab.kiosk.security``);
- QR codes point at the configured public origin, never at the request's ``Host``;
- our pages send a Content-Security-Policy that keeps them on the kiosk.

Frontend ``execute_request`` messages are refused by Voila's kernel manager
(only comm and info messages pass), so a visitor cannot run code.

Run as a JupyterHub service (``/services/kiosk/``, see hub_config/jupyterhub_config.py)
or alone with ``youthlab kiosk``.
"""

from __future__ import annotations

import hmac
import html
import secrets
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import FileFindHandler
from traitlets import Float, Integer, Unicode
from traitlets.config import Config
from voila.app import Voila
from voila.static_file_handler import MultiStaticFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from youthlab.i18n import LANGUAGES, language_from_accept_header, t
from youthlab.kiosk import security
from youthlab.kiosk.apps import find_apps, is_kiosk_notebook
from youthlab.kiosk.pool import PoolUnavailable, kiosk_kernel_manager_factory, visitor_language
from youthlab.kiosk.public_url import public_url
from youthlab.secrets_guard import MalformedSecret, same_secret
from youthlab.paths import labs_dir

SHARE_DIR = Path(__file__).with_name("share")
TEMPLATE = "youthlab-kiosk"
XSRF_COOKIE = "youthlab_kiosk_xsrf"
XSRF_HEADER = "X-YouthLab-Kiosk-Token"
# Our own pages (launcher, wait page, staff page): inline styles only, no script, nothing
# from elsewhere, never framed, forms post only here.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'none'; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def _page(title: str, body: str, lang: str, refresh: int | None = None) -> str:
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">{meta}
<title>{html.escape(title)}</title><style>
body{{margin:0;font-family:"Nanum Gothic","Noto Sans CJK KR",sans-serif;background:#fff7f2;color:#222}}
header{{background:#e4002b;color:#fff;padding:24px 32px}} h1{{margin:0;font-size:40px}}
main{{padding:24px 32px}} .apps{{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:24px}}
a.app{{display:block;background:#fff;border-radius:20px;padding:24px;text-decoration:none;color:#222;
box-shadow:0 4px 16px #0002;min-height:180px}} a.app .icon{{font-size:64px}} a.app h2{{font-size:28px;margin:8px 0}}
.qr{{float:right;width:96px;height:96px}} .lang a{{color:#fff;margin-left:16px;font-size:22px}}
</style></head><body>{body}</body></html>"""


class KioskHandler(tornado.web.RequestHandler):
    """Base for our pages: language from ?lang= or the browser, never a traceback."""

    @property
    def kiosk(self) -> "KioskVoila":
        return self.settings["youthlab_kiosk"]

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", PAGE_CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def device(self) -> str:
        """The visitor's device (see :func:`youthlab.kiosk.security.client_address`)."""
        return security.client_address(self.request.remote_ip or "", self.request.headers.get("X-Forwarded-For"))

    def lang(self) -> str:
        arg = self.get_argument("lang", "")
        if arg in LANGUAGES:
            return arg
        return language_from_accept_header(self.request.headers.get("Accept-Language")) or "ko"

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        lang = self.lang()
        self.finish(_page(t("kiosk.notfound", lang), f"<main><h1>{html.escape(t('kiosk.notfound', lang))}</h1>"
                          f'<p><a href="{self.kiosk.base_url}">{t("kiosk.home", lang)}</a></p></main>', lang))


class LauncherHandler(KioskHandler):
    def get(self) -> None:
        lang = self.lang()
        base = self.kiosk.base_url
        if self.kiosk.single_app:  # one screen, one app: home is the app itself
            self.redirect(f"{base}voila/render/{self.kiosk.single_app}/kiosk.ipynb?lang={lang}")
            return
        other = "en" if lang == "ko" else "ko"
        tiles = []
        for app in find_apps(Path(self.kiosk.root_dir)):
            href = f"{base}voila/render/{app.notebook}?lang={lang}"
            tiles.append(
                f'<a class="app" href="{href}" data-lab="{html.escape(app.lab)}">'
                f'<img class="qr" alt="QR" src="{base}kiosk/qr/{html.escape(app.lab)}.svg">'
                f'<div class="icon">{html.escape(app.icon)}</div>'
                f"<h2>{html.escape(app.title.get(lang) or app.lab)}</h2>"
                f"<p>{html.escape(app.description.get(lang, ''))}</p></a>"
            )
        body = (f'<header><span class="lang" style="float:right"><a href="?lang={other}">'
                f'{"English" if other == "en" else "한국어"}</a></span>'
                f"<h1>{t('kiosk.launcher.title', lang)}</h1><p>{t('kiosk.launcher.subtitle', lang)}</p></header>"
                f'<main><div class="apps">{"".join(tiles) or t("kiosk.launcher.empty", lang)}</div></main>')
        self.finish(_page(t("kiosk.launcher.title", lang), body, lang))


class QRHandler(KioskHandler):
    """A QR code that opens the app on a visitor's phone (same URL as the tile)."""

    def get(self, lab: str) -> None:
        import segno

        apps = {a.lab: a for a in find_apps(Path(self.kiosk.root_dir))}
        if lab not in apps:
            raise tornado.web.HTTPError(404)
        # Configured origin only: a forged Host header must not reach a QR code.
        url = f"{self.kiosk.public_url}{self.kiosk.base_url}voila/render/{apps[lab].notebook}"
        out = io.BytesIO()
        segno.make(url, error="m").save(out, kind="svg", scale=4, border=2)
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "max-age=3600")
        self.finish(out.getvalue())


class ConfigHandler(KioskHandler):
    """Settings for kiosk.js, and the token its staff-exit POST must carry: a random value
    in an HttpOnly, SameSite=Strict cookie and in this response, which another site's
    page can neither read (no CORS) nor send as a header without a preflight we refuse."""

    def get(self) -> None:
        token = self.get_cookie(XSRF_COOKIE) or ""
        if not (len(token) == 43 and token.replace("-", "").replace("_", "").isalnum()):
            token = secrets.token_urlsafe(32)
            self.set_cookie(XSRF_COOKIE, token, path=self.kiosk.base_url, httponly=True, samesite="Strict")
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({
            "token": token,
            "idle_seconds": self.kiosk.idle_seconds,
            "exit_enabled": bool(self.kiosk.staff_pin),
            "language": self.kiosk.language,
            "messages": {key: {lang: t(key, lang) for lang in LANGUAGES}
                         for key in ("kiosk.attract.title", "kiosk.error.cell", "kiosk.exit.pin",
                                     "kiosk.exit.wrong", "kiosk.home", "kiosk.other_language")},
        }))


class StatusHandler(KioskHandler):
    """Counts only: how many visitor kernels run and how many wait preheated."""

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"visitor_kernels": self.kiosk.visitor_kernel_count(),
                                "pooled_kernels": len(self.kiosk.pooled_kernel_ids()),
                                "ready_kernels": self.kiosk.ready_kernel_count(),
                                "max_kernels": self.kiosk.max_kernels}))


class ResetHandler(KioskHandler):
    """The page asks for its own kernel to end when it resets for the next visitor.

    Knowing the kernel's random id is the permission (only that page has it); the
    shutdown is idempotent, so there is nothing for a forged request to gain.
    """

    def check_xsrf_cookie(self) -> None:
        return None

    async def post(self, kernel_id: str) -> None:
        km = self.settings["kernel_manager"]
        if kernel_id in km and kernel_id not in self.kiosk.pooled_kernel_ids():
            await km.shutdown_kernel(kernel_id)
        self.set_status(204)
        self.finish()


class ExitHandler(KioskHandler):
    """Staff exit: the right PIN gives a signed cookie for the staff page.

    Only the kiosk's own page can post (the token from ``kiosk/config.json`` in a header
    and its cookie); a device gets 5 wrong tries, the hall 20, before a lockout (429);
    every miss is logged with the device's address."""

    def check_xsrf_cookie(self) -> None:
        return None  # our own token check below, with a JSON answer

    def _answer(self, status: int, key: str | None = None, **params: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        body: dict[str, Any] = {"ok": status == 200}
        if key:
            body["message"] = {lang: t(key, lang, **params) for lang in LANGUAGES}
        if status == 200:
            body["next"] = f"{self.kiosk.base_url}kiosk/staff"
        self.finish(json.dumps(body))

    def post(self) -> None:
        device = self.device()
        cookie, sent = self.get_cookie(XSRF_COOKIE) or "", self.request.headers.get(XSRF_HEADER, "")
        if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
            self.kiosk.log.warning("kiosk: staff PIN post without the page's token from %s (refused)", device)
            return self._answer(403, "kiosk.security.forbidden")
        if not self.kiosk.staff_pin:
            return self._answer(403, "kiosk.exit.wrong")
        try:
            self.kiosk.pin_devices.check(device)
            self.kiosk.pin_hall.check("*")
        except security.StaffPinLocked as exc:
            self.kiosk.log.warning("kiosk: staff PIN try from %s refused: locked out", device)
            return self._answer(429, exc.key, **exc.params)
        try:
            ok = same_secret(self.get_body_argument("pin", ""), self.kiosk.staff_pin)
        except MalformedSecret:
            ok = False
        if ok:
            self.kiosk.pin_devices.succeeded(device)
            self.kiosk.log.info("kiosk: staff exit opened from %s", device)
            self.set_signed_cookie("youthlab_kiosk_staff", "1", expires_days=None, httponly=True,
                                   path=self.kiosk.base_url, samesite="Strict")
            return self._answer(200)
        locked = self.kiosk.pin_devices.failed(device)
        hall_locked = self.kiosk.pin_hall.failed("*")
        self.kiosk.log.warning("kiosk: wrong staff PIN from %s%s", device,
                               " (device locked out)" if locked else " (hall locked out)" if hall_locked else "")
        self._answer(403, "kiosk.exit.wrong")


class StaffHandler(KioskHandler):
    """What staff need at a screen: load, and every app (also when the screen shows one)."""

    def get(self) -> None:
        if self.get_signed_cookie("youthlab_kiosk_staff") != b"1":
            raise tornado.web.HTTPError(403)
        lang = self.lang()
        base = self.kiosk.base_url
        links = "".join(f'<li><a href="{base}voila/render/{a.notebook}">{html.escape(a.title.get(lang, a.lab))}</a></li>'
                        for a in find_apps(Path(self.kiosk.root_dir)))
        body = (f"<header><h1>Staff</h1></header><main><p>visitor kernels: {self.kiosk.visitor_kernel_count()}"
                f" / {self.kiosk.max_kernels}, preheated: {len(self.kiosk.pooled_kernel_ids())}</p>"
                f"<ul style='font-size:26px'>{links}</ul></main>")
        self.clear_cookie("youthlab_kiosk_staff", path=base)  # one visit per PIN entry
        self.finish(_page("Staff", body, lang))


class ReportHandler(KioskHandler):
    """The page reports an error it hid from the visitor; staff read it in the log.

    Anyone can post here, so one report is one log line: the body is cut to 4 KB, its
    control characters escaped and the line capped; 10 reports a minute per device (60
    for the hall), the rest are dropped (429) with one note in the log."""

    def check_xsrf_cookie(self) -> None:
        return None

    def post(self) -> None:
        device = self.device()
        for throttle, key in ((self.kiosk.report_devices, device), (self.kiosk.report_hall, "*")):
            if throttle.locked_for(key) > 0:
                self.set_status(429)
                return self.finish()
        for throttle, key in ((self.kiosk.report_devices, device), (self.kiosk.report_hall, "*")):
            if throttle.failed(key):  # counts every report; the one that fills the window says so
                self.kiosk.log.warning("kiosk: page reports from %s paused (too many)", security.one_line(key))
        text = self.request.body[:security.REPORT_MAX_BYTES].decode("utf-8", "replace")
        self.kiosk.log.error("kiosk page report from %s: %s", device, security.one_line(text))
        self.set_status(204)
        self.finish()


class KioskAppHandler(TornadoVoilaHandler):
    """Voila's page handler, limited to kiosk notebooks and to ``max_kernels`` visitors.

    Every visitor gets a preheated kernel whose page is complete (``youthlab.kiosk.pool``);
    one who asks for the other language (``?lang=en``) gets it switched to that language.
    When the pool has nothing usable, the visitor gets a kernel started for them (which
    reads the language from the request, see ``youthlab.i18n``) instead of a stuck page.
    """

    _skip_pool = False

    def should_use_rendered_notebook(self, *args: Any, **kwargs: Any) -> bool:
        if self._skip_pool:
            return False
        return super().should_use_rendered_notebook(*args, **kwargs)

    async def get_generator(self, path: str | None = None):  # type: ignore[override]
        wanted = self.get_argument("lang", "")
        visitor_language.set(wanted if wanted in LANGUAGES else None)
        try:
            async for chunk in super().get_generator(path=path):
                yield chunk
            return
        except PoolUnavailable:
            pass  # nothing was sent yet: the pool hands out whole pages or nothing
        self._skip_pool = True
        async for chunk in super().get_generator(path=path):
            yield chunk

    async def get(self, path: str | None = None) -> None:
        kiosk: KioskVoila = self.settings["youthlab_kiosk"]
        lang = self.get_argument("lang", "") or language_from_accept_header(
            self.request.headers.get("Accept-Language")) or "ko"
        lang = lang if lang in LANGUAGES else "ko"
        if not path or not is_kiosk_notebook(path) or not (Path(kiosk.root_dir) / path).is_file():
            self.set_status(404)
            self.finish(_page(t("kiosk.notfound", lang), f"<main><h1>{t('kiosk.notfound', lang)}</h1>"
                              f'<p><a href="{kiosk.base_url}">{t("kiosk.home", lang)}</a></p></main>', lang))
            return
        if kiosk.visitor_kernel_count() >= kiosk.max_kernels:
            self.set_status(503)
            self.set_header("Retry-After", "5")
            self.finish(_page(t("kiosk.wait.title", lang), f"<main><h1>⏳ {t('kiosk.wait.title', lang)}</h1>"
                              f"<p style='font-size:24px'>{t('kiosk.wait.body', lang)}</p></main>", lang,
                              refresh=5))
            return
        await super().get(path)


class NoDelayKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    async def open(self, kernel_id: str) -> None:  # type: ignore[override]
        stream = self.ws_connection.stream if self.ws_connection else None
        if stream is not None:
            stream.set_nodelay(True)
        await super().open(kernel_id)


KIOSK_ASSET_CACHE_SECONDS = 600


class CachedLabExtensionHandler(FileFindHandler):
    """Lab extension bundles, kept by the kiosk browser (hashed names; 10 minutes otherwise)."""

    def get_cache_time(self, path: str, modified: Any, mime_type: str) -> int:
        return max(super().get_cache_time(path, modified, mime_type), KIOSK_ASSET_CACHE_SECONDS)


class CachedVoilaStaticHandler(MultiStaticFileHandler):
    """Voila's own front-end chunks: they change only when Voila is upgraded."""

    def get_cache_time(self, path: str, modified: Any, mime_type: str) -> int:
        return max(super().get_cache_time(path, modified, mime_type), KIOSK_ASSET_CACHE_SECONDS)


class KioskVoila(Voila):
    """Voila for visitors: see the module docstring."""

    name = "youthlab-kiosk"
    idle_seconds = Integer(90, config=True, help="Seconds without a touch before the app resets.")
    max_kernels = Integer(8, config=True, help="Visitor kernels at once; more visitors wait.")
    staff_pin = Unicode("", config=True, help="PIN for the staff exit (empty: no exit button).")
    public_url = Unicode("", config=True, help="Public origin for QR codes, e.g. http://hall:8000.")
    single_app = Unicode("", config=True, help="Serve one lab's app only (`youthlab kiosk <lab>`).")
    language = Unicode("ko", config=True, help="Language of preheated apps (YOUTHLAB_KIOSK_LANG).")
    render_budget = Float(90.0, config=True, help="Seconds a preheated kernel may take to run its app "
                                                  "before it is replaced (youthlab.kiosk.pool).")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pin_devices, self.pin_hall = security.device_throttle(), security.hall_throttle()
        self.report_devices = security.report_throttle()
        self.report_hall = security.report_throttle()
        self.report_hall.max_failures = 60

    def init_settings(self) -> dict:
        import voila.app

        # Voila builds its kernel manager class inside init_settings; ours hands out only
        # complete pages (youthlab.kiosk.pool).
        original = voila.app.voila_kernel_manager_factory
        voila.app.voila_kernel_manager_factory = kiosk_kernel_manager_factory(original)
        try:
            settings = super().init_settings()
        finally:
            voila.app.voila_kernel_manager_factory = original
        if hasattr(self.kernel_manager, "pool_language"):
            self.kernel_manager.pool_language = self.language
            self.kernel_manager.render_budget = self.render_budget
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
        base = self.server_url
        # The kiosk browser keeps the ~100 front-end files between visitors instead of
        # revalidating each one (Voila sends them with no-cache).
        swap = {TornadoVoilaHandler: KioskAppHandler, VoilaKernelWebsocketHandler: NoDelayKernelWebsocketHandler,
                FileFindHandler: CachedLabExtensionHandler, MultiStaticFileHandler: CachedVoilaStaticHandler}
        handlers = []
        for handler in super().init_handlers():
            cls = handler[1]
            if cls in (TornadoVoilaTreeHandler, VoilaContentsHandler):
                continue  # no file tree, no contents API for visitors
            if cls in swap:
                handler = (handler[0], swap[cls], *handler[2:])
            if cls is FileFindHandler and len(handler) > 2 and "no_cache_paths" in handler[2]:
                handler = (handler[0], CachedLabExtensionHandler, {**handler[2], "no_cache_paths": []})
            handlers.append(handler)
        ours = [
            (base, LauncherHandler),
            (base + "kiosk/config.json", ConfigHandler),
            (base + "kiosk/status", StatusHandler),
            (base + r"kiosk/reset/(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)", ResetHandler),
            (base + "kiosk/exit", ExitHandler),
            (base + "kiosk/staff", StaffHandler),
            (base + "kiosk/report", ReportHandler),
            (base + r"kiosk/qr/([\w.-]+)\.svg", QRHandler),
        ]
        return ours + handlers


def kiosk_config(idle_seconds: int, max_kernels: int, pool_size: int, cull_seconds: int,
                 single_app: str = "") -> Config:
    c = Config()
    c.VoilaConfiguration.template = TEMPLATE
    c.VoilaConfiguration.preheat_kernel = pool_size > 0
    c.VoilaConfiguration.default_pool_size = pool_size
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.file_allowlist = [r".*\.(png|jpg|jpeg|gif|svg|webp)$"]
    c.VoilaExecutor.cell_error_instruction = "(youthlab-kiosk-cell-error)"  # kiosk.js looks for it
    # A cell that never answers ends the page with an error (kiosk.js shows the friendly
    # message and reports it) instead of keeping a visitor on "Executing…" forever.
    c.VoilaExecutor.timeout = 60
    c.VoilaExecutor.cell_timeout_instruction = "(youthlab-kiosk-cell-error)"
    # Preheat only the kiosk notebooks, never a lab's source notebook (Voila matches
    # these against the notebook's full path).
    app_dir = re.escape(single_app) if single_app else "[^/]+"
    c.VoilaKernelManager.preheat_denylist = [rf"^(?!.*/{app_dir}/kiosk\.ipynb$).*$"]
    c.KioskVoila.single_app = single_app
    c.MappingKernelManager.cull_idle_timeout = cull_seconds
    c.MappingKernelManager.cull_interval = max(5, min(60, cull_seconds // 2))
    c.MappingKernelManager.cull_connected = False
    c.KioskVoila.idle_seconds = idle_seconds
    c.KioskVoila.max_kernels = max_kernels
    # Read once and removed, so visitors' kernels (which inherit the environment) never hold it.
    c.KioskVoila.staff_pin = os.environ.pop("YOUTHLAB_KIOSK_PIN", "")
    c.Voila.open_browser = False
    c.Voila.port_retries = 0
    c.Voila.ip = "127.0.0.1"
    return c


def make_app(port: int, base_url: str = "/", root: Path | None = None, idle_seconds: int = 90,
             max_kernels: int = 8, pool_size: int = 1, cull_seconds: int = 120,
             single_app: str = "", ip: str = "127.0.0.1", render_budget: float = 90.0) -> KioskVoila:
    """A configured, initialised kiosk server (call ``.start()`` to serve; it blocks)."""
    # Our template lives in the package; Voila finds templates on JUPYTER_PATH.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(SHARE_DIR), os.environ.get("JUPYTER_PATH")]))
    config = kiosk_config(idle_seconds, max_kernels, pool_size, cull_seconds, single_app)
    # Kernels (preheated ones included) start in the kiosk's language, not the server's.
    language = os.environ.get("YOUTHLAB_KIOSK_LANG", "ko")
    os.environ["YOUTHLAB_LANG"] = language
    config.KioskVoila.language = language
    config.Voila.port = port
    config.Voila.ip = ip
    # QR codes: the configured origin, else this server's own address; never a Host header.
    config.KioskVoila.public_url = public_url(os.environ.get("YOUTHLAB_KIOSK_PUBLIC_URL", ""), ip, port)
    config.Voila.base_url = base_url
    config.Voila.server_url = base_url
    config.KioskVoila.render_budget = render_budget
    app = KioskVoila(config=config)
    app.initialize([str(root or labs_dir())])
    return app


def main(argv: list[str] | None = None) -> None:
    """Entry point for the hub service: JupyterHub sets the prefix and the URL to listen on."""
    from urllib.parse import urlparse

    import argparse

    parser = argparse.ArgumentParser(description="YouthLab kiosk server (Voila for visitors)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--idle-seconds", type=int, default=int(os.environ.get("YOUTHLAB_KIOSK_IDLE", "90")))
    parser.add_argument("--max-kernels", type=int, default=int(os.environ.get("YOUTHLAB_KIOSK_MAX_KERNELS", "8")))
    parser.add_argument("--pool-size", type=int, default=int(os.environ.get("YOUTHLAB_KIOSK_POOL", "1")))
    parser.add_argument("--app", default="", help="serve (and preheat) only this lab's app")
    parser.add_argument("--render-budget", type=float, default=90.0,
                        help="seconds a preheated kernel may take to run its app before it is replaced")
    parser.add_argument("--cull-seconds", type=int, default=int(os.environ.get("YOUTHLAB_KIOSK_CULL", "120")))
    args = parser.parse_args(argv)
    from youthlab.kiosk.environment import PIN_FD_VAR, exec_without_secrets, handed_over_pin
    from youthlab.stamp.kiosk_print import kiosk_printing_enabled

    if PIN_FD_VAR not in os.environ:
        from youthlab.errors import YouthLabError
        from youthlab.paths import data_dir

        try:  # the staff PIN: the operator's (if strong enough), else made once and kept 0600
            pin, made = security.ensure_staff_pin(data_dir())
        except YouthLabError as exc:
            print(exc.user_text(), file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        if made:
            print(t("kiosk.security.pin_made", pin=pin, path=security.staff_pin_file(data_dir())),
                  file=sys.stderr, flush=True)
        os.environ["YOUTHLAB_KIOSK_PIN"] = pin  # handed over through a pipe below
        # Whether the stamp app shows "print my stamp" is decided here, where the printer
        # settings are; the kernels get the answer, not the settings.
        os.environ["YOUTHLAB_KIOSK_PRINTING"] = "1" if kiosk_printing_enabled() else "0"
        exec_without_secrets("youthlab.kiosk.server", list(sys.argv[1:] if argv is None else argv))
    pin = handed_over_pin()
    if pin:
        os.environ["YOUTHLAB_KIOSK_PIN"] = pin  # read (and removed) by kiosk_config
    service_url = os.environ.get("JUPYTERHUB_SERVICE_URL", "")
    port = args.port or (urlparse(service_url).port if service_url else None) or 8866
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    from youthlab.kiosk.environment import restrict_for_kernels

    from youthlab.errors import YouthLabError

    try:
        app = make_app(port, prefix, idle_seconds=args.idle_seconds, max_kernels=args.max_kernels,
                       pool_size=args.pool_size, cull_seconds=args.cull_seconds, single_app=args.app,
                   render_budget=args.render_budget)
    except YouthLabError as exc:  # e.g. a YOUTHLAB_KIOSK_PUBLIC_URL that is no origin
        print(exc.user_text(), file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    # Settings read: from here on visitors' kernels inherit only the allow-list
    # (youthlab/kiosk/environment.py) — no PIN, no hub token, no printer key.
    restrict_for_kernels(os.environ)
    app.start()


if __name__ == "__main__":
    main(sys.argv[1:])
