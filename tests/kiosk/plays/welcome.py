"""The welcome postcard app: what a visitor does in the app, and what they must then see (owned by the app's area)."""

from __future__ import annotations

from youthlab.i18n import t

NAMES = {"ko": "서연", "en": "Alex"}


def _postcard(page, lang: str) -> None:
    # The blank card is there before the first tap; an empty name gets a friendly hint.
    page.click(f".youthlab-kiosk-primary:has-text('{t('kiosk.postcard.make', lang)}')")
    page.wait_for_selector(f".youthlab-kiosk-status >> text={t('kiosk.postcard.empty', lang)}", timeout=30_000)
    page.fill(".youthlab-kiosk-app input", NAMES[lang])
    page.click(".youthlab-kiosk-choice button >> nth=1")  # the blue stamp
    page.click(f".youthlab-kiosk-primary:has-text('{t('kiosk.postcard.make', lang)}')")
    done = t("kiosk.postcard.done", lang, name=NAMES[lang])
    page.wait_for_selector(f".youthlab-kiosk-banner-win >> text={done}", timeout=30_000)
    page.wait_for_selector(f".youthlab-kiosk-status >> text={done}", timeout=10_000)


PLAYS = {
    "00-welcome": _postcard,
}
