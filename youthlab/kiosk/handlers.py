"""The kiosk's own pages and small APIs (everything that is not Voila's page or kernel).

- ``/``: the launcher (the apps with big tiles and QR codes), or the one app;
- ``kiosk/qr/<lab>.svg``: a QR code for a visitor's phone, at the configured origin only;
- ``kiosk/config.json``: settings for kiosk.js, and the token its staff-exit POST must
  carry (the frame's words come in the page itself, youthlab.kiosk.page_words);
- ``kiosk/status``: counts only;
- ``kiosk/reset/<kernel>``: the page ends its own kernel at idle reset;
- ``kiosk/exit`` and ``kiosk/staff``: the staff PIN (checked here, never in the page) and
  the page it opens once;
- ``kiosk/report``: an error the page hid from the visitor, one log line per report.
"""

from __future__ import annotations

import hmac
import io
import json
import secrets
from pathlib import Path
from typing import Any

import tornado.web

from youthlab.i18n import LANGUAGES, language_from_accept_header, t
from youthlab.kiosk import security
from youthlab.kiosk.apps import kiosk_apps
from youthlab.kiosk.pages import render_page
from youthlab.secrets_guard import MalformedSecret, same_secret

XSRF_COOKIE = "youthlab_kiosk_xsrf"
XSRF_HEADER = "X-YouthLab-Kiosk-Token"
STAFF_COOKIE = "youthlab_kiosk_staff"
# Our own pages (launcher, wait page, staff page): inline styles only, no script, nothing
# from elsewhere, never framed, forms post only here.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'none'; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def request_language(handler: tornado.web.RequestHandler) -> str:
    """``?lang=``, else the browser's ``Accept-Language``, else Korean."""
    arg = handler.get_argument("lang", "")
    if arg in LANGUAGES:
        return arg
    return language_from_accept_header(handler.request.headers.get("Accept-Language")) or "ko"


def not_found_page(base_url: str, lang: str) -> str:
    return render_page("message.html.j2", lang, title=t("kiosk.notfound", lang), icon="", text="", base=base_url)


def wait_page(base_url: str, lang: str, retry_seconds: int) -> str:
    return render_page("message.html.j2", lang, title=t("kiosk.wait.title", lang), icon="⏳ ",
                       text=t("kiosk.wait.body", lang), base=base_url, refresh=retry_seconds)


class KioskHandler(tornado.web.RequestHandler):
    """Base for our pages: language from ?lang= or the browser, never a traceback."""

    @property
    def kiosk(self) -> Any:
        """The running ``youthlab.kiosk.app.KioskVoila``."""
        return self.settings["youthlab_kiosk"]

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", PAGE_CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def device(self) -> str:
        """The visitor's device (see :func:`youthlab.kiosk.security.client_address`)."""
        return security.client_address(self.request.remote_ip or "", self.request.headers.get("X-Forwarded-For"))

    def lang(self) -> str:
        return request_language(self)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(not_found_page(self.kiosk.base_url, self.lang()))


class LauncherHandler(KioskHandler):
    def get(self) -> None:
        lang = self.lang()
        base = self.kiosk.base_url
        single = self.kiosk.kiosk_settings.single_app
        if single:  # one screen, one app: home is the app itself
            self.redirect(f"{base}voila/render/{single}/kiosk.ipynb?lang={lang}")
            return
        self.finish(render_page("launcher.html.j2", lang, title=t("kiosk.launcher.title", lang), base=base,
                                other="en" if lang == "ko" else "ko", apps=kiosk_apps(Path(self.kiosk.root_dir))))


class QRHandler(KioskHandler):
    """A QR code that opens the app on a visitor's phone (same URL as the tile)."""

    def get(self, lab: str) -> None:
        import segno

        apps = {a.lab: a for a in kiosk_apps(Path(self.kiosk.root_dir))}
        if lab not in apps:
            raise tornado.web.HTTPError(404)
        # Configured origin only: a forged Host header must not reach a QR code.
        url = f"{self.kiosk.public_origin}{self.kiosk.base_url}voila/render/{apps[lab].notebook}"
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
        settings = self.kiosk.kiosk_settings
        self.finish(json.dumps({
            "token": token,
            "idle_seconds": settings.idle_seconds,
            "exit_enabled": bool(self.kiosk.staff_pin),
        }))


class StatusHandler(KioskHandler):
    """Counts only: how many visitor kernels run and how many wait preheated."""

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"visitor_kernels": self.kiosk.visitor_kernel_count(),
                                "pooled_kernels": len(self.kiosk.pooled_kernel_ids()),
                                "ready_kernels": self.kiosk.ready_kernel_count(),
                                "max_kernels": self.kiosk.kiosk_settings.max_kernels}))


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
        kiosk, device = self.kiosk, self.device()
        cookie, sent = self.get_cookie(XSRF_COOKIE) or "", self.request.headers.get(XSRF_HEADER, "")
        if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
            kiosk.log.warning("kiosk: staff PIN post without the page's token from %s (refused)", device)
            return self._answer(403, "kiosk.security.forbidden")
        if not kiosk.staff_pin:
            return self._answer(403, "kiosk.exit.wrong")
        try:
            kiosk.pin_devices.check(device)
            kiosk.pin_hall.check("*")
        except security.StaffPinLocked as exc:
            kiosk.log.warning("kiosk: staff PIN try from %s refused: locked out", device)
            return self._answer(429, exc.key, **exc.params)
        try:
            ok = same_secret(self.get_body_argument("pin", ""), kiosk.staff_pin)
        except MalformedSecret:
            ok = False
        if ok:
            kiosk.pin_devices.succeeded(device)
            kiosk.log.info("kiosk: staff exit opened from %s", device)
            self.set_signed_cookie(STAFF_COOKIE, "1", expires_days=None, httponly=True,
                                   path=kiosk.base_url, samesite="Strict")
            return self._answer(200)
        locked = kiosk.pin_devices.failed(device)
        hall_locked = kiosk.pin_hall.failed("*")
        kiosk.log.warning("kiosk: wrong staff PIN from %s%s", device,
                          " (device locked out)" if locked else " (hall locked out)" if hall_locked else "")
        self._answer(403, "kiosk.exit.wrong")


class StaffHandler(KioskHandler):
    """What staff need at a screen: load, and every app (also when the screen shows one)."""

    def get(self) -> None:
        if self.get_signed_cookie(STAFF_COOKIE) != b"1":
            raise tornado.web.HTTPError(403)
        lang = self.lang()
        base = self.kiosk.base_url
        page = render_page("staff.html.j2", lang, title=t("kiosk.staff.title", lang), base=base,
                           apps=kiosk_apps(Path(self.kiosk.root_dir)),
                           visitors=self.kiosk.visitor_kernel_count(),
                           max_kernels=self.kiosk.kiosk_settings.max_kernels,
                           preheated=len(self.kiosk.pooled_kernel_ids()))
        self.clear_cookie(STAFF_COOKIE, path=base)  # one visit per PIN entry
        self.finish(page)


class ReportHandler(KioskHandler):
    """The page reports an error it hid from the visitor; staff read it in the log.

    Anyone can post here, so one report is one log line: the body is cut to 4 KB, its
    control characters escaped and the line capped; 10 reports a minute per device (60
    for the hall), the rest are dropped (429) with one note in the log."""

    def check_xsrf_cookie(self) -> None:
        return None

    def post(self) -> None:
        kiosk, device = self.kiosk, self.device()
        for throttle, key in ((kiosk.report_devices, device), (kiosk.report_hall, "*")):
            if throttle.locked_for(key) > 0:
                self.set_status(429)
                return self.finish()
        for throttle, key in ((kiosk.report_devices, device), (kiosk.report_hall, "*")):
            if throttle.failed(key):  # counts every report; the one that fills the window says so
                kiosk.log.warning("kiosk: page reports from %s paused (too many)", security.one_line(key))
        text = self.request.body[:security.REPORT_MAX_BYTES].decode("utf-8", "replace")
        kiosk.log.error("kiosk page report from %s: %s", device, security.one_line(text))
        self.set_status(204)
        self.finish()


def kiosk_handlers(base: str) -> list[tuple]:
    """Our routes under the kiosk's base URL (they come before Voila's)."""
    return [
        (base, LauncherHandler),
        (base + "kiosk/config.json", ConfigHandler),
        (base + "kiosk/status", StatusHandler),
        (base + r"kiosk/reset/(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)", ResetHandler),
        (base + "kiosk/exit", ExitHandler),
        (base + "kiosk/staff", StaffHandler),
        (base + "kiosk/report", ReportHandler),
        (base + r"kiosk/qr/([\w.-]+)\.svg", QRHandler),
    ]
