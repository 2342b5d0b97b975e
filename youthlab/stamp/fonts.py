"""Which font files the stamp lab uses, and which characters each one really has."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from youthlab.stamp.errors import FontNotFound, MissingGlyph

# Open-licence (OFL) fonts from Debian's fonts-nanum / fonts-noto-cjk, by short name.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/nanum"),
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/truetype/noto"),
)
KNOWN_FONTS: dict[str, str] = {
    "nanum-gothic-bold": "NanumGothicBold.ttf",
    "nanum-gothic": "NanumGothic.ttf",
    "nanum-myeongjo-bold": "NanumMyeongjoBold.ttf",
    "nanum-square-round-bold": "NanumSquareRoundB.ttf",
    "nanum-barun-gothic-bold": "NanumBarunGothicBold.ttf",
    "noto-sans-cjk-bold": "NotoSansCJK-Bold.ttc",
    "dejavu-sans-bold": "DejaVuSans-Bold.ttf",
}
DEFAULT_FONT = "nanum-gothic-bold"


@dataclass(frozen=True)
class Font:
    name: str
    path: Path


def available_fonts() -> list[str]:
    """Short names of the known fonts installed on this machine."""
    return [name for name in KNOWN_FONTS if _find_file(KNOWN_FONTS[name]) is not None]


def _find_file(filename: str) -> Path | None:
    for d in FONT_DIRS:
        p = d / filename
        if p.is_file():
            return p
    try:  # matplotlib bundles DejaVu
        import matplotlib

        p = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / filename
        if p.is_file():
            return p
    except ImportError:  # pragma: no cover
        pass
    return None


def resolve_font(font: str | Path | None = None) -> Font:
    """A known short name (``nanum-gothic-bold``) or a path to a .ttf/.otf/.ttc file."""
    name = str(font) if font else DEFAULT_FONT
    if name in KNOWN_FONTS:
        path = _find_file(KNOWN_FONTS[name])
    else:
        path = Path(name).expanduser()
        path = path if path.is_file() else None
    if path is None:
        raise FontNotFound(font=name, known=", ".join(available_fonts()) or "-")
    return Font(name=name, path=path)


@lru_cache(maxsize=16)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    kwargs = {"fontNumber": 0} if path.lower().endswith((".ttc", ".otc")) else {}
    with TTFont(path, lazy=True, **kwargs) as tt:
        return frozenset(tt.getBestCmap() or {})


def missing_chars(text: str, font: Font) -> list[str]:
    """Characters of ``text`` (spaces and line breaks aside) that the font has no glyph for."""
    cmap = _cmap(str(font.path))
    seen: list[str] = []
    for ch in text:
        if ch.isspace() or ch in seen:
            continue
        if ord(ch) not in cmap:
            seen.append(ch)
    return seen


def check_coverage(text: str, font: Font) -> None:
    """Raise :class:`MissingGlyph` if any character would be drawn as an empty box."""
    missing = missing_chars(text, font)
    if missing:
        others = [n for n in available_fonts() if n != font.name and not missing_chars(text, resolve_font(n))]
        raise MissingGlyph(
            chars=" ".join(missing),
            codes=", ".join(f"U+{ord(c):04X}" for c in missing),
            font=font.name,
            others=", ".join(others) or "-",
        )
