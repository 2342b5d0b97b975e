"""Curricula as data: load a ``curricula/*.yaml`` plan and check it against the schema.

Every problem is reported with the file's line number, found from the YAML node tree
(``yaml.compose`` keeps each node's position), so a teacher editing the file sees
``visit-90.yaml:14: sequence[2].minutes: 'twenty' is not of type 'integer'``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from youthlab.grading.errors import CurriculumError
from youthlab.paths import curricula_dir, labs_dir

SCHEMA_PATH = curricula_dir() / "schema.json"


@dataclass
class Problem:
    line: int  # 1-based; 0 when the whole file is concerned
    where: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.where + ': ' if self.where else ''}{self.message}"


@dataclass
class Step:
    lab: str
    minutes: int
    session: int = 1
    graded: bool = True
    weight: float | None = None


@dataclass
class Curriculum:
    path: Path
    data: dict[str, Any]
    steps: list[Step] = field(default_factory=list)

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
                    break
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


def check(text: str, labs_root: Path | None = None) -> tuple[dict[str, Any] | None, list[Problem], list[str]]:
    """Check curriculum text: (data or None, problems with lines, labs not present yet)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [Problem(mark.line + 1 if mark else 0, "", f"YAML: {exc.problem or exc}")], []
    if not isinstance(data, dict):
        return None, [Problem(1, "", "the file must be a mapping (id:, title:, sequence: …)")], []
    problems = []
    validator = jsonschema.Draft202012Validator(_schema())
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        problems.append(Problem(_line_of(node, path), _where(path), err.message))
    if problems:
        return data, problems, []
    problems += _semantic_problems(data, node)
    root = labs_root or labs_dir()
    missing = [s["lab"] for s in data["sequence"] if not any((root / s["lab"]).glob("*.ipynb"))]
    return data, problems, missing


def _semantic_problems(data: dict[str, Any], node: yaml.Node) -> list[Problem]:
    problems = []
    seq = data["sequence"]
    seen: dict[str, int] = {}
    for i, step in enumerate(seq):
        if step["lab"] in seen:
            problems.append(Problem(_line_of(node, ["sequence", i, "lab"]), f"sequence[{i}].lab",
                                    f"{step['lab']} is already step {seen[step['lab']]}"))
        seen.setdefault(step["lab"], i)
    total = sum(s["minutes"] for s in seq)
    planned = data["duration"]["total_minutes"]
    if total > planned:
        problems.append(Problem(_line_of(node, ["duration", "total_minutes"]), "duration.total_minutes",
                                f"the labs take {total} minutes, more than the {planned} planned"))
    graded = [(i, s) for i, s in enumerate(seq) if s.get("graded", True)]
    weighted = [(i, s) for i, s in graded if "weight" in s]
    if weighted and len(weighted) != len(graded):
        i = next(i for i, s in graded if "weight" not in s)
        problems.append(Problem(_line_of(node, ["sequence", i]), f"sequence[{i}]",
                                "give every graded lab a weight, or none"))
    elif weighted and abs(sum(s["weight"] for _, s in weighted) - 1) > 1e-6:
        problems.append(Problem(_line_of(node, ["sequence"]), "sequence",
                                f"weights of graded labs add up to {sum(s['weight'] for _, s in weighted):g}, not 1"))
    ages = data["audience"]["ages"]
    if ages[0] > ages[1]:
        problems.append(Problem(_line_of(node, ["audience", "ages"]), "audience.ages", "youngest age comes first"))
    return problems


def load(path: Path | str) -> Curriculum:
    """Load a curriculum; raise :class:`CurriculumError` listing every problem with its line."""
    path = Path(path)
    if not path.exists() and not path.suffix:  # a bare name: curricula/<name>.yaml
        path = curricula_dir() / f"{path}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CurriculumError(path=str(path), problems=str(exc)) from exc
    data, problems, _ = check(text)
    if problems or data is None:
        raise CurriculumError(path=str(path), problems="\n".join(f"  {path.name}:{p.line}: "
                                                                  f"{p.where + ': ' if p.where else ''}{p.message}"
                                                                  for p in problems))
    steps = [Step(s["lab"], s["minutes"], s.get("session", 1), s.get("graded", True), s.get("weight"))
             for s in data["sequence"]]
    return Curriculum(path, data, steps)


def available() -> list[Path]:
    return sorted(curricula_dir().glob("*.yaml"))
