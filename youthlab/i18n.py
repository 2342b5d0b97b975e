"""The one small i18n layer: every user-facing text exists in Korean and English.

Messages live in ``youthlab/messages/*.yaml`` (one file per area, e.g. ``core.yaml``,
``boards.yaml``), each mapping a dotted key to ``{ko: ..., en: ...}``. Texts use
``str.format`` placeholders: ``t("hub.ready", url=url)``.

The language is chosen, first match wins, from:
1. :func:`set_language` (or ``use_language`` as a context manager),
2. in a kiosk kernel, the ``?lang=`` of the page the visitor opened,
3. the ``YOUTHLAB_LANG`` environment variable (``ko`` / ``en``),
4. the user's JupyterLab language setting (``@jupyterlab/translation-extension``),
5. ``LANGUAGE`` / ``LC_ALL`` / ``LANG`` if they name Korean or English,
6. Korean, the hall's first language.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Mapping

import yaml

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
#: The hall's language (``ko``/``en``), also listed by ``youthlab config --area project``.
LANGUAGE_VAR = "YOUTHLAB_LANG"
_MESSAGES_DIR = Path(__file__).with_name("messages")
_override: str | None = None


def normalize_language(value: str | None) -> str | None:
    """Map ``ko_KR.UTF-8``, ``ko-KR``, ``en_US`` … to ``ko`` / ``en``; None if neither."""
    if not value:
        return None
    code = re.split(r"[_.\-@:]", value.strip().lower(), maxsplit=1)[0]
    return code if code in LANGUAGES else None


def _jupyterlab_language() -> str | None:
    settings_dir = os.environ.get("JUPYTERLAB_SETTINGS_DIR") or str(
        Path.home() / ".jupyter" / "lab" / "user-settings"
    )
    path = Path(settings_dir) / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    # JupyterLab settings are JSON5-ish (comments allowed); strip line comments first.
    text = re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)
    try:
        locale = json.loads(text).get("locale")
    except (ValueError, AttributeError):
        return None
    return normalize_language(locale)


def _kiosk_visitor_language() -> str | None:
    """In a kernel Voila started for a kiosk page opened with ``?lang=en``."""
    if not os.environ.get("SERVER_SOFTWARE", "").startswith("voila/"):
        return None
    match = re.search(r"(?:^|&)lang=([A-Za-z_-]+)", os.environ.get("QUERY_STRING", ""))
    return normalize_language(match.group(1)) if match else None


def current_language() -> str:
    """The language to speak to the current user, ``"ko"`` or ``"en"``."""
    if _override:
        return _override
    kiosk = _kiosk_visitor_language()
    if kiosk:
        return kiosk
    env = normalize_language(os.environ.get(LANGUAGE_VAR))
    if env:
        return env
    lab = _jupyterlab_language()
    if lab:
        return lab
    for var in ("LANGUAGE", "LC_ALL", "LANG"):
        lang = normalize_language(os.environ.get(var))
        if lang:
            return lang
    return DEFAULT_LANGUAGE


def language_from_accept_header(header: str | None) -> str | None:
    """The best of ko/en in a browser's ``Accept-Language`` header (kiosk and web pages)."""
    if not header:
        return None
    choices = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        lang = normalize_language(code)
        if lang and quality > 0:
            choices.append((-quality, position, lang))
    return min(choices)[2] if choices else None


def set_language(lang: str | None) -> None:
    """Force a language for this process (None returns to automatic choice)."""
    global _override
    if lang is not None and normalize_language(lang) is None:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
    _override = normalize_language(lang) if lang else None


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Temporarily speak ``lang`` (e.g. to render one kiosk page in English)."""
    global _override
    previous = _override
    set_language(lang)
    try:
        yield
    finally:
        _override = previous


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=1)
def catalogue() -> Mapping[str, Mapping[str, str]]:
    """All messages, merged from every file in ``youthlab/messages``."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_MESSAGES_DIR.glob("*.yaml")):
        # libyaml's safe loader when present: ~8x less CPU on every command's start.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
        for key, texts in data.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice ({path.name})")
            merged[key] = dict(texts)
    return merged


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The message ``key`` in ``lang`` (default: :func:`current_language`), formatted."""
    lang = normalize_language(lang) or current_language()
    texts = catalogue().get(key)
    if texts is None:
        # A missing key is a bug, but a user must still see something readable.
        return key if not params else f"{key} {params}"
    text = texts.get(lang) or texts.get("en") or texts.get("ko") or key
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def both(key: str, **params: object) -> dict[str, str]:
    """The message in every language, e.g. for a page that switches language client-side."""
    return {lang: t(key, lang, **params) for lang in LANGUAGES}
