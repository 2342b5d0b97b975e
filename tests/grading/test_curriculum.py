"""Curricula: the shipped plans are valid; a malformed one gives line-numbered errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from youthlab.grading.curriculum import available, check, load
from youthlab.grading.errors import CurriculumError

VISIT = (ROOT / "curricula" / "visit-90.yaml").read_text(encoding="utf-8")


def youthlab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "youthlab"), "--lang", "en", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_three_shipped_curricula_are_valid_and_name_their_labs():
    ids = {}
    for path in available():
        data, problems, missing = check(path.read_text(encoding="utf-8"))
        assert problems == [], (path, problems)
        ids[data["id"]] = data
        assert set(missing) <= {s["lab"] for s in data["sequence"]}
    assert {"visit-90", "club-4-weeks", "camp-1-day"} <= set(ids)
    assert ids["visit-90"]["duration"]["total_minutes"] == 90
    assert ids["club-4-weeks"]["duration"]["sessions"] == 4
    for plan in ids.values():  # Korean first, both always
        assert plan["title"]["ko"] and plan["title"]["en"]
        assert all(o["ko"] and o["en"] for o in plan["objectives"])


def test_weights_of_graded_labs_sum_to_one():
    for path in available():
        c = load(path)
        assert abs(sum(c.weights().values()) - 1) < 1e-9


def test_malformed_curriculum_reports_each_problem_with_its_line():
    lines = VISIT.splitlines()
    minutes_line = next(i for i, l in enumerate(lines) if "minutes: 25" in l) + 1
    kind_line = next(i for i, l in enumerate(lines) if "kind:" in l) + 1
    bad = VISIT.replace("minutes: 25", "minutes: twenty").replace("kind: school-visit", "kind: zoo")
    _, problems, _ = check(bad)
    found = {(p.line, p.where) for p in problems}
    assert (minutes_line, "sequence[1].minutes") in found
    assert (kind_line, "audience.kind") in found


def test_yaml_syntax_error_and_semantic_errors_have_lines():
    _, problems, _ = check("id: x\ntitle: {ko: a, en: b\nsequence: []\n")
    assert problems and problems[0].line in (2, 3) and "YAML" in problems[0].message
    too_long = VISIT.replace("total_minutes: 90", "total_minutes: 60")
    _, problems, _ = check(too_long)
    line = next(i for i, l in enumerate(VISIT.splitlines()) if "total_minutes" in l) + 1
    assert any(p.line == line and "more than the 60 planned" in p.message for p in problems)
    bad_weights = VISIT.replace("weight: 0.5\n  - lab: 10", "weight: 0.7\n  - lab: 10")
    _, problems, _ = check(bad_weights)
    assert any("add up to 1.2" in p.message for p in problems)


def test_cli_validate_gives_file_line_and_exit_code(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(VISIT.replace("minutes: 25", "minutes: twenty"), encoding="utf-8")
    r = youthlab("course", "validate", str(bad))
    assert r.returncode == 1
    assert f"{bad}:" in r.stdout and "sequence[1].minutes" in r.stdout and "'twenty' is not of type 'integer'" in r.stdout
    ok = youthlab("course", "validate")
    assert ok.returncode == 0 and ok.stdout.count("✓") == 3


def test_loading_a_bad_file_raises_a_friendly_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Bad Id\n", encoding="utf-8")
    with pytest.raises(CurriculumError) as err:
        load(bad)
    text = err.value.user_text("en")
    assert "bad.yaml:1" in text and "validate" in text
    assert "커리큘럼" in err.value.user_text("ko")
