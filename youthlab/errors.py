"""One exception hierarchy for everything a user can run into.

Every error carries a message key and a hint key from the i18n catalogue, so the same
error reads well in Korean and English, in a terminal, a notebook or a kiosk::

    raise BoardNotFound(port="/dev/ttyUSB0")

Subclass per area (``youthlab.boards.errors`` etc.) and set ``key`` / ``hint_key``.
"""

from __future__ import annotations

from typing import Any

from youthlab.i18n import t


class YouthLabError(Exception):
    """Base of all YouthLab errors: a user message and a hint, in ko and en."""

    key: str = "error.unexpected"
    hint_key: str | None = "error.unexpected.hint"

    def __init__(self, key: str | None = None, hint_key: str | None = None, **params: Any) -> None:
        if key is not None:
            self.key = key
        if hint_key is not None:
            self.hint_key = hint_key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)

    def hint(self, lang: str | None = None) -> str | None:
        return t(self.hint_key, lang, **self.params) if self.hint_key else None

    def user_text(self, lang: str | None = None) -> str:
        """Message and hint on two lines, for terminals and logs."""
        hint = self.hint(lang)
        return self.message(lang) + (f"\n→ {hint}" if hint else "")

    def __str__(self) -> str:
        return self.user_text()

    def _repr_html_(self) -> str:  # how a notebook shows it, without a traceback
        import html

        hint = self.hint()
        return (
            '<div class="youthlab-error" style="border-left:4px solid #d9534f;'
            'padding:.5em 1em;background:#fdf2f2">'
            f"<b>⚠ {html.escape(self.message())}</b>"
            + (f"<br>💡 {html.escape(hint)}" if hint else "")
            + "</div>"
        )


class ConfigError(YouthLabError):
    key = "error.config"
    hint_key = "error.config.hint"


class SetupError(YouthLabError):
    """A piece of the installation is missing or broken (see ``youthlab doctor``)."""

    key = "error.setup"
    hint_key = "error.setup.hint"


class HubError(YouthLabError):
    key = "error.hub"
    hint_key = "error.hub.hint"


def error_body(error: YouthLabError) -> dict[str, Any]:
    """An error as a service answers it in JSON: its key, and message + hint in both languages."""
    return {"error": error.key, "message": {lang: error.message(lang) for lang in ("ko", "en")},
            "hint": {lang: error.hint(lang) for lang in ("ko", "en")}}
