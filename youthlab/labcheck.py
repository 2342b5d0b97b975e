"""Check cells that teach: what was expected, what happened, one hint — in Korean and English.

A bare ``assert`` in a lab's check cell shows a student ``AssertionError`` and nothing
else (and nbgrader's feedback keeps only the error's one line). ``expect`` says it all in
that one line, and a pass says so too::

    expect(stamp_price(25), 520, call="stamp_price(25)",
           hint_ko="25 g까지는 520원이에요.", hint_en="Up to 25 g costs 520 won.")
"""

from __future__ import annotations

from typing import Any

from youthlab.i18n import t
from youthlab.korean import Word


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "…"


def failure_text(call: str, expected: Any, actual: Any, hint_ko: str, hint_en: str) -> str:
    """One line per language: the call, what was expected, what came back, one hint."""
    params = dict(call=Word(call), expected=Word(_shown(expected)), actual=Word(_shown(actual)))
    ko = t("lab.expect.failed", "ko", hint=hint_ko, **params)
    en = t("lab.expect.failed", "en", hint=hint_en, **params)
    return f"{ko} · {en}"


def expect(actual: Any, expected: Any, *, call: str, hint_ko: str, hint_en: str) -> None:
    """Fail with a full bilingual message unless ``actual == expected``. A plain
    ``AssertionError``: nbgrader counts it as a failed test and its feedback shows it."""
    if actual != expected:
        raise AssertionError(failure_text(call, expected, actual, hint_ko, hint_en))


def require(condition: bool, *, ko: str, en: str) -> None:
    """Fail with ``ko · en`` (what is wrong and what to do) unless ``condition`` holds."""
    if not condition:
        raise AssertionError(f"{ko} · {en}")


def passed(what_ko: str, what_en: str) -> None:
    """Say a check passed, in both languages."""
    print(t("lab.expect.passed", "ko", what=Word(what_ko)), "·", t("lab.expect.passed", "en", what=what_en))
