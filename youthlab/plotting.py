"""Plots that can speak Korean: pick an installed Hangul font for matplotlib."""

from __future__ import annotations

from matplotlib import font_manager, rcParams

# In order of preference; all are OFL fonts from Debian's fonts-nanum / fonts-noto-cjk.
HANGUL_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR")


def use_korean_font() -> str | None:
    """Make matplotlib draw Hangul; returns the font used, or None if none is installed."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in HANGUL_FONTS:
        if name in installed:
            rcParams["font.family"] = [name, "DejaVu Sans"]
            rcParams["axes.unicode_minus"] = False  # Hangul fonts often lack U+2212
            return name
    return None
