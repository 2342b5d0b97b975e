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
        assert set(missing) <= {s.get("lab") for s in data["sequence"]}
    assert {"visit-90", "club-4-weeks", "camp-1-day"} <= set(ids)
    assert ids["visit-90"]["duration"]["total_minutes"] == 90
    assert ids["club-4-weeks"]["duration"]["sessions"] == 4
    for plan in ids.values():  # Korean first, both always
        assert plan["title"]["ko"] and plan["title"]["en"]
        assert all(o["ko"] and o["en"] for o in plan["objectives"])


def test_weights_of_graded_labs_sum_to_one():
    for path in available():
        c = load(path)
        if c.weights():  # a plan may grade nothing (the club kick-off only sets up boards)
            assert abs(sum(c.weights().values()) - 1) < 1e-9


def test_malformed_curriculum_reports_each_problem_with_its_line():
    lines = VISIT.splitlines()
    minutes_line = next(i for i, l in enumerate(lines) if "minutes: 40" in l) + 1
    kind_line = next(i for i, l in enumerate(lines) if "kind:" in l) + 1
    bad = VISIT.replace("minutes: 40", "minutes: twenty").replace("kind: school-visit", "kind: zoo")
    _, problems, _ = check(bad)
    found = {(p.line, p.where) for p in problems}
    assert (minutes_line, "sequence[2].minutes") in found
    assert (kind_line, "audience.kind") in found


def test_yaml_syntax_error_and_semantic_errors_have_lines():
    _, problems, _ = check("id: x\ntitle: {ko: a, en: b\nsequence: []\n")
    assert problems and problems[0].line in (2, 3) and "YAML" in problems[0].message
    too_long = VISIT.replace("total_minutes: 90", "total_minutes: 60")
    _, problems, _ = check(too_long)
    line = next(i for i, l in enumerate(VISIT.splitlines()) if "total_minutes" in l) + 1
    assert any(p.line == line and "more than the 60 planned" in p.text("en") for p in problems)
    bad_weights = VISIT.replace("weight: 0.5\n    note:", "weight: 0.7\n    note:")
    _, problems, _ = check(bad_weights)
    assert any("add up to 1.2" in p.text("en") for p in problems)


def test_cli_validate_gives_file_line_and_exit_code(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(VISIT.replace("minutes: 40", "minutes: twenty"), encoding="utf-8")
    r = youthlab("course", "validate", str(bad))
    assert r.returncode == 1
    assert f"{bad}:" in r.stdout and "sequence[2].minutes" in r.stdout and '"twenty" must be a whole number' in r.stdout
    ok = youthlab("course", "validate")
    assert ok.returncode == 0 and ok.stdout.count("✓") == len(available())


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
        assert f"{plan}:{line}: sequence[2].lab: " in r.stdout and words in r.stdout and "'05-python-basics'" in r.stdout
    data = tmp_path / "data"
    r = youthlab("course", "create", str(plan), "--class", "class-demo", "--data-dir", str(data))
    assert r.returncode == 2 and f"typo.yaml:{line}" in r.stderr
    assert not (data / "courses").exists()  # the course was not made without the lab


def test_every_problem_is_reported_in_one_pass_in_the_teachers_language(tmp_path):
    bad = (VISIT.replace("minutes: 40", "minutes: twenty")           # a type error
           .replace("lab: 10-first-flight", "lab: 05-python-basics")  # the same lab twice
           .replace("weight: 0.5\n    note:", "weight: 0.7\n    note:"))  # weights 1.2
    bad = (bad
           .replace("kind: school-visit", "kind: zoo"))               # not a choice
    plan = tmp_path / "many.yaml"
    plan.write_text(bad, encoding="utf-8")
    r = youthlab("course", "validate", str(plan), lang="ko")
    assert r.returncode == 1, r
    out = r.stdout
    assert f"{plan}:{line_of(bad, 'minutes: twenty')}: sequence[2].minutes: \"twenty\"는 정수" in out
    assert f"{plan}:{line_of(bad, 'lab: 05-python-basics', 2)}: sequence[4].lab: 05-python-basics는 이미 {line_of(bad, 'lab: 05-python-basics')}번째 줄" in out
    assert "weight 합이 1이 아니라 1.2" in out
    assert f"{plan}:{line_of(bad, 'kind: zoo')}: audience.kind: \"zoo\"는 쓸 수 없어요" in out
    assert "is not of type" not in out and "is not one of" not in out  # no English left in a Korean run
    en = youthlab("course", "validate", str(plan), lang="en").stdout
    assert '"twenty" must be a whole number' in en and "already in the plan at line" in en and "add up to 1.2" in en
    assert '"zoo" is not allowed' in en


# --- plans that fit the clock (issue 18) ------------------------------------------------------

OLD_VISIT = """id: old-visit
title: {ko: "90분 방문", en: "90-minute visit"}
audience: {ages: [10, 14], group_size: 30}
duration: {total_minutes: 90, sessions: 1, session_minutes: 90}
objectives: [{ko: "파이썬", en: "Python"}]
sequence:
  - {lab: 00-welcome, minutes: 10, graded: false}
  - {lab: 05-python-basics, minutes: 25, weight: 0.5}
  - {lab: 10-first-flight, minutes: 30, weight: 0.5}
  - {lab: 20-name-stamp, minutes: 20, graded: false}
"""


def _problems(text: str, lang: str = "en") -> list[str]:
    _, problems, _ = check(text)
    return [f"{p.line} {p.where}: {p.text(lang)}" for p in problems]


def test_the_old_visit_plan_is_flagged_for_no_class_time_no_safety_talk_and_lab_05_too_short():
    found = _problems(OLD_VISIT)
    assert any("no time for: login, wrap-up, fetch, submit" in p for p in found), found
    assert any("10-first-flight flies drones" in p and "safety talk" in p for p in found)
    assert any(p.startswith("8 sequence[1].minutes") and "05-python-basics gets 25 minutes" in p
               and "need 40" in p for p in found)
    ko = _problems(OLD_VISIT, "ko")
    assert any("로그인" in p for p in ko) and any("05-python-basics에 25분을 줬는데" in p for p in ko)


def test_a_session_longer_than_its_meeting_is_flagged_at_its_first_line():
    longer = VISIT.replace("  - lab: 10-first-flight\n    minutes: 30", "  - lab: 10-first-flight\n    minutes: 45")
    found = _problems(longer)
    assert any("Session 1 adds up to 105 minutes, but a session is 90" in p for p in found), found
    assert any("more than the 90 planned" in p for p in found)


def test_island_lab_for_eleven_year_olds_in_sixty_minutes_is_flagged():
    camp = (ROOT / "curricula" / "camp-1-day.yaml").read_text(encoding="utf-8")
    squeezed = camp.replace("  - lab: 11-island-delivery\n    session: 2\n    minutes: 100",
                            "  - lab: 11-island-delivery\n    session: 2\n    minutes: 60")
    assert squeezed != camp
    found = _problems(squeezed)
    assert any("11-island-delivery gets 60 minutes, but 10–12-year-olds typically need 100" in p for p in found)


def test_printing_every_stamp_on_the_halls_printers_must_fit_its_window():
    camp = (ROOT / "curricula" / "camp-1-day.yaml").read_text(encoding="utf-8")
    assert not _problems(camp)  # 24 stamps × 25 min on 2 printers = 5 h, within the 330 min window
    rushed = camp.replace("window_minutes: 330", "window_minutes: 120")
    found = _problems(rushed)
    assert any("24 stamps on 2 printer(s) take about 5.0 h" in p and "fit only 8" in p for p in found), found
    ko = _problems(rushed, "ko")
    assert any("도장 24개를 프린터 2대로" in p for p in ko)
    no_window = camp.replace("      window_minutes: 330   # from ~1:10 into the morning, through lunch, to the end of the afternoon\n", "")
    assert any("the 25 minutes given fit only 2" in p for p in _problems(no_window))  # the lab's own minutes


def test_a_lab_for_older_students_without_a_younger_track_is_flagged():
    plan = (ROOT / "curricula" / "visit-90.yaml").read_text(encoding="utf-8").replace(
        "  - lab: 10-first-flight\n    minutes: 30\n", "  - lab: 30-line-follower\n    minutes: 30\n")
    found = _problems(plan, "ko")
    assert any("30-line-follower는 11살부터인데, 이 반은 10살부터예요" in p for p in found), found


def test_the_stamp_print_time_in_the_lab_plan_is_what_prusaslicer_estimates(tmp_path):
    """labs/20-name-stamp/instructor/lab.yaml's minutes per stamp are measured, not guessed."""
    import shutil

    import yaml

    if not shutil.which("prusa-slicer"):
        pytest.skip("PrusaSlicer is not installed (Makefile SYSTEM_PACKAGES)")
    from youthlab.stamp import text_stamp
    from youthlab.stamp.slicer import slice_stamp

    stated = yaml.safe_load((ROOT / "labs" / "20-name-stamp" / "instructor" / "lab.yaml").read_text())
    stamp = text_stamp("김민준", size=8, plate="round", border=1.0, vertical=True)  # the lab's answer, a 3-syllable name
    minutes = slice_stamp(stamp, tmp_path / "name.gcode").time_s / 60
    assert abs(minutes - stated["print_minutes_per_student"]) <= 3, minutes


def test_every_lab_of_the_shipped_plans_has_a_plan_and_teacher_notes_with_answers():
    labs = {lab for path in available() for lab in load(path).labs}
    labs |= {"00-welcome", "01-first-board", "20-name-stamp", "21-postage-stamp"}  # had no notes before
    for name in sorted(labs):
        lab = ROOT / "labs" / name
        assert (lab / "instructor" / "lab.yaml").exists(), name
        notes = (lab / "instructor" / "notes.md").read_text(encoding="utf-8")
        assert "질문과 답 · Questions and answers" in notes, name
