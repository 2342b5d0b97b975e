"""Curricula as data: load a ``curricula/*.yaml`` plan and check it against the schema.

Every problem is reported with the file's line number, found from the YAML node tree
(``yaml.compose`` keeps each node's position), so a teacher editing the file sees
``visit-90.yaml:14: sequence[2].minutes: "twenty" is not a whole number``, in Korean or
English. Every check runs in one pass (YAML, duplicate keys, schema, labs, weights, time).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from youthlab.grading.classtime import clock_problems
from youthlab.grading.errors import CurriculumError
from youthlab.i18n import t
from youthlab.korean import Word
from youthlab.paths import curricula_dir, labs_dir

SCHEMA_PATH = curricula_dir() / "schema.json"


class CurriculumEncodingError(CurriculumError):
    """The file is not UTF-8 (e.g. saved as CP949 by Korean Windows)."""

    key = "curriculum.encoding"
    hint_key = "curriculum.encoding.hint"


@dataclass
class Problem:
    """One thing to fix, at a line (1-based; 0 = the whole file), in ko or en."""

    line: int
    where: str
    key: str = "curriculum.problem.other"  # message key in curricula_errors.yaml
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        # text values take their Korean particle in the template ({value:은}); q<name> is
        # the value in quotes ({qlab:이} → 'lab'이)
        params: dict[str, Any] = {}
        for k, v in self.params.items():
            params[k] = Word(v) if isinstance(v, str) else v
            params[f"q{k}"] = Word(f"'{v}'")
        return t(self.key, lang, **params)

    @property
    def message(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return f"line {self.line}: {self.where + ': ' if self.where else ''}{self.text()}"


@dataclass
class Step:
    lab: str
    minutes: int
    session: int = 1
    graded: bool = True
    weight: float | None = None


@dataclass
class Activity:
    """Class time that is not a lab: login, fetch, submit, safety-talk, wrap-up, break …"""

    kind: str
    minutes: int
    session: int = 1


@dataclass
class Curriculum:
    path: Path
    data: dict[str, Any]
    steps: list[Step] = field(default_factory=list)  # the labs, in order
    activities: list[Activity] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.data["id"]

    def title(self, lang: str = "ko") -> str:
        return self.data["title"][lang]

    @property
    def labs(self) -> list[str]:
        return [s.lab for s in self.steps]

    @property
    def graded_labs(self) -> list[str]:
        return [s.lab for s in self.steps if s.graded]

    def weights(self) -> dict[str, float]:
        """Share of the final grade per graded lab (equal shares when none are given)."""
        graded = [s for s in self.steps if s.graded]
        if graded and all(s.weight is None for s in graded):
            return {s.lab: 1 / len(graded) for s in graded}
        return {s.lab: float(s.weight or 0) for s in graded}

    def missing_labs(self, labs_root: Path | None = None) -> list[str]:
        root = labs_root or labs_dir()
        return [lab for lab in self.labs if not any((root / lab).glob("*.ipynb"))]

    @property
    def timeout(self) -> int:
        return int(self.data.get("grading", {}).get("timeout_seconds", 30))

    @property
    def pass_percent(self) -> float:
        return float(self.data.get("grading", {}).get("pass_percent", 60))


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def read_text(path: Path) -> str:
    """The text of a curriculum file, decoded as UTF-8 (with or without a BOM).

    Anything else is refused, never guessed: Korean Windows saves CP949, other editors
    Latin-1, and Latin-1 bytes often decode as *valid* CP949 — a guess would silently turn
    a title into other Hangul. The error names the first line that is not UTF-8 and which
    encoding the file looks like, with the command that converts it.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CurriculumError(path=str(path), problems=f"  {path.name}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guess = _guess_encoding(data)
        raise CurriculumEncodingError(path=str(path), name=path.name, line=line,
                                      encoding=guess, iconv=_ICONV_NAMES[guess]) from None


# what `iconv -f` calls the encodings we name
_ICONV_NAMES = {"CP949": "CP949", "Latin-1": "LATIN1", "?": "CP949"}


def _guess_encoding(data: bytes) -> str:
    """CP949 when the non-ASCII bytes read as Hangul syllables, Latin-1 when they read
    as accented letters; only used to word the error."""
    try:
        text = data.decode("cp949")
        odd = [c for c in text if ord(c) > 127]
        if odd and sum("가" <= c <= "힣" for c in odd) >= 0.8 * len(odd):
            return "CP949"
    except UnicodeDecodeError:
        pass
    text = data.decode("latin-1")
    odd = [c for c in text if ord(c) > 127]
    if odd and sum(c.isalpha() for c in odd) >= 0.8 * len(odd):
        return "Latin-1"
    return "?"


def _line_of(node: yaml.Node | None, path: list[Any]) -> int:
    """Line (1-based) of the node at ``path`` in a composed YAML tree; nearest parent if absent."""
    if node is None:
        return 0
    line = node.start_mark.line + 1
    for key in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    child = v
                    line = k.start_mark.line + 1
                    # no break: with a duplicated key, the last one is the one that counts
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
            line = child.start_mark.line + 1
        if child is None:
            return line
        node = child
    return line


def _where(path: list[Any]) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _duplicate_keys(node: yaml.Node | None, path: list[Any] | None = None) -> list[Problem]:
    """Every key written twice in one mapping (PyYAML keeps the last silently)."""
    problems: list[Problem] = []
    path = path or []
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            line = k.start_mark.line + 1
            if key is not None and key in first:
                problems.append(Problem(line, _where(path + [key]), key="curriculum.problem.duplicate_key",
                                        params=dict(name=key, first=first[key])))
            elif key is not None:
                first[key] = line
            problems += _duplicate_keys(v, path + [key])
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, path + [i])
    return problems


def _schema_problem(err: jsonschema.ValidationError, node: yaml.Node) -> Problem:
    """A schema error in the teacher's language (jsonschema's own messages are English)."""
    path = list(err.absolute_path)
    line = _line_of(node, path)
    v, value, arg = err.validator, err.instance, err.validator_value
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, (dict, list)) else type(value).__name__
    if v == "type":
        return Problem(line, _where(path), key="curriculum.problem.type",
                       params=dict(value=shown, type=t_type(arg)))
    if v == "enum":
        return Problem(line, _where(path), key="curriculum.problem.enum",
                       params=dict(value=shown, choices=", ".join(map(str, arg))))
    if v == "required":
        missing = next((k for k in arg if isinstance(value, dict) and k not in value), "?")
        return Problem(line, _where(path), key="curriculum.problem.required", params=dict(name=missing))
    if v == "additionalProperties":
        extra = sorted(k for k in value if k not in err.schema.get("properties", {})) if isinstance(value, dict) else []
        extra_path = path + [extra[0]] if extra else path
        return Problem(_line_of(node, extra_path), _where(extra_path), key="curriculum.problem.unknown_key",
                       params=dict(keys=", ".join(map(str, extra)),
                                   known=", ".join(err.schema.get("properties", {}))))
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return Problem(line, _where(path), key=f"curriculum.problem.{v.lower()}", params=dict(value=shown, limit=arg))
    if v == "pattern":
        return Problem(line, _where(path), key="curriculum.problem.pattern", params=dict(value=shown, pattern=arg))
    if v == "anyOf" and isinstance(value, dict) and "lab" not in value and "activity" not in value:
        return Problem(line, _where(path), key="curriculum.problem.lab_or_activity")
    if v in ("minItems", "maxItems", "minLength"):
        return Problem(line, _where(path), key=f"curriculum.problem.{v.lower()}", params=dict(limit=arg))
    return Problem(line, _where(path), key="curriculum.problem.other", params=dict(detail=err.message))


def t_type(name: Any) -> str:
    """A JSON schema type in the current language ('integer' → '정수')."""
    names = name if isinstance(name, list) else [name]
    return " / ".join(t(f"curriculum.type.{n}") for n in names)


def check(text: str, labs_root: Path | None = None) -> tuple[dict[str, Any] | None, list[Problem], list[str]]:
    """Check curriculum text: (data or None, every problem with its line, labs not in labs/).

    All checks run in one pass (YAML, duplicate keys, schema, labs, order, weights, time),
    so a teacher fixes the file in one round; a lab that is not in ``labs/`` is a problem too.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [Problem(mark.line + 1 if mark else 0, "", key="curriculum.problem.yaml",
                              params=dict(detail=exc.problem or str(exc)))], []
    except yaml.YAMLError as exc:
        return None, [Problem(0, "", key="curriculum.problem.yaml", params=dict(detail=str(exc)))], []
    if not isinstance(data, dict):
        return None, [Problem(1, "", key="curriculum.problem.not_mapping")], []
    problems = _duplicate_keys(node)
    validator = jsonschema.Draft202012Validator(_schema())
    for err in validator.iter_errors(data):
        problems.append(_schema_problem(err, node))
    semantic, missing = _semantic_problems(data, node, labs_root or labs_dir())
    problems += semantic
    problems.sort(key=lambda p: (p.line, p.where))
    return data, problems, missing


def _semantic_problems(data: dict[str, Any], node: yaml.Node, labs_root: Path) -> tuple[list[Problem], list[str]]:
    """Problems the schema cannot see; tolerant of wrong types (the schema reports those)."""
    problems: list[Problem] = []
    seq = data.get("sequence") if isinstance(data.get("sequence"), list) else []
    steps = [(i, s) for i, s in enumerate(seq) if isinstance(s, dict)]
    seen: dict[str, int] = {}
    missing: list[str] = []
    known = sorted(p.name for p in labs_root.iterdir() if p.is_dir()) if labs_root.is_dir() else []
    for i, step in steps:
        lab = step.get("lab")
        if not isinstance(lab, str):
            continue
        if lab in seen:
            problems.append(Problem(_line_of(node, ["sequence", i, "lab"]), f"sequence[{i}].lab",
                                    key="curriculum.problem.duplicate_lab",
                                    params=dict(lab=lab, first=_line_of(node, ["sequence", seen[lab], "lab"]))))
        seen.setdefault(lab, i)
        if not any((labs_root / lab).glob("*.ipynb")):
            missing.append(lab)
            close = difflib.get_close_matches(lab, known, n=1)
            problems.append(Problem(_line_of(node, ["sequence", i, "lab"]), f"sequence[{i}].lab",
                                    key="curriculum.problem.unknown_lab" + (".close" if close else ""),
                                    params=dict(lab=lab, close=close[0] if close else "", labs=labs_root)))
    minutes = [s["minutes"] for _, s in steps if _number(s.get("minutes"))]
    planned = (data.get("duration") or {}).get("total_minutes") if isinstance(data.get("duration"), dict) else None
    if _number(planned) and sum(minutes) > planned:
        problems.append(Problem(_line_of(node, ["duration", "total_minutes"]), "duration.total_minutes",
                                key="curriculum.problem.too_long", params=dict(total=sum(minutes), planned=planned)))
    graded = [(i, s) for i, s in steps if "lab" in s and s.get("graded", True) is not False]
    weighted = [(i, s) for i, s in graded if "weight" in s]
    if weighted and len(weighted) != len(graded):
        i = next(i for i, s in graded if "weight" not in s)
        problems.append(Problem(_line_of(node, ["sequence", i]), f"sequence[{i}]",
                                key="curriculum.problem.weight_missing"))
    elif weighted and all(_number(s["weight"]) for _, s in weighted):
        total = sum(s["weight"] for _, s in weighted)
        if abs(total - 1) > 1e-6:
            problems.append(Problem(_line_of(node, ["sequence"]), "sequence", key="curriculum.problem.weights_sum",
                                    params=dict(total=f"{total:g}")))
    ages = (data.get("audience") or {}).get("ages") if isinstance(data.get("audience"), dict) else None
    if isinstance(ages, list) and len(ages) == 2 and all(_number(a) for a in ages) and ages[0] > ages[1]:
        problems.append(Problem(_line_of(node, ["audience", "ages"]), "audience.ages", key="curriculum.problem.ages"))
    for path, key, params in clock_problems(data, steps, labs_root):
        problems.append(Problem(_line_of(node, path), _where(path), key=key, params=params))
    return problems, missing


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def problem_lines(path: Path, problems: list[Problem], lang: str | None = None) -> str:
    """``  visit-90.yaml:14: sequence[1].minutes: …`` lines, one per problem."""
    return "\n".join(f"  {path}:{p.line}: {p.where + ': ' if p.where else ''}{p.text(lang)}" for p in problems)


def load(path: Path | str) -> Curriculum:
    """Load a curriculum; raise :class:`CurriculumError` listing every problem with its line."""
    path = Path(path)
    if not path.exists() and not path.suffix:  # a bare name: curricula/<name>.yaml
        path = curricula_dir() / f"{path}.yaml"
    text = read_text(path)
    data, problems, _ = check(text)
    if problems or data is None:
        raise CurriculumError(path=str(path), problems=problem_lines(Path(path.name), problems))
    steps = [Step(s["lab"], s["minutes"], s.get("session", 1), s.get("graded", True), s.get("weight"))
             for s in data["sequence"] if "lab" in s]
    activities = [Activity(s["activity"], s["minutes"], s.get("session", 1))
                  for s in data["sequence"] if "activity" in s]
    return Curriculum(path, data, steps, activities)


def available() -> list[Path]:
    return sorted(curricula_dir().glob("*.yaml"))
