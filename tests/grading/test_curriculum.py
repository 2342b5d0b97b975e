"""Curricula: the shipped plans are valid; a malformed one gives line-numbered errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from youthlab.grading.curriculum import available, check, load
from youthlab.grading.errors import CurriculumError

VISIT = (ROOT / "curricula" / "visit-90.yaml").read_text(encoding="utf-8")


def youthlab(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    """The real CLI, as a teacher runs it (YOUTHLAB_LANG, no --lang)."""
    env = dict(os.environ, YOUTHLAB_LANG=lang)
    return subprocess.run([str(Path(sys.executable).parent / "youthlab"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[nth - 1]


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
    assert any(p.line == line and "more than the 60 planned" in p.text("en") for p in problems)
    bad_weights = VISIT.replace("weight: 0.5\n  - lab: 10", "weight: 0.7\n  - lab: 10")
    _, problems, _ = check(bad_weights)
    assert any("add up to 1.2" in p.text("en") for p in problems)


def test_cli_validate_gives_file_line_and_exit_code(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(VISIT.replace("minutes: 25", "minutes: twenty"), encoding="utf-8")
    r = youthlab("course", "validate", str(bad))
    assert r.returncode == 1
    assert f"{bad}:" in r.stdout and "sequence[1].minutes" in r.stdout and '"twenty" must be a whole number' in r.stdout
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


# --- curricula a teacher writes by hand (issue 14): each as the teacher runs the CLI ---

HANGUL_TITLE = "90분 체험관 방문: 코딩으로 소포 배달"


@pytest.mark.parametrize("encoding,looks", [("cp949", "CP949"), ("latin-1", "Latin-1")])
def test_a_file_not_saved_as_utf8_is_refused_with_its_line_and_a_fix(tmp_path, encoding, looks):
    text = VISIT if encoding == "cp949" else VISIT.replace('"90-minute visit: deliver a parcel with code"',
                                                           '"Visite de 90 minutes: café et crème"')
    if encoding == "latin-1":  # Latin-1 cannot hold Hangul: an English/French plan
        text = "\n".join(line for line in text.splitlines() if not any("가" <= c <= "힣" for c in line)
                         or "ko:" in line).replace(HANGUL_TITLE, "Visite").replace("ko: \"", "ko: \"x")
        text = "\n".join(l if not ("ko:" in l and any("가" <= c <= "힣" for c in l)) else l.split("ko:")[0] + 'ko: "a"'
                         for l in text.splitlines()) + "\n"
    bad = tmp_path / f"plan-{encoding}.yaml"
    bad.write_bytes(text.encode(encoding))
    first_bad = next(i + 1 for i, line in enumerate(text.splitlines()) if any(ord(c) > 127 for c in line))
    for lang, words in (("ko", "UTF-8이 아니에요"), ("en", "is not UTF-8")):
        r = youthlab("course", "validate", str(bad), lang=lang)
        assert r.returncode == 1, r
        out = r.stdout + r.stderr
        assert "Traceback" not in out and "UnicodeDecodeError" not in out
        assert words in out and looks in out and "iconv -f" in out
        assert (f"{first_bad}번째 줄" if lang == "ko" else f"line {first_bad}") in out
        data = tmp_path / f"data-{lang}"
        r = youthlab("course", "create", str(bad), "--class", "class-demo", "--data-dir", str(data), lang=lang)
        assert r.returncode == 2, r
        assert "Traceback" not in r.stderr and words in r.stderr and "iconv" in r.stderr
        assert not data.exists() or not any(data.iterdir())  # nothing made


def test_utf8_with_a_bom_is_fine(tmp_path):
    plan = tmp_path / "bom.yaml"
    plan.write_bytes(b"\xef\xbb\xbf" + VISIT.encode("utf-8"))
    r = youthlab("course", "validate", str(plan))
    assert r.returncode == 0 and "✓" in r.stdout, r


def test_a_duplicated_key_is_an_error_naming_both_lines(tmp_path):
    twice = VISIT + "grading:\n  pass_percent: 80\n"
    plan = tmp_path / "twice.yaml"
    plan.write_text(twice, encoding="utf-8")
    first, second = line_of(twice, "grading:", 1), line_of(twice, "grading:", 2)
    for lang, words in (("ko", "두 번 나와요"), ("en", "appears twice")):
        r = youthlab("course", "validate", str(plan), lang=lang)
        assert r.returncode == 1, r
        assert f"{plan}:{second}: grading: " in r.stdout and words in r.stdout and str(first) in r.stdout
    r = youthlab("course", "create", str(plan), "--class", "class-demo", "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "twice.yaml:" + str(second) in r.stderr and "Traceback" not in r.stderr


def test_a_graded_lab_that_does_not_exist_is_an_error_with_a_suggestion(tmp_path):
    typo = VISIT.replace("lab: 05-python-basics", "lab: 05-python-basic")
    plan = tmp_path / "typo.yaml"
    plan.write_text(typo, encoding="utf-8")
    line = line_of(typo, "05-python-basic")
    for lang, words in (("ko", "말한 건가요"), ("en", "Did you mean")):
        r = youthlab("course", "validate", str(plan), lang=lang)
        assert r.returncode == 1, r
        assert f"{plan}:{line}: sequence[1].lab: " in r.stdout and words in r.stdout and "'05-python-basics'" in r.stdout
    data = tmp_path / "data"
    r = youthlab("course", "create", str(plan), "--class", "class-demo", "--data-dir", str(data))
    assert r.returncode == 2 and f"typo.yaml:{line}" in r.stderr
    assert not (data / "courses").exists()  # the course was not made without the lab


def test_every_problem_is_reported_in_one_pass_in_the_teachers_language(tmp_path):
    bad = (VISIT.replace("minutes: 25", "minutes: twenty")           # a type error
           .replace("lab: 10-first-flight", "lab: 05-python-basics")  # the same lab twice
           .replace("weight: 0.5\n  - lab: 05", "weight: 0.7\n  - lab: 05")  # weights 1.2
           .replace("kind: school-visit", "kind: zoo"))               # not a choice
    plan = tmp_path / "many.yaml"
    plan.write_text(bad, encoding="utf-8")
    r = youthlab("course", "validate", str(plan), lang="ko")
    assert r.returncode == 1, r
    out = r.stdout
    assert f"{plan}:{line_of(bad, 'minutes: twenty')}: sequence[1].minutes: \"twenty\"은(는) 정수" in out
    assert f"{plan}:{line_of(bad, 'lab: 05-python-basics', 2)}: sequence[2].lab: 05-python-basics은(는) 이미 {line_of(bad, 'lab: 05-python-basics')}번째 줄" in out
    assert "weight 합이 1이 아니라 1.2" in out
    assert f"{plan}:{line_of(bad, 'kind: zoo')}: audience.kind: \"zoo\"은(는) 쓸 수 없어요" in out
    assert "is not of type" not in out and "is not one of" not in out  # no English left in a Korean run
    en = youthlab("course", "validate", str(plan), lang="en").stdout
    assert '"twenty" must be a whole number' in en and "already in the plan at line" in en and "add up to 1.2" in en
    assert '"zoo" is not allowed' in en
