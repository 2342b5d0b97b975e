"""Issue 15: a drone backend is one file plus one entry-point line (``youthlab.drone_backends``).

The example below is a whole backend a centre could ship: a "paper drone" that keeps its
position by dead reckoning. It is installed the way pip installs any package — a module
and a ``*.dist-info`` folder with ``entry_points.txt`` on ``sys.path`` — and then the
Drone API, the safety layer and ``youthlab drone fly --backend paper`` all use it without
a change in youthlab.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.core.plugins import installed_plugin
from youthlab.drone import Drone, SafetyError
from youthlab.drone.backends import UnknownBackend, backend_names, make_backend
from youthlab.drone.safety import Limits
from youthlab.i18n import use_language

PAPER_DRONE = '''
"""A paper drone: flies in its head (dead reckoning), for a centre without a simulator."""
import math

from youthlab.drone import sdk
from youthlab.drone.backends.base import FlightBackend, Telemetry


class PaperDrone(FlightBackend):
    name = "paper"

    def __init__(self, **options):
        self.tel = Telemetry()
        self.heard = []

    def send(self, command):
        parsed = sdk.parse(command)
        if isinstance(parsed, str):
            return parsed
        self.heard.append(parsed.text())
        t, a = self.tel, parsed.args
        if parsed.name == "takeoff":
            t.flying, t.z = True, 80.0
        elif parsed.name == "land":
            t.flying, t.z = False, 0.0
        elif parsed.name in ("cw", "ccw"):
            t.yaw += a[0] if parsed.name == "cw" else -a[0]
        elif parsed.name in sdk.MOVES:
            fwd, left, up = {"forward": (a[0], 0, 0), "back": (-a[0], 0, 0), "left": (0, a[0], 0),
                             "right": (0, -a[0], 0), "up": (0, 0, a[0]), "down": (0, 0, -a[0])}[parsed.name]
            psi = math.radians(-t.yaw)
            t.x += fwd * math.cos(psi) - left * math.sin(psi)
            t.y += fwd * math.sin(psi) + left * math.cos(psi)
            t.z += up
        t.t += 1.0
        return sdk.OK

    def telemetry(self):
        return self.tel

    def wait(self, seconds):
        self.tel.t += seconds

    def emergency(self):
        self.tel.flying, self.tel.z = False, 0.0
'''


@pytest.fixture
def paper_drone_installed(tmp_path, monkeypatch):
    """One file + one entry-point line, installed as pip would (a dist-info folder)."""
    yield from installed_plugin(tmp_path, monkeypatch, "ylt_paper_drone", PAPER_DRONE, "youthlab.drone_backends",
                                {"paper": "ylt_paper_drone:PaperDrone", "broken": "ylt_no_such_module:Nothing"})


def test_built_in_backends_are_entry_points():
    assert {"sim", "tello"} <= set(backend_names())
    assert make_backend("sim").name == "sim"


def test_a_new_backend_is_one_file_and_one_entry_point_line(paper_drone_installed):
    assert "paper" in backend_names()
    d = Drone("paper", limits=Limits(x_max=300))
    d.takeoff()
    d.forward(100)
    d.rotate(90)  # clockwise: now facing right (-y)
    d.forward(50)
    assert d.position == (100, -50, 80)
    d.rotate(-90)
    with pytest.raises(SafetyError):  # the safety layer guards a plug-in drone too
        d.forward(250)  # x 350 > 300
    d.land()
    assert not d.flying
    d.close()


def test_the_cli_offers_and_flies_a_plugged_in_backend(paper_drone_installed, tmp_path):
    program = tmp_path / "square.py"
    program.write_text(textwrap.dedent("""
        from drone import Drone
        d = Drone()
        d.takeoff()
        for _ in range(4):
            d.forward(100)
            d.rotate(90)
        d.land()
        print("home", d.position)
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(paper_drone_installed), str(Path.cwd())]),
           "YOUTHLAB_LANG": "en"}
    run = subprocess.run([sys.executable, "-m", "youthlab.cli", "drone", "fly", str(program), "--backend", "paper"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "home (0, 0, 0)" in run.stdout and "0 safety event" in run.stdout


def test_an_unknown_or_broken_backend_fails_loudly_in_ko_and_en(paper_drone_installed):
    with pytest.raises(UnknownBackend) as unknown:
        make_backend("helicopter")
    with use_language("ko"):
        assert "'helicopter'" in unknown.value.message() and "드론 백엔드" in unknown.value.message()
    with use_language("en"):
        assert "paper" in unknown.value.message() and "sim" in unknown.value.message()
    with pytest.raises(UnknownBackend) as broken:
        make_backend("broken")
    # registered but not loading: said so (not "there is no backend called …"), with the reason
    assert broken.value.message("en").startswith("'broken' is registered under youthlab.drone_backends but does not load")
    assert "ylt_no_such_module" in broken.value.message("en") and "등록돼 있지만" in broken.value.message("ko")
