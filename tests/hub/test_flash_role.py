"""Who may flash, on a real hub: a student's flash from their own kernel is refused (ko/en),
a club mentor's goes through and writes the (fake) board. The kernel asks the hub with
its server's own token; the mentor's token carries the custom scope, the student's not."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import requests

from tests.hub.hubrunner import run_code, start_hub

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ACCOUNTS = """
operator: {username: operator}
teachers:
  - {username: teacher, classes: [class-demo]}
classes:
  class-demo:
    title: {ko: "데모 반", en: "Demo class"}
    students: [student1, student2]
club_mentors: [student2]   # a club member who mentors: not a teacher
"""

# Runs in the user's kernel: a fake ESP32 ROM in the kernel, a pinned image, then flash.
KERNEL_CODE = r"""
import hashlib, os, tempfile
from pathlib import Path
from youthlab.boards.flash import flash_board
from youthlab.boards.flash.esp import EspFlash
from youthlab.boards.flash.fake_rom import FakeEsp32Rom
from youthlab.errors import YouthLabError
folder = Path(tempfile.mkdtemp())
image = bytearray(os.urandom(30000)); image[0] = 0xE9; image[12:14] = b"\0\0"; image = bytes(image)
(folder / "esp32.bin").write_bytes(image)
(folder / "firmware.yaml").write_text("families:\n  esp32:\n    method: esptool\n    chip: esp32\n"
    "    offset: 0x1000\n    version: t\n    file: esp32.bin\n"
    f"    sha256: '{hashlib.sha256(image).hexdigest()}'\n    size: {len(image)}\n")
with FakeEsp32Rom() as rom:
    try:
        flash_board("esp32", rom.url, catalog=folder / "firmware.yaml", cache=folder, verify=False,
                    method=EspFlash(connect_mode="no-reset", stub=False, connect_attempts=1))
        print("RESULT flashed", rom.read_flash(0x1000, len(image)) == image)
    except YouthLabError as exc:
        print("RESULT refused" if exc.key == "flash.refused" else "RESULT error", exc.key, rom.written)
        print("KO", exc.message("ko"))
        print("EN", exc.message("en"))
"""


@pytest.fixture(scope="module")
def hub():
    data = Path(tempfile.mkdtemp(prefix="youthlab-flash-role-"))
    accounts = data / "accounts.yaml"
    accounts.write_text(ACCOUNTS, encoding="utf-8")
    os.chmod(data, 0o755)
    running = start_hub(data, {"YOUTHLAB_ACCOUNTS": str(accounts)})
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(data, ignore_errors=True)


def _kernel_run(hub, user: str) -> str:
    s = hub.login(user)
    r = s.post(f"{hub.url}hub/api/users/{user}/server", timeout=60)
    assert r.status_code in (201, 202, 400, 500), r.text
    hub.wait_ready(s, user)
    base = f"{hub.url}user/{user}/"
    s.get(f"{base}lab", timeout=30)
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path=f"/user/{user}/") or s.headers["X-XSRFToken"]
    kernel = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60).json()
    return run_code(base, s, kernel["id"], KERNEL_CODE, timeout=120)


def test_student_refused_mentor_allowed(hub):
    student = _kernel_run(hub, "student1")
    assert "RESULT refused flash.refused 0" in student, student
    assert "club mentors" in student and "멘토" in student

    mentor = _kernel_run(hub, "student2")
    assert "RESULT flashed True" in mentor, mentor


def test_hub_lists_the_mentor_role(hub):
    s = hub.login("operator")
    group = s.get(f"{hub.url}hub/api/groups/club-mentors", timeout=10)
    assert group.ok and group.json()["users"] == ["student2"]
    assert requests.get(f"{hub.url}hub/api/groups/club-mentors", timeout=10).status_code in (401, 403)
