"""Lab 05 as a teacher tried it (#18): a student's right or wrong answer and the verdict
and message the student sees, in the student's copy and in autograde."""

from __future__ import annotations

import pytest

from youthlab.paths import labs_dir
from tests.grading.labcells import run

LAB05 = labs_dir() / "05-python-basics" / "python-basics.ipynb"
RIGHT = {
    "stamp_price": "def stamp_price(grams):\n    if grams <= 25:\n        return 520\n    return 520 + 120 * ((grams - 25 + 24) // 25)",
    "sort_letters": "def sort_letters(letters):\n    return sorted(letters, key=lambda letter: letter[0])",
    "route": 'route = ["E", "E", "S", "S", "E"]',
}


def _both(answers, cell):
    return [run(LAB05, {**RIGHT, **answers}, hidden=hidden)[cell] for hidden in (False, True)]


def test_lab05_right_answers_pass_everywhere_and_say_so():
    for hidden in (False, True):
        verdicts = run(LAB05, RIGHT, hidden=hidden)
        assert all(ok for ok, _ in verdicts.values()), verdicts
        assert "✅ 우표 값 성공!" in verdicts["test_stamp_price"][1] and "Sorting: done!" in verdicts["test_sort_letters"][1]


def test_lab05_plain_sorted_is_right_work():
    """sorted(letters) sorts by postcode: no hidden rule about equal postcodes takes points."""
    for ok, out in _both({"sort_letters": "def sort_letters(letters):\n    return sorted(letters)"}, "test_sort_letters"):
        assert ok, out


def test_lab05_floor_division_fails_visibly_on_the_task_s_own_example():
    """520+120*(grams//25) is wrong at 25 g — one of the task's examples, so the student copy says so."""
    wrong = {"stamp_price": "def stamp_price(grams):\n    return 520 + 120 * (grams // 25)"}
    for ok, out in _both(wrong, "test_stamp_price"):
        assert not ok
        assert "stamp_price(25)는 520이어야 하는데 640이 나왔어요" in out
        assert "stamp_price(25) should be 520 but gave 640" in out and "Hint:" in out


def test_lab05_hidden_test_only_checks_the_stated_rule_and_says_which():
    """A price right on the examples but wrong at 50 g fails in autograde with a reason."""
    wrong = {"stamp_price": "def stamp_price(grams):\n    return 520 if grams <= 25 else 640 if grams <= 50 and grams != 50 else 760"}
    (student_ok, _), (graded_ok, out) = _both(wrong, "test_stamp_price")
    assert student_ok and not graded_ok
    assert "25 g의 배수" in out and "multiple of 25 g" in out


def test_lab05_sort_in_place_is_caught_with_a_hint():
    wrong = {"sort_letters": "def sort_letters(letters):\n    letters.sort()\n    return letters"}
    for ok, out in _both(wrong, "test_sort_letters"):
        assert not ok and "sorted()" in out and "원래 목록" in out


def test_lab05_postcodes_stay_text():
    import nbformat
    text = "".join(c.source for c in nbformat.read(LAB05, as_version=4).cells)
    assert '"03154"' in text and "(3154," not in text


@pytest.mark.parametrize("route, words", [
    ('route = []', ["아직 5칸", "5 squares away"]),
    ('route = ["S"]', ["벽이나 지도 밖", "runs into a wall"]),
    ('route = ["E", "E", "S", "S", "e"]', ["N, S, E, W", "one capital letter"]),
])
def test_lab05_wrong_routes_say_what_happened_in_both_languages(route, words):
    ok, out = run(LAB05, {**RIGHT, "route": route}, hidden=False)["test_route"]
    assert not ok and all(w in out for w in words), out


def test_lab05_empty_copy_fails_every_check_with_a_hint():
    verdicts = run(LAB05, {}, hidden=False)
    assert verdicts and not any(ok for ok, _ in verdicts.values())
    assert "NotImplementedError" in verdicts["test_stamp_price"][1]


def test_lab05_submit_is_in_the_assignments_tab():
    import nbformat
    text = "".join(c.source for c in nbformat.read(LAB05, as_version=4).cells)
    assert "Assignments 탭" in text and "Assignments tab" in text and "위쪽 메뉴" not in text
