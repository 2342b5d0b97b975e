"""How the loopback services answer (JSON, errors as ko/en bodies) and how their clients
tell a refusal again in the caller's language.

The services (flight, print queue, grading) answer an error as
:func:`youthlab.errors.error_body` writes it: its key, and message and hint in Korean and
English. Their clients raise it again as their area's error with :class:`AnsweredError`.
"""

from __future__ import annotations

import json
from typing import Any

from youthlab.errors import YouthLabError, error_body
from youthlab.i18n import current_language


class AnsweredError:
    """Mixin, before the area's error class: message and hint are the service's own answer
    (``self.answer``, its JSON body), in the caller's language, else English; an answer
    without a message falls back to the error's own catalogue message."""

    answer: dict[str, Any]

    def _answered(self, part: str, lang: str | None) -> str | None:
        texts = self.answer.get(part)
        texts = texts if isinstance(texts, dict) else {}
        return texts.get(lang or current_language()) or texts.get("en")

    def message(self, lang: str | None = None) -> str:
        return self._answered("message", lang) or super().message(lang)  # type: ignore[misc]

    def hint(self, lang: str | None = None) -> str | None:
        return self._answered("hint", lang)


class JsonAnswers:
    """Mixin for a service's tornado handlers, before ``RequestHandler``: a token-checked
    JSON API (no XSRF cookie) whose every answer is JSON — tornado's own refusals (unknown
    path, method, body too large) too, as :attr:`request_error`."""

    request_error: type[YouthLabError]

    def answer(self, status: int, body: Any) -> None:
        self.set_status(status)  # type: ignore[attr-defined]
        self.set_header("Content-Type", "application/json; charset=utf-8")  # type: ignore[attr-defined]
        self.finish(json.dumps(body, ensure_ascii=False))  # type: ignore[attr-defined]

    def check_xsrf_cookie(self) -> None:
        return

    def given_token(self) -> str:
        """The token of the request's ``Authorization: token …`` header ("" without one)."""
        header = self.request.headers.get("Authorization", "")  # type: ignore[attr-defined]
        return header[6:].strip() if header.lower().startswith("token ") else ""

    async def hub_user(self, hub_auth: Any) -> dict[str, Any] | None:
        """The hub's model of the token's owner, if the hub knows the token and it grants the
        service's access scopes; else None (also without a hub or a token)."""
        given = self.given_token()
        if hub_auth is None or not given:
            return None
        model = await hub_auth.user_for_token(given, sync=False)
        return model if model and hub_auth.check_scopes(hub_auth.access_scopes, model) else None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")  # type: ignore[attr-defined]
        self.finish(json.dumps(error_body(self.request_error(detail=f"HTTP {status_code}")),  # type: ignore[attr-defined]
                               ensure_ascii=False))


def not_found_handler(handler: type) -> type:
    """The application's ``default_handler_class``: an unknown path is refused as ``handler``
    (a :class:`JsonAnswers` handler) refuses, in ko/en JSON, not tornado's HTML page."""
    from tornado.web import HTTPError

    class NotFound(handler):  # type: ignore[misc, valid-type]
        def prepare(self) -> None:
            raise HTTPError(404)

    return NotFound
