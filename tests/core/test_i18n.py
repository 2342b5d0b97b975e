"""The message catalogue and language choice."""

from __future__ import annotations

import json
import re

import pytest

from youthlab import i18n
from youthlab.errors import ConfigError
from youthlab.i18n import catalogue, current_language, t, use_language


def test_every_message_exists_in_korean_and_english():
    problems = [key for key, texts in catalogue().items()
                if not (texts.get("ko") or "").strip() or not (texts.get("en") or "").strip()]
    assert problems == []


def test_korean_texts_are_korean_and_placeholders_match():
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for key, texts in catalogue().items():
        ko_fields = set(re.findall(r"{(\w+)}", texts["ko"]))
        en_fields = set(re.findall(r"{(\w+)}", texts["en"]))
        assert ko_fields == en_fields, f"{key}: placeholders differ"
        if hangul.search(texts["en"]) is None and texts["ko"] != texts["en"]:
            assert hangul.search(texts["ko"]), f"{key}: ko text has no Hangul"


def test_language_from_env_then_jupyterlab_setting_then_locale(monkeypatch, tmp_path):
    monkeypatch.delenv("YOUTHLAB_LANG", raising=False)
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    assert current_language() == "en"

    settings = tmp_path / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text("// chosen in Settings → Language\n" + json.dumps({"locale": "ko_KR"}))
    assert current_language() == "ko"

    monkeypatch.setenv("YOUTHLAB_LANG", "en")
    assert current_language() == "en"
    with use_language("ko"):
        assert current_language() == "ko"
    assert current_language() == "en"


def test_default_is_korean(monkeypatch, tmp_path):
    for var in ("YOUTHLAB_LANG", "LANG", "LC_ALL", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path))
    assert current_language() == "ko"


def test_errors_speak_both_languages_with_a_hint():
    err = ConfigError(detail="accounts.yaml: line 3")
    assert "설정" in err.message("ko") and "configuration" in err.message("en")
    assert err.hint("ko") and err.hint("en")
    assert "line 3" in err.user_text("en")
    assert "<b>" in err._repr_html_() and "Traceback" not in err._repr_html_()


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        i18n.set_language("fr")
    assert t("doctor.ok", "ko") == "모두 준비됐어요."


def test_browser_accept_language_picks_the_preferred_of_ko_and_en():
    from youthlab.i18n import language_from_accept_header as pick

    assert pick("ko-KR,ko;q=0.9,en-US;q=0.8") == "ko"
    assert pick("en-GB,en;q=0.9,ko;q=0.5") == "en"
    assert pick("fr-FR,fr;q=0.9,en;q=0.3") == "en"
    assert pick("fr-FR") is None and pick(None) is None
