""""Print my stamp" on the stamp kiosk: into the hall's print queue, only when set up."""

from __future__ import annotations

import json

import pytest

from tests.kiosk.browser import browser, kiosk_server
from tests.kiosk.plays.stamp import NAMES, _label_has
from youthlab.i18n import t
from youthlab.paths import labs_dir

pytestmark = pytest.mark.e2e
APP = "voila/render/20-name-stamp/kiosk.ipynb"


def _open(b, url, lang="ko"):
    page = b.new_page(viewport={"width": 1280, "height": 800}, locale="ko-KR" if lang == "ko" else "en-US")
    page.goto(f"{url}{APP}?lang={lang}", wait_until="commit", timeout=120_000)
    _label_has(page, t("stamp.kiosk.name.default", lang), timeout=120_000)  # the stamp is on screen
    return page


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_visitor_queues_their_stamp_when_the_hall_has_a_printer(tmp_path, lang):
    printers = tmp_path / "printers.yaml"
    printers.write_text("printers:\n  hall-1:\n    url: http://127.0.0.1:9\n    api_key: KIOSKTEST\n")
    data = tmp_path / "data"
    env = {"YOUTHLAB_PRINTERS": str(printers), "YOUTHLAB_DATA_DIR": str(data)}
    button = f"button:has-text('{t('stamp.kiosk.print', lang)}')"
    with kiosk_server(labs_dir(), "--app", "20-name-stamp", "--pool-size", "0", env=env) as url, browser() as b:
        page = _open(b, url, lang)
        box = page.locator(".youthlab-kiosk-input input").first
        box.fill(NAMES[lang])
        _label_has(page, NAMES[lang])
        page.wait_for_selector(f"{button}:not([disabled])", timeout=60_000)
        page.click(button)
        queued = t("stamp.kiosk.print.queued", lang, number=1)
        page.wait_for_selector(f".youthlab-kiosk-banner:has-text('{queued}')", timeout=120_000)
        assert page.is_disabled(button)  # one stamp per visit
        assert page.locator(f"button:has-text({json.dumps(t('stamp.kiosk.finish', lang))})").count() == 0
        box.fill(NAMES[lang] + "2")  # a new design after printing: still one per visit
        _label_has(page, NAMES[lang] + "2")
        assert page.is_disabled(button)
    queue = json.loads((data / "stamp" / "print-queue.json").read_text())
    (job,) = queue["jobs"]
    assert job["status"] == "queued" and job["owner"].startswith("kiosk-")
    gcode = open(job["gcode"], encoding="utf-8", errors="replace").read()
    assert "estimated printing time" in gcode


def test_no_print_button_without_a_configured_printer(tmp_path):
    printers = tmp_path / "printers.yaml"
    printers.write_text("printers:\n  hall-1:\n    url: http://127.0.0.1:9\n    api_key_env: NOT_SET_ANYWHERE\n")
    env = {"YOUTHLAB_PRINTERS": str(printers), "YOUTHLAB_DATA_DIR": str(tmp_path / "data")}
    with kiosk_server(labs_dir(), "--app", "20-name-stamp", "--pool-size", "0", env=env) as url, browser() as b:
        page = _open(b, url)
        assert page.locator(f"button:has-text('{t('stamp.kiosk.print', 'ko')}')").count() == 0
        assert page.locator(f"button:has-text('{t('stamp.kiosk.finish', 'ko')}')").count() == 1  # the end
