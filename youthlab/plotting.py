"""Plots that can speak Korean: pick an installed Hangul font for matplotlib."""

from __future__ import annotations

from matplotlib import font_manager, rcParams

from youthlab.i18n import t

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


def both(key: str, **params: object) -> str:
    """A plot label in Korean and English ("바람 (m/s) · wind (m/s)"): a plot is shared on a
    screen or a printout, where one reader may know only one of the two languages."""
    ko, en = t(key, "ko", **params), t(key, "en", **params)
    return ko if ko == en else f"{ko} · {en}"


# -- kiosk figures ---------------------------------------------------------------------
# A kiosk plot speaks one language in large type. matplotlib (>= 3.6) falls back glyph by
# glyph along rcParams["font.family"], so the chain below draws Hangul (Nanum / Noto CJK)
# and arrows and signs the Hangul fonts lack (DejaVu Sans has ⬆ ➡ − ✈). Emoji are not
# drawn by matplotlib: kiosk plots use words, arrows and shapes.
FALLBACK_FONTS = ("DejaVu Sans",)
KIOSK_STYLE = {
    "font.size": 20, "axes.titlesize": 28, "axes.titleweight": "normal", "axes.labelsize": 22,
    "xtick.labelsize": 18, "ytick.labelsize": 18, "legend.fontsize": 18,
    "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#5a5a5f",
    "axes.unicode_minus": False, "figure.facecolor": "#ffffff", "axes.facecolor": "#ffffff",
    "axes.prop_cycle": __import__("cycler").cycler(color=["#e4002b", "#0057b8", "#00a651", "#f5a300", "#6a3ab2"]),
}


def kiosk_fonts(lang: str | None = None) -> list[str]:
    """The installed font chain for a kiosk screen in ``lang``: for Korean a Hangul font
    first, for English DejaVu Sans first (a Hangul name still draws); then the fallbacks."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    hangul = [name for name in HANGUL_FONTS if name in installed][:1]
    fallback = [name for name in FALLBACK_FONTS if name in installed] or ["DejaVu Sans"]
    return fallback + hangul if lang == "en" else hangul + fallback


def _font_file(family: str) -> str | None:
    try:
        return font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return None


def kiosk_font_path() -> str | None:
    """The file of the first installed Hangul font (for Pillow drawings), or None."""
    for name in HANGUL_FONTS:
        path = _font_file(name)
        if path:
            return path
    return None


def missing_glyphs(text: str, families: list[str] | None = None) -> str:
    """The characters of ``text`` that no font in ``families`` (default: the kiosk chain)
    can draw — what would show as an empty box on the screen."""
    from fontTools.ttLib import TTFont

    cmaps = []
    for family in families or kiosk_fonts():
        path = _font_file(family)
        if path:
            cmaps.append(TTFont(path, fontNumber=0, lazy=True).getBestCmap())
    seen: list[str] = []
    for char in text:
        if char.isspace() or char in seen:
            continue
        if not any(ord(char) in cmap for cmap in cmaps):
            seen.append(char)
    return "".join(seen)


def kiosk_figure(lang: str | None = None, size: tuple[float, float] = (12, 7.5), dpi: int = 100):
    """A matplotlib (figure, axes) styled for the kiosk stage: large type, kiosk colours,
    a font chain with every glyph of Korean, English and arrows (see :func:`missing_glyphs`).
    Draw on it, then show it with :func:`figure_png` in an Image or ``display`` it in
    ``KioskUI.scene_output()``."""
    import matplotlib

    matplotlib.rcParams.update(KIOSK_STYLE)
    matplotlib.rcParams["font.family"] = kiosk_fonts(lang)
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    _show_figures_as_png()
    return fig, fig.add_subplot()


def _show_figures_as_png() -> None:
    """Let ``display(fig)`` (and an Output's ``fig``) show a pyplot-free Figure as a PNG."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover — IPython comes with the kernel
        return
    shell = get_ipython()
    if shell is not None:
        from matplotlib.figure import Figure

        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


def figure_png(fig, dpi: int | None = None) -> bytes:
    """The figure as PNG bytes (for an ipywidgets Image on the kiosk stage)."""
    import io

    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi or fig.dpi)
    return out.getvalue()
