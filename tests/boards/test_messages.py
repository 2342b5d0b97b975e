"""Every board message exists in Korean and English, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml

import youthlab.boards.errors as errors
from youthlab.i18n import catalogue

MESSAGES = Path(__file__).resolve().parents[2] / "youthlab" / "messages" / "boards.yaml"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_ko_first_en_always_same_placeholders():
    data = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    for key, texts in data.items():
        assert key.startswith("boards."), key
        assert list(texts) == ["ko", "en"], key
        assert re.search(r"[가-힣]", texts["ko"]), key
        assert _fields(texts["ko"]) == _fields(texts["en"]), key


def test_every_board_error_has_its_messages():
    cat = catalogue()
    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.BoardError):
            assert cls.key in cat and cls.hint_key in cat, name
