"""What the project names outside its Python package still exists.

A dead-code sweep checks the package against itself and the tests; these are the places it
does not see (the island mission's catalogue keys went that way): a lab notebook's import,
a catalogue key a notebook, template, game, board file or data file names, and a
``youthlab …`` command that a hint, a README, a lab or a config comment tells someone to
type. Each check is shown to fail on a made-up project first.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import click
import pytest
import yaml

from youthlab.i18n import catalogue

PROJECT = Path(__file__).resolve().parents[2]
# Where a name can hide from a sweep of the package: labs (students), games, hardware (club
# members, the boards), curricula, hub_config, benchmarks, docs and the READMEs.
OUTSIDE = ("labs", "games", "hardware", "curricula", "hub_config", "benchmarks", "docs")
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", "var", "tests", "youthlab.egg-info", "chart"}
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
FILE_SUFFIXES = {"yaml", "yml", "py", "ipynb", "stl", "3mf", "json", "png", "gcode", "svg", "txt", "html",
                 "j2", "js", "css", "ini", "csv", "bin", "uf2", "hex", "mpy", "toml", "md", "tgz", "gz", "log"}

# Commands some text names that do not exist, each reported to its owner: the list may only
# shrink (a new one fails; one that was fixed fails until it is taken off here).
KNOWN_MISSING_COMMANDS: set[str] = set()


def _files(root: Path, *suffixes: str) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in suffixes and not SKIP_DIRS & set(path.relative_to(root).parts):
            yield path


def _outside(project: Path, *suffixes: str) -> Iterator[Path]:
    for base in OUTSIDE:
        if (project / base).is_dir():
            yield from _files(project / base, *suffixes)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8")).get("cells", [])


def _python_sources(project: Path) -> Iterator[tuple[str, str]]:
    """(where, Python source) of code that runs in this Python: lab cells (not ``%%`` cells:
    those run on a board or write a file), labs'/games'/benchmarks'/hub_config's files,
    and the ```python blocks of every README and guide."""
    for path in _outside(project, ".ipynb"):
        for i, cell in enumerate(_cells(path)):
            source = "".join(cell.get("source", ""))
            if cell.get("cell_type") == "code" and not source.lstrip().startswith("%%"):
                lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
                yield f"{path.relative_to(project)} cell {i}", "\n".join(lines)
    for path in _outside(project, ".py"):
        if "hardware" not in path.relative_to(project).parts:  # board files run in MicroPython
            yield str(path.relative_to(project)), path.read_text(encoding="utf-8")
    for path in [*_outside(project, ".md"), *project.glob("*.md"), *_files(project / "youthlab", ".md")]:
        for block in re.findall(r"```(?:python|py)\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            yield f"{path.relative_to(project)} (python block)", block


def youthlab_imports(project: Path) -> list[tuple[str, str, list[str]]]:
    """(where, module, names) of every ``import youthlab…`` / ``from youthlab… import``."""
    found = []
    for where, source in _python_sources(project):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "youthlab":
                found.append((f"{where}:{node.lineno}", node.module, [a.name for a in node.names if a.name != "*"]))
            elif isinstance(node, ast.Import):
                found += [(f"{where}:{node.lineno}", a.name, []) for a in node.names if a.name.split(".")[0] == "youthlab"]
    return found


# Run in a child Python: importing a lab's modules (pygame, JupyterHub …) must not touch this one.
RESOLVE = """
import importlib, json, sys
missing = []
for where, module, names in json.load(sys.stdin):
    try:
        loaded = importlib.import_module(module)
    except Exception as exc:
        missing.append(f"{where}: import {module}: {type(exc).__name__}: {exc}")
        continue
    for name in names:
        if hasattr(loaded, name):
            continue
        try:
            importlib.import_module(module + "." + name)
        except ImportError:
            missing.append(f"{where}: from {module} import {name}: no such name")
print(json.dumps(missing))
"""


def unresolved_imports(project: Path) -> list[str]:
    imports = youthlab_imports(project)
    out = subprocess.run([sys.executable, "-c", RESOLVE], input=json.dumps(imports), capture_output=True,
                         text=True, cwd=PROJECT, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def keys_named_outside(project: Path) -> dict[str, str]:
    """Catalogue-key-shaped strings outside the package -> where: Python string literals of
    lab cells and of labs'/games'/hardware's/benchmarks'/hub_config's files, string values
    of their YAML/JSON data, quoted strings of their templates and scripts."""
    namespaces = {key.split(".")[0] for key in catalogue()}
    named: dict[str, str] = {}

    def take(text: str, where: str) -> None:
        if (KEY_SHAPE.match(text) and text.split(".")[0] in namespaces
                and text.rsplit(".", 1)[1] not in FILE_SUFFIXES):
            named.setdefault(text, where)

    sources = list(_python_sources(project))
    sources += [(str(p.relative_to(project)), p.read_text(encoding="utf-8"))
                for p in _outside(project, ".py") if "hardware" in p.relative_to(project).parts]
    for where, source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                take(node.value, f"{where}:{node.lineno}")
    for path in _outside(project, ".yaml", ".yml", ".json"):
        text = path.read_text(encoding="utf-8")
        try:
            documents = list(yaml.safe_load_all(text)) if path.suffix != ".json" else [json.loads(text)]
        except (yaml.YAMLError, ValueError):
            continue  # a Helm template is no data
        for value in (s for d in documents for s in _strings(d)):
            take(value, str(path.relative_to(project)))
    for path in _outside(project, ".j2", ".html", ".js"):
        for value in re.findall(r"""["']([a-z][a-z0-9_.]*)["']""", path.read_text(encoding="utf-8")):
            take(value, str(path.relative_to(project)))
    return named


def test_every_youthlab_import_of_a_lab_game_benchmark_or_guide_resolves():
    """A student's lab cell (``from youthlab.drone import Mission``), a game, a benchmark,
    hub_config and a guide's example import only what the package still has."""
    assert len(youthlab_imports(PROJECT)) > 50  # the labs and games do import the package
    assert unresolved_imports(PROJECT) == []


def test_every_catalogue_key_named_outside_the_package_exists():
    named = keys_named_outside(PROJECT)
    missing = {key: where for key, where in named.items() if key not in catalogue()}
    assert missing == {}, "keys missing from youthlab/messages/*.yaml: " + ", ".join(
        f"{key} ({where})" for key, where in sorted(missing.items()))


def test_the_finders_see_what_a_sweep_of_the_package_misses(tmp_path):
    """A made-up project whose lab imports a name the package no longer re-exports and
    names a key that is gone, in a cell, a game level and a kiosk template."""
    lab = tmp_path / "labs" / "99-made-up"
    lab.mkdir(parents=True)
    nb = {"cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "%load_ext youthlab.boards\nfrom youthlab.drone.api import EmergencyStopped\n"
                   "from youthlab.drone import Mission\nimport youthlab.drone.no_such_module\n"
                   "print(t('drone.place.no_such_place'))\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "%%board\nfrom youthlab.not_on_a_board import x\n"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (lab / "made-up.ipynb").write_text(json.dumps(nb))
    (tmp_path / "games" / "made-up").mkdir(parents=True)
    (tmp_path / "games" / "made-up" / "level.json").write_text(
        json.dumps({"title": "games.no_such_title", "file": "games.level.json", "name": "drone.place.home"}))
    (tmp_path / "games" / "made-up" / "page.html.j2").write_text("<p data-key='kiosk.no_such_label'></p>")
    (tmp_path / "README.md").write_text("```python\nfrom youthlab.boards.session import read_image\n```\n")

    unresolved = unresolved_imports(tmp_path)
    assert any("from youthlab.drone.api import EmergencyStopped" in u for u in unresolved), unresolved
    assert any("import youthlab.drone.no_such_module" in u for u in unresolved), unresolved
    assert any("README.md" in u and "read_image" in u for u in unresolved), unresolved
    assert not any("Mission" in u or "not_on_a_board" in u for u in unresolved), unresolved
    named = keys_named_outside(tmp_path)
    assert {"drone.place.no_such_place", "games.no_such_title", "kiosk.no_such_label"} <= set(named)
    assert "drone.place.home" in named and "games.level.json" not in named


def keys_defined_twice(messages: Path) -> list[str]:
    """Keys a catalogue file defines twice: YAML keeps the later text without a word, so the
    earlier is dead text no sweep finds (the loader only refuses a key of two files)."""
    twice = []
    for path in _files(messages, ".yaml"):
        root = yaml.compose(path.read_text(encoding="utf-8"))
        seen: set[str] = set()
        for key, _ in (root.value if isinstance(root, yaml.MappingNode) else []):
            if key.value in seen:
                twice.append(f"{path.name}:{key.start_mark.line + 1}: {key.value}")
            seen.add(key.value)
    return twice


def test_no_catalogue_file_defines_a_key_twice(tmp_path):
    assert keys_defined_twice(PROJECT / "youthlab" / "messages") == []
    (tmp_path / "made-up.yaml").write_text('a.b:\n  ko: "하나"\n  en: "one"\nc.d:\n  ko: "둘"\n  en: "two"\n'
                                           'a.b:\n  ko: "셋"\n  en: "three"\n')
    assert keys_defined_twice(tmp_path) == ["made-up.yaml:7: a.b"]


# --- `youthlab …` commands someone is told to type -------------------------------------

GROUP_PLACEHOLDERS = {"<name>", "{name}", "<command>", "COMMAND", "…", "..."}


def command_mentions(project: Path) -> list[tuple[str, str]]:
    """(where, "youthlab …") of every command a text tells someone to type: in `backticks`
    (catalogue, READMEs, lab notebooks, comments and docstrings), on the lines of a README's
    code block, the Makefile's ``…/bin/youthlab`` and a cell's ``!youthlab``."""
    found: list[tuple[str, str]] = []
    quoted = re.compile(r"`{1,2}(youthlab(?: [^`\n]+)?)`{1,2}")
    texts: list[tuple[str, str]] = []
    for path in _files(project / "youthlab" / "messages", ".yaml") if (project / "youthlab" / "messages").is_dir() else []:
        for key, langs in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            texts += [(f"{path.relative_to(project)}:{key}", text) for text in langs.values()]
    paths = [*project.glob("*.md"), *_files(project / "youthlab", ".md", ".py", ".j2", ".html", ".js"),
             *_outside(project, ".md", ".py", ".yaml", ".yml", ".j2", ".html", ".js", ".txt")]
    for path in paths:
        texts.append((str(path.relative_to(project)), path.read_text(encoding="utf-8")))
    for path in _outside(project, ".ipynb"):
        for i, cell in enumerate(_cells(path)):
            source = "".join(cell.get("source", ""))
            texts.append((f"{path.relative_to(project)} cell {i}", source))
            found += [(f"{path.relative_to(project)} cell {i}", m)
                      for m in re.findall(r"^\s*!(youthlab .+)$", source, re.M)]
    for where, text in texts:
        found += [(where, m) for m in quoted.findall(text)]
        if where.endswith(".md"):
            for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
                found += [(where, m) for m in re.findall(r"(?:^|\s|/)(youthlab [^#\n]+)", block, re.M)]
    if (project / "Makefile").is_file():
        found += [("Makefile", "youthlab " + m) for m in
                  re.findall(r"/bin/youthlab ([^#\n;|&)]+)", (project / "Makefile").read_text(encoding="utf-8"))]
    return found


def _options(command: click.Command) -> set[str]:
    return {o for p in command.params for o in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]}


def _sub(group: click.Group, name: str) -> click.Command | None:
    return group.get_command(click.Context(group), name)


def _subs(group: click.Group) -> list[click.Command]:
    return [_sub(group, name) for name in group.list_commands(click.Context(group))]


def command_problem(mention: str, root: click.Group) -> str | None:
    """Why ``mention`` would fail as typed (no such sub-command or option), else None."""
    words = re.split(r"\s+", re.sub(r"[\[\]]", " ", mention).strip())[1:]
    command, path, placeholder = root, ["youthlab"], False
    for word in words:
        if word in ("&&", "||", "|", ";", ">", "2>&1") or word.startswith(("#", ">")):
            break
        if word.startswith("-"):
            option = word.split("=", 1)[0]
            if option in ("-h", "--help"):
                continue
            if placeholder:  # `youthlab game <name> --kiosk`: some sub-command has it
                assert isinstance(command, click.Group)
                if not any(option in _options(sub) for sub in _subs(command)):
                    return f"no sub-command of `{' '.join(path)}` has {option}"
            elif option not in _options(command):
                return f"`{' '.join(path)}` has no option {option}"
            continue
        if not isinstance(command, click.Group) or placeholder:
            continue  # an argument
        if word in GROUP_PLACEHOLDERS:
            placeholder = True
            continue
        alternatives = word.split("/")  # `youthlab stamp text/image/postage/check`
        unknown = [w for w in alternatives if _sub(command, w) is None]
        if unknown:
            return f"`{' '.join(path)}` has no sub-command {'/'.join(unknown)}"
        if len(alternatives) > 1:
            return None
        command = _sub(command, word)
        path.append(word)
    return None


@pytest.fixture(scope="module")
def youthlab_command() -> click.Group:
    from youthlab.cli import cli

    return cli


def test_every_youthlab_command_a_text_tells_someone_to_type_exists(youthlab_command):
    """E.g. a board without MicroPython hints at the command that installs it: typed as
    shown, it must run (not "No such command")."""
    mentions = command_mentions(PROJECT)
    assert len(mentions) > 100
    wrong: dict[str, str] = {}
    for where, mention in mentions:
        problem = command_problem(mention, youthlab_command)
        if problem:
            wrong.setdefault(" ".join(mention.split()[:3]) if "sub-command" in problem else mention,
                             f"{where}: {problem}")
    new = {m: why for m, why in wrong.items() if m not in KNOWN_MISSING_COMMANDS}
    assert new == {}, "\n".join(f"`{m}` ({why})" for m, why in sorted(new.items()))
    assert KNOWN_MISSING_COMMANDS <= set(wrong), "fixed: take it off KNOWN_MISSING_COMMANDS"


def test_the_command_check_fails_on_what_cannot_be_typed(youthlab_command, tmp_path):
    def problem(mention: str) -> str | None:
        return command_problem(mention, youthlab_command)

    assert problem("youthlab flash {port}") is not None  # `flash` wants write/list/fetch/bench
    assert problem("youthlab flash write esp32 --port /dev/ttyUSB0") is None
    assert "no option --baud" in problem("youthlab flash write esp32 --baud 9600")
    assert problem("youthlab game <name> --kiosk") is None and problem("youthlab game --board") is not None
    assert problem("youthlab stamp text/image/postage/check") is None
    assert "no sub-command queue2" in problem("youthlab stamp queue2 list")
    assert problem("youthlab course autograde {lab} --class {cls}") is None
    assert problem("youthlab up --ip 0.0.0.0 --ssl && youthlab doctor --nope") is None  # one command
    messages = tmp_path / "youthlab" / "messages"
    messages.mkdir(parents=True)
    (messages / "made-up.yaml").write_text('x.hint:\n  ko: "`youthlab board flash COM3`"\n  en: "`youthlab board flash`"\n')
    (tmp_path / "README.md").write_text("```sh\nsudo .venv/bin/youthlab class begin demo\n```\n")
    found = dict((m, w) for w, m in command_mentions(tmp_path))
    assert set(found) == {"youthlab board flash COM3", "youthlab board flash", "youthlab class begin demo"}
    assert all(problem(m) for m in found)


def test_a_board_without_micropython_hints_at_a_flash_command_that_runs(youthlab_command):
    """A station's board answers, but not as MicroPython: the hint's command, typed with a
    family from the firmware list, is one the ``youthlab`` command knows (it was
    ``youthlab flash {port}``: "No such command '/dev/ttyUSB7'")."""
    from click.testing import CliRunner

    from youthlab.boards.errors import NotMicroPython
    from youthlab.boards.flash.catalog import load_catalog

    family = sorted(load_catalog())[0]
    for lang in ("ko", "en"):
        hint = NotMicroPython(port="/dev/ttyUSB7").hint(lang)
        commands = re.findall(r"`(youthlab [^`]+)`", hint)
        assert any(" write " in c for c in commands), hint
        for command in commands:
            argv = [family if re.fullmatch(r"<[^>]+>", word) else word for word in command.split()[1:]]
            result = CliRunner().invoke(youthlab_command, [*argv, "--help"])
            assert result.exit_code == 0, f"{command}: {result.output}"
            assert "Usage:" in result.output and "No such" not in result.output
