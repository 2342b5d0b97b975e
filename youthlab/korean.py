"""Korean particles that follow the value: '오른쪽은', '꽃길 2예요', '03154를'.

A Korean particle depends on how the word before it ends: 은/는, 이/가, 을/를,
과/와, (으)로, 이에요/예요 all change with the last syllable's final consonant
(받침). A message template cannot know the value in advance, so the value chooses:

    t("robot.turned", side=Word("오른쪽"))   # template: "{side:은} 틀렸어요"
    → "오른쪽은 틀렸어요";  Word("왼쪽 바퀴") → "왼쪽 바퀴는 …"

``Word`` is a ``str`` whose format spec is a particle (``{x:은}``, ``{x:이에요}``), so
the English template uses ``{x}`` and stays untouched. Numbers are read the Korean
way (2 → 이, 10 → 십, 1000 → 천), capitals by their names (HTML → 엘), English words as
Korean writes them (basic → 베이직, file → 파일), and
trailing quotes/brackets are looked through ('오른쪽' → 오른쪽).
"""

from __future__ import annotations

import re

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # index of ㄹ among the 28 final consonants (0 = none)

# last syllable of a digit read in Sino-Korean: 영 일 이 삼 사 오 육 칠 팔 구
_DIGITS = "영일이삼사오육칠팔구"
_UNITS = {1: "십", 2: "백", 3: "천"}
_BIG = {1: "만", 2: "억", 3: "조", 4: "경"}
# English letter names as a Korean reader says them, ending sound only
_LETTERS = {"l": "엘", "m": "엠", "n": "엔", "r": "알"}

# particle written after a word with a final consonant / without one
PARTICLES: dict[str, tuple[str, str]] = {}
for _with, _without in (("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("아", "야"),
                        ("이에요", "예요"), ("이었어요", "였어요"), ("이어야", "여야"), ("이나", "나"), ("이라고", "라고"),
                        ("이랑", "랑"), ("으로", "로")):
    PARTICLES[_with] = PARTICLES[_without] = PARTICLES[f"{_with}/{_without}"] = (_with, _without)
PARTICLES["(이)에요"] = PARTICLES["이에요"]
PARTICLES["(으)로"] = PARTICLES["으로"]

_SKIP = " \t'\"’”)]}»」』>.,!?"


def _number_syllable(digits: str) -> str:
    """The last syllable of a whole number read in Korean ('20' → 십, '3154' → 사)."""
    digits = digits.lstrip("0") or "0"
    stripped = digits.rstrip("0")
    zeros = len(digits) - len(stripped)
    if zeros == 0:
        return _DIGITS[int(digits[-1])]
    if zeros % 4 == 0:
        return _BIG.get(zeros // 4, "만")
    return _UNITS[zeros % 4]


def last_syllable(value: object) -> str:
    """The syllable a Korean reader ends ``value`` with ('' if none can be found)."""
    text = str(value).rstrip(_SKIP)
    if not text:
        return ""
    number = re.search(r"(\d+)(?:\.(\d+))?$", text)
    if number:
        return _DIGITS[int(number.group(2)[-1])] if number.group(2) else _number_syllable(number.group(1))
    last = text[-1]
    if last.isascii() and last.isalpha():
        word = re.search(r"[A-Za-z]+$", text).group(0).lower()
        if len(word) == 1 or word.isupper() or text[-len(word):].isupper():  # letters read one by one: API, L
            return _LETTERS.get(last.lower(), "에")  # a, b, c … end without a final consonant
        # an English word ends with a final consonant where Korean writes one: web 웹, book 북, file 파일
        if word.endswith(("le", "l")):
            return "일"
        if word.endswith(("m", "n", "ng", "k", "c", "p", "t", "b", "d", "g")):
            return "익"
        return "에"
    return last


def final_consonant(value: object) -> int:
    """Index (0 = none, 8 = ㄹ, …) of the final consonant the value ends with."""
    syllable = last_syllable(value)
    if syllable and _HANGUL_FIRST <= ord(syllable) <= _HANGUL_LAST:
        return (ord(syllable) - _HANGUL_FIRST) % 28
    return 0


def particle(value: object, which: str) -> str:
    """The form of particle ``which`` (any of its spellings: '은', '는', '은/는') after ``value``."""
    forms = PARTICLES.get(which)
    if forms is None:
        raise ValueError(f"unknown Korean particle {which!r}; known: {', '.join(sorted(PARTICLES))}")
    final = final_consonant(value)
    if forms[0] == "으로":  # ㄹ-final words take 로: 서울로, 연필로
        return forms[0] if final not in (0, _RIEUL) else forms[1]
    return forms[0] if final else forms[1]


def with_particle(value: object, which: str) -> str:
    """``value`` followed by the right form of the particle: ('꽃길 2', '이에요') → '꽃길 2예요'."""
    return f"{value}{particle(value, which)}"


class Word(str):
    """A template value that takes its Korean particle as format spec: ``{x:을}``."""

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        if spec in PARTICLES:
            return with_particle(str(self), spec)
        return format(str(self), spec)


def words(**values: object) -> dict[str, Word]:
    """Every value as a :class:`Word`, for ``t(key, **words(name=…, street=…))``."""
    return {k: Word(v) for k, v in values.items()}
