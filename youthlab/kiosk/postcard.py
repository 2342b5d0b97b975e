"""The welcome kiosk's postcard: a name and a coloured stamp drawn with Pillow."""

from __future__ import annotations

import io

from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont

from youthlab.errors import YouthLabError
from youthlab.plotting import HANGUL_FONTS

STAMP_COLOURS = {"red": "#e4002b", "blue": "#0057b8", "green": "#00a651"}


class EmptyName(YouthLabError):
    key = "kiosk.postcard.empty"
    hint_key = None


def _font(size: int) -> ImageFont.ImageFont:
    for name in HANGUL_FONTS:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
            return ImageFont.truetype(path, size)
        except (ValueError, OSError):
            continue
    return ImageFont.load_default(size)


def draw_postcard(name: str, greeting: str, colour: str = "red") -> bytes:
    """A 600×380 PNG postcard addressed to ``name``."""
    name = " ".join(name.split())[:20]
    if not name:
        raise EmptyName()
    card = Image.new("RGB", (600, 380), "#fffaf0")
    draw = ImageDraw.Draw(card)
    draw.rectangle([8, 8, 591, 371], outline="#c9b79c", width=4)
    draw.line([300, 40, 300, 340], fill="#c9b79c", width=2)
    stamp = STAMP_COLOURS.get(colour, STAMP_COLOURS["red"])
    draw.rectangle([480, 30, 570, 130], fill=stamp, outline="#ffffff", width=6)
    # A little envelope on the stamp (drawn, so it needs no emoji font).
    draw.rectangle([500, 58, 550, 100], outline="white", width=4)
    draw.line([500, 58, 525, 82, 550, 58], fill="white", width=4)
    draw.text((40, 150), greeting, font=_font(24), fill="#333333")
    draw.text((320, 200), f"To. {name}", font=_font(34), fill="#111111")
    for y in (260, 300):
        draw.line([320, y, 570, y], fill="#c9b79c", width=2)
    out = io.BytesIO()
    card.save(out, format="PNG")
    return out.getvalue()
