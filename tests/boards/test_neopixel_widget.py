"""The virtual board's NeoPixel strip in a notebook widget (issue #16).

A real virtual board runs the student's NeoPixel program through a Session (as a
``%%board`` cell does); the widget's model state — what the browser draws — must hold
the colours the program wrote, and follow it when it writes again.
"""

from __future__ import annotations

import os
import string
import threading
from pathlib import Path

import pytest
import yaml
from IPython.core.interactiveshell import InteractiveShell

from youthlab.boards import registry
from youthlab.boards.session import Session
from youthlab.boards.widgets import PixelStrip
from youthlab.i18n import t

MESSAGES = Path(__file__).resolve().parents[2] / "youthlab" / "messages" / "neopixel.yaml"
RED, GREEN, BLUE, OFF, YELLOW = "#ff0000", "#00ff00", "#0000ff", "#000000", "#ffff00"


def wait_for(widget: PixelStrip, check, timeout: float = 10.0) -> dict:
    """The widget's model state once ``check(state)`` holds (woken by each sync of ``strips``)."""
    changed = threading.Event()
    widget.observe(lambda _: changed.set(), names="strips")
    try:
        while True:
            state = widget.get_state()
            if check(state):
                return state
            assert changed.wait(timeout), f"the widget never showed it; state: {state['strips']}"
            changed.clear()
    finally:
        widget.unobserve_all("strips")


def colors(state: dict, pin: int | None = None) -> list[str]:
    strips = [s for s in state["strips"] if pin is None or s["pin"] == pin]
    return strips[0]["colors"] if strips else []


@pytest.fixture
def board():
    name = f"px{os.getpid()}{os.urandom(2).hex()}"
    session = registry.connect(f"virtual:{name}", quiet=True)
    yield session
    registry.disconnect_all()


def test_widget_shows_the_colours_the_program_wrote_and_follows_it(board):
    widget = PixelStrip(board)
    try:
        assert widget.get_state()["notice"] == ""
        board.exec("from machine import Pin\nimport neopixel\n"
                   "np = neopixel.NeoPixel(Pin(5), 8)\n"
                   "np[0] = (255, 0, 0)\nnp[1] = (0, 255, 0)\nnp[7] = (0, 0, 255)\nnp.write()\n")
        state = wait_for(widget, lambda s: colors(s) == [RED, GREEN] + [OFF] * 5 + [BLUE])
        strip = state["strips"][0]
        assert strip["pin"] == 5 and strip["n"] == 8 and strip["shape"] == "line"
        assert strip["label"] == t("neopixel.strip_label", pin=5, n=8)
        assert state["size"] >= 32  # big enough for a 10-year-old to count the LEDs

        # The program writes again (the same session, the strip object kept on the board).
        board.exec("np.fill((0, 0, 0))\nnp[3] = (255, 255, 0)\nnp.write()\n")
        wait_for(widget, lambda s: colors(s) == [OFF] * 3 + [YELLOW] + [OFF] * 4)

        # Setting a pixel without np.write() changes nothing: the LEDs latch what was sent.
        board.exec("np[0] = (255, 0, 0)\n")
        assert colors(widget.get_state()) == [OFF] * 3 + [YELLOW] + [OFF] * 4
    finally:
        widget.close()


def test_an_animation_ends_on_its_last_frame_without_a_redraw_per_write(board):
    widget = PixelStrip(board, fps=10)
    syncs = []
    widget.observe(lambda c: syncs.append(c["new"]), names="strips")
    try:
        board.exec("from machine import Pin\nimport neopixel\n"
                   "np = neopixel.NeoPixel(Pin(4), 16)\n"
                   "for step in range(200):\n"
                   "    np.fill((0, 0, 0))\n"
                   "    np[step % 16] = (0, 0, 255)\n"
                   "    np.write()\n", timeout=60)
        last = [OFF] * 16
        last[199 % 16] = BLUE
        state = wait_for(widget, lambda s: colors(s, 4) == last)
        assert state["strips"][0]["shape"] == "ring"  # a 16-LED strip is sold as a ring
        assert len(syncs) < 200  # redraws are capped; the last frame still shows
    finally:
        widget.close()


def test_one_strip_by_pin_and_the_shape_asked_for(board):
    board.exec("from machine import Pin\nimport neopixel\n"
               "a = neopixel.NeoPixel(Pin(5), 3)\nb = neopixel.NeoPixel(Pin(6), 12)\n"
               "a.fill((255, 0, 0))\na.write()\nb.fill((0, 255, 0))\nb.write()\n")
    both = PixelStrip(board)
    only6 = PixelStrip(board, pin=6, shape="line")
    try:
        state = both.get_state()
        assert [(s["pin"], s["shape"]) for s in state["strips"]] == [(5, "line"), (6, "ring")]
        assert colors(state, 5) == [RED] * 3 and colors(state, 6) == [GREEN] * 12
        state = only6.get_state()
        assert [(s["pin"], s["shape"]) for s in state["strips"]] == [(6, "line")]
        only6.shape = "ring"
        assert only6.get_state()["strips"][0]["shape"] == "ring"
        # An RGBW strip (bpp=4): the white LED lights the circle white.
        board.exec("w = neopixel.NeoPixel(Pin(7), 2, bpp=4)\nw[0] = (0, 0, 0, 255)\n"
                   "w[1] = (255, 0, 0, 0)\nw.write()\n")
        assert colors(wait_for(both, lambda s: colors(s, 7)), 7) == ["#ffffff", RED]
    finally:
        both.close()
        only6.close()


def test_board_pixels_magic_shows_the_current_virtual_board(board):
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "youthlab.boards")
    widget = shell.run_line_magic("board", "pixels 5 --ring")
    try:
        assert isinstance(widget, PixelStrip) and widget.notice == ""
        shell.run_cell_magic("board", "", "from machine import Pin\nimport neopixel\n"
                             "np = neopixel.NeoPixel(Pin(5), 8)\nnp[2] = (0, 255, 0)\nnp.write()\n")
        state = wait_for(widget, lambda s: colors(s, 5) == [OFF, OFF, GREEN] + [OFF] * 5)
        assert state["strips"][0]["shape"] == "ring"
    finally:
        widget.close()


def test_a_real_board_gets_a_clear_note_instead_of_a_strip(vboard):
    # A board opened by its serial port (what a USB board is to the kit): not simulated here.
    vb = vboard
    usb_like = Session(vb.port, notify=lambda m: None)
    try:
        widget = PixelStrip(usb_like)
        state = widget.get_state()
        assert state["strips"] == []
        assert state["notice"] == t("neopixel.only_virtual", board=vb.port)
        assert "virtual board" in state["notice"] and vb.port in state["notice"]
        assert "가상 보드" in t("neopixel.only_virtual", "ko", board=vb.port)
        widget.close()
        station = PixelStrip("station:3")
        assert station.notice == t("neopixel.only_virtual", board="station:3")
        station.close()
    finally:
        usb_like.close()


def test_no_board_at_all_says_how_to_connect_one():
    registry.disconnect_all()
    widget = PixelStrip()
    assert widget.strips == [] and widget.notice == t("neopixel.no_board")
    assert "%board connect virtual" in widget.notice
    widget.close()


def test_messages_are_korean_first_with_english_and_the_same_placeholders():
    data = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    for key, texts in data.items():
        assert key.startswith("neopixel.") and list(texts) == ["ko", "en"], key
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in ("ko", "en")]
        assert fields[0] == fields[1], key


PAGE_CELLS = [
    "from youthlab.boards import registry\nfrom youthlab.boards.widgets import PixelStrip\n"
    "board = registry.connect('virtual:voila', quiet=True)\nstrip = PixelStrip(board)\nstrip",
    "_ = board.exec('from machine import Pin\\nimport neopixel, time\\n"
    "np = neopixel.NeoPixel(Pin(5), 8)\\nnp[0] = (255, 0, 0)\\nnp.write()\\n')",
    # The board's program goes on after the page is shown (a student's animation).
    "import threading\nthreading.Thread(target=board.exec, daemon=True, args=("
    "'for i in range(600):\\n np.fill((0, 0, 0))\\n np[i % 8] = (0, 0, 255)\\n np.write()\\n"
    " time.sleep(0.1)\\n',)).start()",
]


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_the_strip_is_drawn_and_animates_in_headless_chromium_through_voila(tmp_path):
    import socket
    import subprocess
    import sys
    import time

    import nbformat

    from tests.conftest import free_port, kill_tree
    from tests.kiosk.browser import browser

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in PAGE_CELLS])
    page_nb = tmp_path / "pixels.ipynb"
    nbformat.write(nb, page_nb)
    port = free_port()
    from youthlab.kiosk.app import SHARE_DIR  # the kiosk's Voila template: no CDN fonts

    env = dict(os.environ, YOUTHLAB_DATA_DIR=str(tmp_path / "data"), YOUTHLAB_LANG="en",
               JUPYTER_PATH=str(SHARE_DIR))
    voila = subprocess.Popen([str(Path(sys.executable).with_name("voila")), str(page_nb), f"--port={port}",
                              "--no-browser", "--Voila.ip=127.0.0.1", "--template=youthlab-kiosk"],
                             env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=open(tmp_path / "voila.log", "w"), start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # until Voila listens
            assert voila.poll() is None, (tmp_path / "voila.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "voila.log").read_text()
                time.sleep(0.2)
        with browser() as b:
            page = b.new_page(viewport={"width": 1000, "height": 700})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="commit", timeout=120_000)
            page.locator(".ylab-pixels circle").first.wait_for(timeout=120_000)
            assert page.locator(".ylab-pixels circle").count() == 8
            assert page.locator(".ylab-pixels figcaption").inner_text() == t("neopixel.strip_label", pin=5, n=8)
            radius = float(page.locator(".ylab-pixels circle").first.get_attribute("r"))
            assert radius * 2 >= 32
            # The running program moves a blue LED along the strip: the page follows it.
            seen: list[int] = []
            for _ in range(2):  # the index (+1) of a blue LED not seen yet, once there is one
                found = page.wait_for_function(
                    "seen => 1 + [...document.querySelectorAll('.ylab-pixels circle')].findIndex("
                    "(c, i) => c.getAttribute('fill') === '#0000ff' && !seen.includes(i))",
                    arg=seen, timeout=60_000)
                seen.append(found.json_value() - 1)
            assert len(seen) >= 2
            page.screenshot(path=str(tmp_path / "pixels.png"))
    finally:
        kill_tree(voila.pid)
        voila.wait(timeout=10)
