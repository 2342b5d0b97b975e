"""The kiosk's knobs: one set of documented traits, read from the environment once.

``python -m youthlab.kiosk.server --pool-size 2`` (the hub starts it so),
``youthlab kiosk`` and ``c.KioskSettings.… = …`` in a config file all set these same
traits; ``youthlab config --area kiosk`` lists them. The staff PIN is not here: it is a
secret the server reads once and hands over (``youthlab.kiosk.environment``).
"""

from __future__ import annotations

from urllib.parse import urlparse

from traitlets import Enum, Float, Integer, TraitError, Unicode, default, validate

from youthlab.config import EnvConfigurable, knob
from youthlab.i18n import LANGUAGES


class KioskSettings(EnvConfigurable):
    """Settings of the kiosk server (Voila for visitors)."""

    port = Integer(8866, help="Port the kiosk listens on (under the hub: from JUPYTERHUB_SERVICE_URL)."
                   ).tag(config=True)
    ip = Unicode("127.0.0.1", help="Address the kiosk listens on (0.0.0.0 lets other screens connect)."
                 ).tag(config=True)
    base_url = knob(Unicode("/"), "JUPYTERHUB_SERVICE_PREFIX", help_key="kiosk.setting.base_url")
    language = knob(Enum(list(LANGUAGES), default_value="ko"), "YOUTHLAB_KIOSK_LANG",
                    help_key="kiosk.setting.language")
    pool_languages = knob(Unicode(",".join(LANGUAGES)), "YOUTHLAB_KIOSK_POOL_LANGS",
                          help_key="kiosk.setting.pool_languages")
    pool_size = knob(Integer(1, min=0), "YOUTHLAB_KIOSK_POOL", help_key="kiosk.setting.pool_size")
    max_kernels = knob(Integer(8, min=1), "YOUTHLAB_KIOSK_MAX_KERNELS", help_key="kiosk.setting.max_kernels")
    idle_seconds = knob(Integer(90, min=5), "YOUTHLAB_KIOSK_IDLE", help_key="kiosk.setting.idle_seconds")
    cull_seconds = knob(Integer(120, min=5), "YOUTHLAB_KIOSK_CULL", help_key="kiosk.setting.cull_seconds")
    public_url = knob(Unicode(""), "YOUTHLAB_KIOSK_PUBLIC_URL", help_key="kiosk.setting.public_url")
    math = knob(Enum(["plain", "mathjax"], default_value="plain"), "YOUTHLAB_KIOSK_MATH",
                help_key="kiosk.setting.math")
    frontend_extensions = knob(Enum(["app", "all"], default_value="app"), "YOUTHLAB_KIOSK_FRONTEND_EXTENSIONS",
                               help_key="kiosk.setting.frontend_extensions")
    single_app = Unicode("", help="Serve (and preheat) one lab's app only, e.g. 00-welcome.").tag(config=True)
    render_budget = Float(90.0, min=1.0, help="Seconds a preheated kernel may take to run its app before "
                                              "it is replaced.").tag(config=True)
    handout_wait = Float(15.0, min=0.0, help="Seconds a visitor waits for a preheated page that is still being "
                                             "rendered; past that the visitor gets a fresh kernel.").tag(config=True)
    cell_timeout = Integer(60, min=1, help="Seconds one cell of an app may run before the page shows the "
                                           "friendly error.").tag(config=True)
    output_wait = Integer(30, min=1, help="Seconds to wait for a cell's outputs after the kernel said it "
                                          "finished; past that the page shows the friendly error.").tag(config=True)

    @default("port")
    def _port_from_hub(self) -> int:
        import os

        url = os.environ.get("JUPYTERHUB_SERVICE_URL", "")
        return (urlparse(url).port if url else None) or 8866

    @validate("pool_languages")
    def _known_languages(self, proposal: dict) -> str:
        values = [v.strip() for v in proposal["value"].split(",") if v.strip()]
        unknown = [v for v in values if v not in LANGUAGES]
        if unknown:
            raise TraitError(f"unknown language(s) {', '.join(unknown)}: use {', '.join(LANGUAGES)}")
        return ",".join(dict.fromkeys(values))

    def preheated_languages(self) -> tuple[str, ...]:
        """The pools' languages, the kiosk's own first (it serves visitors who name none)."""
        if self.pool_size <= 0:
            return ()
        wanted = self.pool_languages.split(",")
        return tuple(lang for lang in dict.fromkeys([self.language, *LANGUAGES]) if lang in wanted)
