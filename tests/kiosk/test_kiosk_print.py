""""Print my stamp" on the stamp kiosk: into the hall's print queue, only when set up."""

from __future__ import annotations

import json

import pytest

from tests.kiosk.browser import browser, kiosk_server
from youthlab.paths import labs_dir

pytestmark = pytest.mark.e2e
APP = "voila/render/20-name-stamp/kiosk.ipynb"


def _open(b, url):
    page = b.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page.goto(url + APP, wait_until="commit", timeout=120_000)
    page.wait_for_selector("text=인쇄할 수 있어요.", timeout=120_000)
    return page


def test_visitor_queues_their_stamp_when_the_hall_has_a_printer(tmp_path):
    printers = tmp_path / "printers.yaml"
    printers.write_text("printers:\n  hall-1:\n    url: http://127.0.0.1:9\n    api_key: KIOSKTEST\n")
    data = tmp_path / "data"
    env = {"YOUTHLAB_PRINTERS": str(printers), "YOUTHLAB_DATA_DIR": str(data)}
    with kiosk_server(labs_dir(), "--app", "20-name-stamp", "--pool-size", "0", env=env) as url, browser() as b:
        page = _open(b, url)
        page.click("button:has-text('내 도장 인쇄하기')")
        page.wait_for_selector("text=인쇄 대기열 1번에 들어갔어요!", timeout=120_000)
        assert page.is_disabled("button:has-text('내 도장 인쇄하기')")  # one stamp per visit
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
        assert page.locator("button:has-text('내 도장 인쇄하기')").count() == 0
