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
        # a field may carry a format spec: {name:은} picks the Korean particle (youthlab.korean)
        ko_fields = set(re.findall(r"{(\w+)(?:[:!][^}]*)?}", texts["ko"]))
        en_fields = set(re.findall(r"{(\w+)(?:[:!][^}]*)?}", texts["en"]))
        # q<name>: the value in quotes, given with every field of a curriculum problem
        ko_fields = {f[1:] if f.startswith("q") and f[1:] in en_fields else f for f in ko_fields}
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


# --- one i18n path: every key the code asks for exists, every key in the catalogue is used ---

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

import youthlab  # noqa: E402

PACKAGE = Path(youthlab.__file__).parent
PROJECT = PACKAGE.parent
TRANSLATING = {"t", "both"}  # youthlab.i18n's lookups
FILE_SUFFIXES = {"yaml", "yml", "py", "ipynb", "stl", "3mf", "json", "png", "gcode", "svg", "txt", "html",
                 "j2", "js", "css", "ini", "csv", "bin", "uf2", "hex", "mpy", "toml", "md"}
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
PREFIX_SHAPE = re.compile(r"^[a-z][a-z0-9_.]*\.$")


def _code() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in PACKAGE.rglob("*.py")}


def _data_strings() -> dict[Path, list[str]]:
    """Every string in the package's data files (a mission's YAML names its places by key),
    the catalogue itself left out."""
    found: dict[Path, list[str]] = {}
    for pattern in ("*.yaml", "*.yml", "*.json"):
        for path in PACKAGE.rglob(pattern):
            if path.parent.name == "messages":
                continue
            text = path.read_text(encoding="utf-8")
            found[path] = re.findall(r"[A-Za-z0-9_.]+", text)
    return found


def keys_asked_for() -> dict[str, str]:
    """Keys the code looks up by a literal: t("…") / both("…"), an error's ``key`` /
    ``hint_key``, and any other key-shaped literal of a catalogue namespace (a checker's
    item, an error raised with its key) — key -> where."""
    namespaces = {key.split(".")[0] for key in catalogue()}
    asked: dict[str, str] = {}
    for path, tree in _code().items():
        where = str(path.relative_to(PROJECT))
        for node in ast.walk(tree):
            literal = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in TRANSLATING and isinstance(node.args[0].value, str):
                    asked.setdefault(node.args[0].value, f"{where}:{node.lineno}")
                    continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literal = node.value
            if (literal and KEY_SHAPE.match(literal) and literal.split(".")[0] in namespaces
                    and literal.rsplit(".", 1)[1] not in FILE_SUFFIXES):
                asked.setdefault(literal, f"{where}:{node.lineno}")
    for path, words in _data_strings().items():
        for word in words:
            if KEY_SHAPE.match(word) and word.split(".")[0] in namespaces \
                    and word.rsplit(".", 1)[1] not in FILE_SUFFIXES:
                asked.setdefault(word, str(path.relative_to(PROJECT)))
    return asked


def keys_in_use() -> set[str]:
    """Catalogue keys some code, template, notebook or page names: as a literal, or under
    a prefix the code completes at run time (``t("progress." + status)``)."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    for tree in _code().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                prefixes.add(str(node.values[0].value))
            elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
                  and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)):
                prefixes.add(node.left.value)
    texts = []
    for base in ("youthlab", "labs", "games", "hub_config", "hardware", "curricula", "benchmarks"):
        for pattern in ("*.j2", "*.html", "*.js", "*.ipynb", "*.py", "*.yaml", "*.yml", "*.json"):
            for path in (PROJECT / base).rglob(pattern):
                if not (base == "youthlab" and (path.suffix == ".py" or path.parent.name == "messages")):
                    texts.append(path.read_text(encoding="utf-8", errors="replace"))
    text = "\n".join(texts)
    # f"area.name.{value}" in a notebook or a template: every key under that prefix is in use
    prefixes |= set(re.findall(r'f\\?["\']([a-z][a-z0-9_.]*\.)\{', text))
    prefixes = {p for p in prefixes if PREFIX_SHAPE.match(p)}
    for words in _data_strings().values():
        literals.update(words)
    return {key for key in catalogue()
            if key in literals or key in text or any(key.startswith(p) for p in prefixes)}


def test_every_key_the_code_asks_for_exists():
    missing = {key: where for key, where in keys_asked_for().items()
               if key not in catalogue() and KEY_SHAPE.match(key)}
    assert missing == {}, "keys missing from youthlab/messages/*.yaml: " + ", ".join(
        f"{key} ({where})" for key, where in sorted(missing.items()))


def test_every_key_the_tests_name_exists():
    """A test that labels a widget or looks up a text by a key the catalogue no longer has
    gets the key back as its text, and checks nothing of what it meant to."""
    namespaces = {key.split(".")[0] for key in catalogue()}
    not_keys = FILE_SUFFIXES | {"log", "pem", "key", "exe", "gz", "sqlite"}  # file names in tests
    missing = {}
    for path in (PROJECT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                word = node.value
                if (KEY_SHAPE.match(word) and word.split(".")[0] in namespaces and "no_such" not in word
                        and word.rsplit(".", 1)[1] not in not_keys and word not in catalogue()):
                    missing[word] = f"{path.relative_to(PROJECT)}:{node.lineno}"
    assert missing == {}, f"keys the tests name that the catalogue lacks: {missing}"


def test_every_catalogue_key_is_used():
    unused = sorted(set(catalogue()) - keys_in_use())
    assert unused == [], f"catalogue keys no code uses (use or remove them): {unused}"


def test_the_key_finder_sees_lookups_and_misses(tmp_path, monkeypatch):
    """The two checks above can fail: a lookup of an unknown key and an unused key are found."""
    pkg = tmp_path / "youthlab"
    pkg.mkdir()
    (pkg / "area.py").write_text(
        "from youthlab.i18n import t\n"
        "class Oops(Exception):\n    key = 'hub.no_such_message'\n"
        "def f(status):\n    return t('hub.ready', url='x') + t('progress.' + status)\n")
    (pkg / "data").mkdir()  # a data file names a place by key, as a mission's YAML does
    (pkg / "data" / "mission.yaml").write_text("title: drone.mission.hall.title\n"
                                              "stops:\n  - {name: drone.place.no_such_place, lat: 1}\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", pkg)
    monkeypatch.setattr(f"{__name__}.PROJECT", tmp_path)
    asked = keys_asked_for()
    assert "hub.no_such_message" in asked and "hub.no_such_message" not in catalogue()
    assert "drone.place.no_such_place" in asked and "drone.place.no_such_place" not in catalogue()
    used = keys_in_use()
    assert "hub.ready" in used and "progress.stuck" in used and "hub.stopping" not in used
    assert "drone.mission.hall.title" in used and "drone.mission.island.title" not in used
