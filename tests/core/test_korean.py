"""The particle after a template value follows the value (issue #18: "'오른쪽'는", "꽃길 2이에요")."""

import pytest

from youthlab.korean import Word, particle, with_particle


@pytest.mark.parametrize("value, which, expected", [
    ("'오른쪽'", "은/는", "'오른쪽'은"),
    ("왼쪽 바퀴", "은", "왼쪽 바퀴는"),
    ("꽃길 2", "이에요", "꽃길 2예요"),
    ("꽃길 3", "(이)에요", "꽃길 3이에요"),
    ("우체국", "이/가", "우체국이"),
    ("학교", "이", "학교가"),
    ("03154", "을/를", "03154를"),       # 삼천백오십사 → 사
    ("10", "을", "10을"),                # 십
    ("20", "이에요", "20이에요"),         # 이십
    ("100", "를", "100을"),              # 백
    ("1000", "은", "1000은"),            # 천
    ("10000", "이", "10000이"),          # 만
    ("2.5", "이에요", "2.5예요"),         # 이 점 오
    ("서울", "으로", "서울로"),            # ㄹ takes 로
    ("집", "(으)로", "집으로"),
    ("바다", "로", "바다로"),
    ("HTML", "은", "HTML은"),            # 엘
    ("API", "가", "API가"),
    ("사과", "과/와", "사과와"),
])
def test_particle_follows_the_value(value, which, expected):
    assert with_particle(value, which) == expected


def test_word_in_a_template_picks_its_particle_and_leaves_english_alone():
    ko = "{side:은} 틀렸어요. 목적지는 {street:이에요}."
    en = "{side} is wrong. The address is {street}."
    params = dict(side=Word("오른쪽"), street=Word("꽃길 2"))
    assert ko.format(**params) == "오른쪽은 틀렸어요. 목적지는 꽃길 2예요."
    assert en.format(**params) == "오른쪽 is wrong. The address is 꽃길 2."


def test_unknown_particle_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown Korean particle"):
        particle("집", "에서요")


@pytest.mark.parametrize("value, which, expected", [
    ("05-python-basic", "이/가", "05-python-basic이"),   # 베이직
    ("05-python-basics", "은", "05-python-basics는"),   # 베이직스
    ("school-visit", "을", "school-visit을"),           # 비짓
    ("lab.yaml", "은", "lab.yaml은"),                   # 야멀
    ("virtual", "로", "virtual로"),                     # 버추얼 (ㄹ takes 로)
])
def test_english_words_as_korean_writes_them(value, which, expected):
    assert with_particle(value, which) == expected
