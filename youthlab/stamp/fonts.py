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


def installed_fonts_with(chars: list[str]) -> list[tuple[str, str, bool]]:
    """Fonts installed on this machine (fontconfig) that have every one of ``chars``:
    (family, file, has outlines). A colour-emoji font has pictures, not outlines, so no
    stamp can be cut from it; the caller says so."""
    import shutil
    import subprocess

    if not chars or shutil.which("fc-list") is None:
        return []
    charset = " ".join(f"{ord(c):x}" for c in chars)
    try:
        out = subprocess.run(["fc-list", f":charset={charset}", "file", "family"], capture_output=True,
                             text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in sorted(set(out.splitlines())):
        file, _, family = line.partition(": ")
        if file:
            found.append((family.split(",")[0].strip() or Path(file).stem, file, _has_outlines(file)))
    return found


def _has_outlines(path: str) -> bool:
    from fontTools.ttLib import TTFont

    try:
        kwargs = {"fontNumber": 0} if path.lower().endswith((".ttc", ".otc")) else {}
        with TTFont(path, lazy=True, **kwargs) as tt:
            return "glyf" in tt or "CFF " in tt or "CFF2" in tt
    except Exception:  # noqa: BLE001 - an unreadable font is no help
        return False


def check_coverage(text: str, font: Font) -> None:
    """Raise :class:`MissingGlyph` if any character would be drawn as an empty box; the
    hint names the stamp fonts, or else the installed font files, that have them."""
    missing = missing_chars(text, font)
    if not missing:
        return
    others = [n for n in available_fonts() if n != font.name and not missing_chars(text, resolve_font(n))]
    hint_key = None
    if not others:
        installed = installed_fonts_with(missing)
        usable = [f"{family} ({file})" for family, file, outlines in installed if outlines]
        pictures = [family for family, _, outlines in installed if not outlines]
        if usable:
            others, hint_key = usable, "stamp.error.missing_glyph.hint_installed"
        elif pictures:
            others, hint_key = pictures, "stamp.error.missing_glyph.hint_pictures"
        else:
            hint_key = "stamp.error.missing_glyph.hint_nowhere"
    raise MissingGlyph(
        hint_key=hint_key,
        chars=" ".join(missing),
        codes=", ".join(f"U+{ord(c):04X}" for c in missing),
        font=font.name,
        others=", ".join(others) or "-",
    )
