"""Kiosk apps through the hub's service URL, in headless Chromium, without logging in."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urljoin, urlparse

import pytest
import requests
import websocket

from tests.kiosk.kioskhub import start_kiosk_hub
from tests.kiosk.browser import browser, leave
from youthlab.i18n import t

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    running = start_kiosk_hub(tmp_path_factory.mktemp("kioskhub"), YOUTHLAB_KIOSK_IDLE="5")
    yield running
    running.stop()


def test_visitor_plays_the_postcard_app_from_the_launcher(hub, tmp_path):
    kiosk = f"{hub.url}services/kiosk/"
    with browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 800}, locale="ko-KR")
        page.goto(kiosk)
        assert "우체국 디지털 체험관" in page.inner_text("header")
        page.click("a.app[data-lab='00-welcome']")
        page.wait_for_selector(".youthlab-kiosk-app input", timeout=60_000)
        # Voila's styles came as the kiosk's one stylesheet, under the service's prefix, and
        # the fonts it names are found there too.
        sheets = page.evaluate("Array.from(document.styleSheets).filter(s => s.href && s.href.includes("
                               "'/kiosk/page-styles/')).map(s => [s.href, s.cssRules.length])")
        assert len(sheets) == 1 and sheets[0][1] > 500, sheets
        assert urlparse(sheets[0][0]).path.startswith("/services/kiosk/kiosk/page-styles/")
        css = requests.get(sheets[0][0], timeout=30).text
        font = re.search(r"url\((/services/kiosk/voila/templates/[^)?#'\"]+\.woff2?)", css).group(1)
        assert requests.get(urljoin(hub.url, font), timeout=30).status_code == 200, font
        # Voila's start-up chunks came as the kiosk's one script, under the service's prefix too.
        bundles = page.evaluate("performance.getEntriesByType('resource').map(r => r.name)"
                                ".filter(n => n.includes('/kiosk/page-scripts/'))")
        assert len(bundles) == 1 and urlparse(bundles[0]).path.startswith("/services/kiosk/kiosk/page-scripts/")
        # An empty name gets a friendly hint, not an error.
        page.click("button:has-text('엽서 만들기')")
        page.wait_for_selector("text=이름을 먼저 써 주세요.", timeout=15_000)
        page.fill(".youthlab-kiosk-app input", "민준")
        page.click("button:has-text('엽서 만들기')")
        page.wait_for_selector("text=민준에게 보낼 엽서가 완성됐어요!", timeout=15_000)
        src = page.get_attribute(".youthlab-kiosk-app img", "src")
        assert src and (src.startswith("blob:") or src.startswith("data:"))
        # The visitor switches to English; the app follows.
        page.click(".youthlab-kiosk-lang button:has-text('English')")
        page.wait_for_selector("button:has-text('Make my postcard')", timeout=10_000)
        shot = tmp_path / "postcard.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        html = page.content()
        assert "draw_postcard(" not in html, "the notebook's source reached the page"
        assert "Traceback" not in html
        leave(page, kiosk)


def test_idle_reset_clears_the_last_visitor(hub):
    kiosk = f"{hub.url}services/kiosk/"
    with browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{kiosk}voila/render/00-welcome/kiosk.ipynb")
        page.wait_for_selector(".youthlab-kiosk-app input", timeout=60_000)
        page.fill(".youthlab-kiosk-app input", "지우")
        kernel = json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
        page.wait_for_selector("#youthlab-attract:not([hidden])", timeout=20_000)  # idle: 5 s
        # The last visitor's kernel is gone as soon as the attract screen shows.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if requests.get(f"{kiosk}api/kernels/{kernel}", timeout=5).status_code == 404:
                break
            time.sleep(0.3)
        else:
            pytest.fail("the idle visitor's kernel was not shut down")
        page.mouse.click(600, 400)  # the next visitor touches the screen
        # The page reloads with a new kernel (wait for the new page, not the old one's input).
        page.wait_for_function("(old) => { const c = document.querySelector('#jupyter-config-data');"
                               " return c !== null && JSON.parse(c.textContent).kernelId !== old; }",
                               arg=kernel, timeout=60_000)
        page.wait_for_selector(".youthlab-kiosk-app input", timeout=60_000)
        page.wait_for_function("() => { const a = document.querySelector('#youthlab-attract');"
                               " return a !== null && a.hidden === true; }")
        assert page.input_value(".youthlab-kiosk-app input") == ""
        assert json.loads(page.inner_text("#jupyter-config-data"))["kernelId"] != kernel
        leave(page, kiosk)


def test_visitor_cannot_execute_code_over_the_kernel_websocket(hub, tmp_path):
    kiosk = f"{hub.url}services/kiosk/"
    marker = tmp_path / "pwned"
    with browser() as b:
        page = b.new_page()
        page.goto(f"{kiosk}voila/render/00-welcome/kiosk.ipynb")
        page.wait_for_selector(".youthlab-kiosk-app input", timeout=60_000)
        kernel = json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
        ws = websocket.create_connection(
            f"{kiosk.replace('http://', 'ws://')}api/kernels/{kernel}/channels", timeout=10)
        try:
            ws.send(json.dumps({
                "header": {"msg_id": "evil", "username": "", "session": "evil", "msg_type": "execute_request",
                           "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
                            "store_history": False, "user_expressions": {}, "allow_stdin": False},
            }))
            ws.settimeout(3)
            replies = []
            try:
                while True:
                    msg = json.loads(ws.recv())
                    if msg.get("parent_header", {}).get("msg_id") == "evil":
                        replies.append(msg["msg_type"])
            except websocket.WebSocketTimeoutException:
                pass
        finally:
            ws.close()
        assert not marker.exists(), "a visitor ran code in the kiosk kernel"
        assert "execute_reply" not in replies and "execute_input" not in replies
        leave(page, kiosk)


@pytest.mark.parametrize("path", [
    "voila/render/00-welcome/welcome.ipynb",       # a lab's source notebook
    "voila/tree",                                  # Voila's file browser
    "voila/api/contents",                          # Voila's contents API
    "voila/files/00-welcome/welcome.ipynb",        # raw notebook files
    "voila/files/../hub_config/accounts.yaml",     # outside the labs folder
    "voila/files/%2e%2e/hub_config/accounts.yaml",
    "voila/render/%2e%2e/hub_config/jupyterhub_config.py",
])
def test_only_kiosk_apps_are_served(hub, path):
    r = requests.get(f"{hub.url}services/kiosk/{path}", timeout=30, allow_redirects=False)
    assert r.status_code in (403, 404), f"{path} answered {r.status_code}"
    assert "operator" not in r.text and "BEGIN SOLUTION" not in r.text


def test_hub_and_user_servers_are_not_reachable_without_login(hub):
    r = requests.get(f"{hub.url}user/student1/lab", timeout=30, allow_redirects=False)
    assert r.status_code in (302, 303) and "/hub/login" in r.headers["Location"] or "/hub/user" in r.headers["Location"]
    r = requests.get(f"{hub.url}user/student1/api/contents", timeout=30, allow_redirects=True)
    assert r.status_code in (401, 403) or "/hub/login" in r.url
    assert requests.get(f"{hub.url}hub/api/users", timeout=10).status_code in (401, 403)


def test_staff_exit_needs_the_pin(hub):
    kiosk = f"{hub.url}services/kiosk/"
    s = requests.Session()
    token = s.get(f"{kiosk}kiosk/config.json", timeout=10).json()["token"]  # as kiosk.js does
    page = {"X-YouthLab-Kiosk-Token": token}
    assert s.post(f"{kiosk}kiosk/exit", data={"pin": "000000"}, headers=page, timeout=10).status_code == 403
    assert s.get(f"{kiosk}kiosk/staff", timeout=10).status_code == 403
    assert s.post(f"{kiosk}kiosk/exit", data={"pin": "864213"}, timeout=10).status_code == 403  # no page token
    ok = s.post(f"{kiosk}kiosk/exit", data={"pin": "864213"}, headers=page, timeout=10)
    assert ok.status_code == 200
    staff = s.get(hub.url.rstrip("/") + ok.json()["next"], timeout=10)
    assert staff.status_code == 200 and t("kiosk.staff.title", "ko") in staff.text
