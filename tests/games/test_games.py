"""Each hall game played by a scripted visitor: a win, a loss, a high score, a screenshot."""

from __future__ import annotations

import json

import pygame
import pytest

from tests.games.play import (FRAME, drive_route, fly_delivery, press, run_until, screenshot, sort_letter,
                              tap, type_text)
from youthlab.games import catalog, game_names
from youthlab.games.base import LOST, WON
from youthlab.games.scores import HighScores
from youthlab.games.shell import ATTRACT, INITIALS, OVER, PIN, PLAY


def start(shell) -> None:
    shell.tick(FRAME)
    assert shell.state == ATTRACT
    press(shell, "space")
    shell.tick(FRAME)
    assert shell.state == PLAY


def save_initials(shell, initials: str) -> None:
    assert run_until(shell, lambda: shell.state_time > 1.2, 3)
    press(shell, "space")  # past the result screen
    assert shell.state == INITIALS
    type_text(shell, initials)
    press(shell, "enter")
    assert shell.state == ATTRACT


def test_three_games_are_installed_with_kiosk_notebooks_and_pictures():
    assert game_names() == ["island-delivery", "robot-postman", "sorting-office"]
    for entry in catalog():
        assert entry.title["ko"] != entry.title["en"]
        assert entry.kiosk_notebook.is_file(), entry.kiosk_notebook
        assert entry.picture.is_file(), entry.picture
        assert (entry.folder / "__main__.py").is_file()


# -- Sorting Office --------------------------------------------------------------------------
def test_sorting_office_win_saves_a_high_score(shell_for, tmp_path):
    shell = shell_for("sorting-office")
    start(shell)
    while shell.game.status == "playing":
        sort_letter(shell)
    assert shell.game.status == WON and shell.state == OVER
    screenshot(shell, tmp_path, "sorting-office-won")
    score = shell.game.score
    assert score >= 1000
    save_initials(shell, "kim")
    assert HighScores(tmp_path / "scores", "sorting-office").entries()[0].initials == "KIM"
    assert HighScores(tmp_path / "scores", "sorting-office").entries()[0].score == score
    # a new shell (the kiosk restarted) shows it on the attract screen
    again = shell_for("sorting-office")
    again.tick(FRAME)
    assert [e.initials for e in again.scores.entries()] == ["KIM"]


def test_sorting_office_loses_on_mistakes_and_on_the_clock(shell_for, tmp_path):
    shell = shell_for("sorting-office")
    start(shell)
    for _ in range(3):
        sort_letter(shell, right=False)
    assert shell.game.status == LOST and shell.game.reason_key == "games.sorting.too_many_mistakes"
    run_until(shell, lambda: shell.state == ATTRACT, 10)
    assert shell.state == ATTRACT  # no high score for a loss
    press(shell, "space")
    assert run_until(shell, lambda: shell.game.status == LOST, 62, dt=0.5)
    assert shell.game.reason_key == "games.sorting.time_up"
    screenshot(shell, tmp_path, "sorting-office-lost")


def test_touch_sorts_into_the_bin_tapped(shell_for):
    shell = shell_for("sorting-office")
    tap(shell, (640, 360))
    shell.tick(FRAME)
    assert shell.state == PLAY
    game = shell.game
    from tests.games.play import sorting_bin

    for _ in range(6):  # every bin, the corner ones too (no on-screen stick over them)
        rect = game._bins(shell.size)[sorting_bin(game.letter.code)]
        tap(shell, (rect.left + 5, rect.bottom - 5))
    assert game.sorted == 6 and game.mistakes == 0


# -- Island Drone Delivery -------------------------------------------------------------------
def test_island_delivery_win_on_the_drone_simulator(shell_for, tmp_path):
    shell = shell_for("island-delivery", lang="ko")
    start(shell)
    assert fly_delivery(shell), f"did not reach the hall: {shell.game.pos_cm}, {shell.game.status}"
    assert shell.game.status == WON, shell.game.reason_key
    assert shell.game.drop and not shell.game.drop["in_water"]
    screenshot(shell, tmp_path, "island-delivery-won")
    save_initials(shell, "LEE")
    assert HighScores(tmp_path / "scores", "island-delivery").entries()[0].initials == "LEE"


def test_island_delivery_losses(shell_for):
    shell = shell_for("island-delivery")
    start(shell)
    press(shell, "space")  # drop at the dock: the parcel is nowhere near the island
    shell.tick(FRAME)
    assert shell.game.status == LOST and shell.game.reason_key == "games.island.missed"
    run_until(shell, lambda: shell.state == ATTRACT, 10)
    press(shell, "space")
    shell.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN, unicode="", mod=0))
    assert run_until(shell, lambda: shell.game.status == LOST, 20)  # south, out of the flying area
    assert shell.game.reason_key == "games.island.fence"


# -- Robot Postman ---------------------------------------------------------------------------
ROUTE = [(120, 30), (150, 30), (150, 90), (180, 90), (150, 90), (90, 90), (90, 120)]


def test_robot_postman_win_in_the_town(shell_for, tmp_path):
    shell = shell_for("robot-postman")
    start(shell)
    game = shell.game
    assert [h.address for h in map(game.world.house, game.world.letters)] == ["꽃길 2", "해오름길 5", "별빛길 6"]
    assert drive_route(shell, ROUTE, deliver_at={0, 3, 6}), (game.body.x, game.body.y, game.delivered)
    assert game.status == WON, (game.delivered, game.reason_key)
    screenshot(shell, tmp_path, "robot-postman-won")
    save_initials(shell, "PAK")
    assert HighScores(tmp_path / "scores", "robot-postman").entries()[0].initials == "PAK"


def test_robot_postman_wrong_door_and_time_up(shell_for, tmp_path):
    shell = shell_for("robot-postman")
    start(shell)
    press(shell, "space")  # still at the post office
    shell.tick(FRAME)
    assert shell.game.delivered == 0 and shell.game.wrong_door > 0
    screenshot(shell, tmp_path, "robot-postman-wrong-door")
    assert run_until(shell, lambda: shell.game.status == LOST, 125, dt=0.5, each=shell.controls.touch)
    assert shell.game.reason_key == "games.postman.time_up"


# -- the shell ---------------------------------------------------------------------------------
def test_corrupt_high_score_file_does_not_stop_the_game(shell_for, tmp_path):
    folder = tmp_path / "scores"
    folder.mkdir()
    path = folder / "sorting-office.json"
    for junk in (b"\x00\xff{not json", b'{"scores": [{"initials": "<script>", "score": 9}, 5, '
                 b'{"initials": "OK", "score": 7}, {"initials": "BIG", "score": true}]}', b"[]"):
        path.write_bytes(junk)
        shell = shell_for("sorting-office")
        shell.tick(FRAME)  # the attract screen reads the board
        assert all(e.initials == "OK" for e in shell.scores.entries())
    path.write_bytes(b"garbage")
    start(shell)
    while shell.game.status == "playing":
        sort_letter(shell)
    save_initials(shell, "CHO")
    data = json.loads(path.read_text())
    assert data == {"scores": [{"initials": "CHO", "score": shell.game.score}]}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left


def test_language_switch_idle_reset_and_staff_pin(shell_for, tmp_path):
    shell = shell_for("sorting-office", lang="ko", idle_seconds=5, staff_pin="493817")
    shell.tick(FRAME)
    tap(shell, shell.lang_button().center)
    assert shell.text.lang == "en"
    press(shell, "space")
    shell.tick(FRAME)
    assert shell.state == PLAY
    run_until(shell, lambda: shell.state == ATTRACT, 6)
    assert shell.state == ATTRACT and shell.text.lang == "ko"  # the next visitor: the hall's language
    press(shell, "escape")
    assert shell.state == PIN
    type_text(shell, "111111")
    press(shell, "enter")
    shell.tick(FRAME)
    assert shell.running and shell.pin_message
    screenshot(shell, tmp_path, "staff-pin")
    for ch, rect in shell._pin_pad():
        pass
    pad = dict(shell._pin_pad())
    for ch in "493817>":
        tap(shell, pad[ch].center)
    assert not shell.running


def test_escape_quits_a_desk_window_but_not_a_kiosk_without_pin(shell_for):
    desk = shell_for("sorting-office")
    press(desk, "escape")
    assert not desk.running
    kiosk = shell_for("sorting-office", staff_pin="")
    press(kiosk, "escape")
    kiosk.handle(pygame.event.Event(pygame.QUIT))
    assert kiosk.running


@pytest.mark.parametrize("name", ["island-delivery", "robot-postman", "sorting-office"])
def test_each_game_runs_alone_from_its_folder(name):
    import subprocess
    import sys

    from youthlab.paths import games_dir

    out = subprocess.run([sys.executable, str(games_dir() / name), "--seconds", "0.5", "--lang", "en"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
