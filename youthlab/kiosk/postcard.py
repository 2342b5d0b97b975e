"""The welcome kiosk's postcard: a name and a coloured stamp drawn with Pillow.

The card is drawn at twice its design size (1200×760) so it stays sharp when the kiosk
stage shows it large on a 1920×1080 screen; a card with no name yet is the app's scene
from the first second (:func:`draw_blank_postcard`).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from youthlab.errors import YouthLabError
from youthlab.plotting import kiosk_font_path

STAMP_COLOURS = {"red": "#e4002b", "blue": "#0057b8", "green": "#00a651"}
MAX_NAME = 20
SCALE = 2  # drawn at 1200×760: the design below is in 600×380 units


class EmptyName(YouthLabError):
    key = "kiosk.postcard.empty"
    hint_key = None


def clean_name(name: str) -> str:
    """The name as it goes on the card: spaces folded, at most 20 characters."""
    return " ".join(name.split())[:MAX_NAME]


def _font(size: int) -> ImageFont.ImageFont:
    path = kiosk_font_path()
    if path:
        return ImageFont.truetype(path, size * SCALE)
    return ImageFont.load_default(size * SCALE)


def _card(name: str, greeting: str, colour: str) -> bytes:
    s = SCALE
    card = Image.new("RGB", (600 * s, 380 * s), "#fffaf0")
    draw = ImageDraw.Draw(card)
    draw.rectangle([8 * s, 8 * s, 591 * s, 371 * s], outline="#c9b79c", width=4 * s)
    draw.line([300 * s, 40 * s, 300 * s, 340 * s], fill="#c9b79c", width=2 * s)
    stamp = STAMP_COLOURS.get(colour, STAMP_COLOURS["red"])
    draw.rectangle([480 * s, 30 * s, 570 * s, 130 * s], fill=stamp, outline="#ffffff", width=6 * s)
    # A little envelope on the stamp (drawn, so it needs no emoji font).
    draw.rectangle([500 * s, 58 * s, 550 * s, 100 * s], outline="white", width=4 * s)
    draw.line([500 * s, 58 * s, 525 * s, 82 * s, 550 * s, 58 * s], fill="white", width=4 * s)
    draw.text((40 * s, 150 * s), greeting, font=_font(24), fill="#333333")
    draw.text((320 * s, 200 * s), f"To. {name}", font=_font(34), fill="#111111")
    for y in (260, 300):
        draw.line([320 * s, y * s, 570 * s, y * s], fill="#c9b79c", width=2 * s)
    out = io.BytesIO()
    card.save(out, format="PNG")
    return out.getvalue()


def draw_postcard(name: str, greeting: str, colour: str = "red") -> bytes:
    """A 1200×760 PNG postcard addressed to ``name`` (raises :class:`EmptyName` for none)."""
    name = clean_name(name)
    if not name:
        raise EmptyName()
    return _card(name, greeting, colour)


def draw_blank_postcard(greeting: str, colour: str = "red", name: str = "") -> bytes:
    """The card as the visitor fills it in: the name so far, or none yet."""
    return _card(clean_name(name), greeting, colour)
