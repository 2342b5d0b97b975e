"""The stamp apps: what a visitor does in the app, and what they must then see (owned by the app's area).

Each play takes the page and the language the app was opened in; it waits on what the
visitor would see (the turning stamp's description, the status line, the win banner).
"""

from __future__ import annotations

import json

from youthlab.i18n import t

NAMES = {"ko": "민준", "en": "Mia"}


def _q(text: str) -> str:
    """``text`` quoted for a Playwright selector (names and messages have apostrophes)."""
    return json.dumps(text, ensure_ascii=False)


def _label_has(page, *parts: str, timeout: int = 60_000) -> None:
    """Wait until the turning stamp shows a design whose description names every part."""
    page.wait_for_function(
        "parts => { const c = document.querySelector('.youthlab-kiosk-scene canvas');"
        " return !!c && parts.every(p => (c.getAttribute('aria-label') || '').includes(p)); }",
        arg=list(parts), timeout=timeout)


def _end(page, lang: str, done: str) -> None:
    """The visit's end: "print my stamp" where the hall has a printer (the stamp is queued),
    else "I'm done" — either way the win banner says so."""
    printing = page.locator(f".youthlab-kiosk-button:has-text({_q(t('stamp.kiosk.print', lang))})")
    if printing.count():
        printing.click()
        done = t("stamp.kiosk.print.queued", lang, number="§").split("§")[1]
    else:
        page.click(f".youthlab-kiosk-button:has-text({_q(t('stamp.kiosk.finish', lang))})")
    page.wait_for_selector(f".youthlab-kiosk-banner-win:has-text({_q(done)})", timeout=120_000)


def name_stamp(page, lang: str = "ko") -> None:
    """Pick a round shape and big letters, write a name, press "I'm done": the win banner."""
    _label_has(page, t("stamp.kiosk.name.default", lang))  # the stamp is there before any tap
    page.click(f".youthlab-kiosk-choice button[title='{t('stamp.kiosk.shape.round', lang)}']")
    page.click(f".youthlab-kiosk-choice button:has-text({_q(t('stamp.kiosk.size.big', lang))})")
    box = page.locator(".youthlab-kiosk-input input").first
    box.fill(NAMES[lang])
    box.press("Enter")
    _label_has(page, NAMES[lang])
    ready = t("stamp.kiosk.check.ready", lang, minutes="§").split("§")[0]
    page.wait_for_selector(f".youthlab-kiosk-status .youthlab-kiosk-success:has-text({_q(ready)})", timeout=60_000)
    _end(page, lang, t("stamp.kiosk.done.name", lang, text=NAMES[lang]))


def postage(page, lang: str = "ko") -> None:
    """Raise the price twice, pick the star, press "I'm done": the win banner with the price."""
    price = t("stamp.kiosk.postage.denomination", lang, price=500)
    _label_has(page, price)  # the plaque is there before any tap
    plus = page.locator(".youthlab-kiosk-stepper-plus")
    plus.click()
    _label_has(page, t("stamp.kiosk.postage.denomination", lang, price=600))
    plus.click()
    page.click(f".youthlab-kiosk-choice button:has-text({_q(t('stamp.kiosk.picture.star', lang))})")
    price = t("stamp.kiosk.postage.denomination", lang, price=700)
    _label_has(page, price, t("stamp.kiosk.picture.star", lang))
    # it will print (maybe with faint thin lines): the verdict is on the status line
    page.wait_for_function(
        "working => { const s = document.querySelector('.youthlab-kiosk-status :is(.youthlab-kiosk-success,"
        " .youthlab-kiosk-info)'); return !!s && !s.textContent.includes(working); }",
        arg=t("stamp.kiosk.working", lang), timeout=60_000)
    _end(page, lang, t("stamp.kiosk.done.postage", lang, price=price))


PLAYS = {
    "20-name-stamp": name_stamp,
    "21-postage-stamp": postage,
}
