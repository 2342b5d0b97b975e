"""The flight service: the only process that flies a real drone.

`youthlab drone service` runs as its own process (here standalone, with a token) in
front of a Tello emulator on loopback UDP; students send programs over HTTP. Whatever
the request says, a program flies only after the service's own simulator run, under
the service's own safety layer, one flight at a time, and the stop button always works.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port, kill_tree
from tests.drone.test_board import SQUARE

GOOD = """from drone import Drone
d = Drone()
d.takeoff()
d.move(forward=100)
d.rotate(90)
d.land()
print("square side done")
"""
FENCE = """from drone import Drone
d = Drone()
d.takeoff()
d.move(forward=500)
d.move(forward=500)
d.land()
"""
LONG = """from drone import Drone
d = Drone()
d.takeoff()
d.hover(60)
d.land()
"""
TOKEN = "flight-test-token"


@pytest.fixture
def sandbox_prefix():
    """A random system-user prefix for the service's sandbox user; removed afterwards."""
    import secrets

    from youthlab.sandbox import remove_user

    prefix = f"ylt{secrets.token_hex(2)}-"
    yield prefix
    remove_user(prefix + "flightbox")


@pytest.fixture
def service(emulator, tmp_path, sandbox_prefix):
    """`youthlab drone service` flying the emulator; yields (url, emulator, data folder)."""
    emu = emulator()
    port = free_port()
    env = dict(os.environ, YOUTHLAB_FLIGHT_TOKEN=TOKEN, YOUTHLAB_DATA_DIR=str(tmp_path / "service-data"),
               YOUTHLAB_TEACHER_PIN="43218765", YOUTHLAB_LANG="en", YOUTHLAB_SYSTEM_USER_PREFIX=sandbox_prefix)
    env.pop("YOUTHLAB_FLIGHT_URL", None)
    with open(tmp_path / "service.log", "a") as log:  # a file: a pipe nobody reads would fill up
        proc = subprocess.Popen([str(Path(sys.executable).parent / "youthlab"), "drone", "service",
                                 "--port", str(port), "--drone", emu.address[0], "--tello-port", str(emu.address[1]),
                                 "--state-port", str(emu.state_port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "api/status", timeout=1)
            break
        except requests.RequestException:
            assert proc.poll() is None, (tmp_path / "service.log").read_text()
            time.sleep(0.1)
    yield url, emu, tmp_path / "service-data" / "flight-service"
    kill_tree(proc.pid)


def post(url: str, path: str, body: dict | None = None, token: str = TOKEN, pilot: str = "student1",
         timeout: float = 120) -> requests.Response:
    return requests.post(url + path, json=body or {}, timeout=timeout,
                         headers={"Authorization": f"token {token}", "X-YouthLab-Pilot": pilot})


def motion_commands(emu) -> list[str]:
    return [c for c in emu.received if c.split()[0] in ("takeoff", "forward", "cw", "land", "go")]


def test_unsafe_program_is_refused_by_the_services_own_simulator_and_never_reaches_the_drone(service):
    url, emu, folder = service
    # What the student's machine claims (a pass, a clearance) counts for nothing.
    r = post(url, "api/flights", {"source": FENCE, "sim_pass": True, "clearance": {"program": "x", "mac": "y"}})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["flown"] is False and answer["error"] == "drone.simulate_first"
    assert "simulator first" in answer["message"]["en"] and answer["message"]["ko"]
    assert "refused_fence" in [e["kind"] for e in answer["simulation"]["events"]]
    assert motion_commands(emu) == []  # the drone never heard a takeoff
    log = [json.loads(line) for line in (folder / "pilots.jsonl").read_text().splitlines()]
    assert log[-1]["event"] == "refused" and log[-1]["pilot"] == "student1"


def test_a_program_that_passes_flies_the_drone_with_the_same_commands(service):
    url, emu, folder = service
    r = post(url, "api/flights", {"source": GOOD})
    answer = r.json()
    assert r.status_code == 200 and answer["flown"] is True, answer
    assert answer["simulation"]["sim_pass"] is True
    flight = answer["flight"]
    assert flight["backend"] == "tello" and flight["events"] == [] and flight["returncode"] == 0
    assert "square side done" in "\n".join(flight["output"])
    assert motion_commands(emu) == ["takeoff", "forward 100", "cw 90", "land"]
    log = [json.loads(line) for line in (folder / "pilots.jsonl").read_text().splitlines()]
    assert log[-1]["event"] == "flown" and log[-1]["pilot"] == "student1" and log[-1]["backend"] == "tello"


def test_teacher_override_skips_the_simulator_but_not_the_geofence(service):
    url, emu, _ = service
    r = post(url, "api/flights", {"source": FENCE, "teacher_pin": "0000"})
    assert r.status_code == 403 and "PIN" in r.json()["message"]["en"]
    assert motion_commands(emu) == []

    answer = post(url, "api/flights", {"source": FENCE, "teacher_pin": "43218765"}).json()
    assert answer["flown"] is True and answer["override"] is True and answer["simulation"] is None
    events = answer["flight"]["events"]
    assert events[0]["kind"] == "refused_fence"  # the service's safety layer said no
    assert all(e["ko"] and e["en"] for e in events)
    assert motion_commands(emu) == ["takeoff", "land"]  # the 500 cm leg past the fence never went out


def test_emergency_stop_works_while_a_flight_runs_and_one_flight_at_a_time(service):
    url, emu, _ = service
    answers = {}
    flight = threading.Thread(target=lambda: answers.update(first=post(url, "api/flights", {"source": LONG})))
    flight.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "takeoff" not in emu.received:
        time.sleep(0.1)
    assert "takeoff" in emu.received
    status = requests.get(url + "api/status", headers={"Authorization": f"token {TOKEN}"}, timeout=10).json()
    assert status["busy"] and status["pilot"] == "student1"

    second = post(url, "api/flights", {"source": GOOD}, pilot="student2")
    assert second.status_code == 409 and "student1" in second.json()["message"]["en"]

    stop = post(url, "api/emergency", pilot="teacher")
    assert stop.status_code == 200 and stop.json() == {"stopped": True, "flying": True, "pilot": "student1"}
    flight.join(timeout=60)
    answer = answers["first"].json()
    assert answer["flown"] is True
    assert "emergency" in [e["kind"] for e in answer["flight"]["events"]]
    assert "emergency" in emu.received and "land" not in emu.received
    assert answer["flight"]["final"]["t"] < 30  # the 60 s hover was cut short


def test_no_token_no_flight(service):
    url, emu, _ = service
    for token in ("", "wrong"):
        r = post(url, "api/flights", {"source": GOOD}, token=token)
        assert r.status_code == 403 and "token" in r.json()["message"]["en"]
    r = requests.post(url + "api/emergency", timeout=10)
    assert r.status_code == 403
    assert motion_commands(emu) == []


def test_broken_requests_get_clear_answers(service):
    url, _, _ = service
    r = requests.post(url + "api/flights", data=b"not json", timeout=10, headers={"Authorization": f"token {TOKEN}"})
    assert r.status_code == 400 and r.json()["message"]["ko"]
    r = post(url, "api/flights", {"source": GOOD, "mission": "moon"})
    assert r.status_code == 400 and "moon" in r.json()["message"]["en"]
    r = post(url, "api/flights", {"source": ""})
    assert r.status_code == 400


def test_cli_sends_programs_and_the_stop_button_to_the_service(service, tmp_path):
    url, emu, _ = service
    env = dict(os.environ, YOUTHLAB_FLIGHT_TOKEN=TOKEN, YOUTHLAB_FLIGHT_URL=url)
    youthlab = str(Path(sys.executable).parent / "youthlab")
    good, fence = tmp_path / "good.py", tmp_path / "fence.py"
    good.write_text(GOOD)
    fence.write_text(FENCE)
    r = subprocess.run([youthlab, "--lang", "en", "drone", "fly", str(fence), "--backend", "tello"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "simulator first" in r.stdout and "Traceback" not in r.stderr
    r = subprocess.run([youthlab, "--lang", "ko", "drone", "fly", str(good), "--backend", "tello"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "진짜 드론 비행이 끝났어요" in r.stdout and "square side done" in r.stdout
    r = subprocess.run([youthlab, "--lang", "en", "drone", "stop"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "emergency stop" in r.stdout.lower()
    assert emu.received[-1] == "emergency"


def test_unreachable_service_is_a_clear_error(tmp_path):
    prog = tmp_path / "good.py"
    prog.write_text(GOOD)
    env = dict(os.environ, YOUTHLAB_FLIGHT_URL=f"http://127.0.0.1:{free_port()}/", YOUTHLAB_FLIGHT_TOKEN="x")
    r = subprocess.run([str(Path(sys.executable).parent / "youthlab"), "--lang", "en", "drone", "fly", str(prog),
                        "--backend", "tello"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "Cannot reach the flight service" in r.stderr + r.stdout
    assert "Traceback" not in r.stderr


def test_a_student_server_cannot_open_the_drone_link_itself(monkeypatch, emulator):
    from youthlab.drone import Drone
    from youthlab.drone.backends.tello import TelloBackend
    from youthlab.drone.errors import RealFlightsViaService

    emu = emulator()
    monkeypatch.setenv("YOUTHLAB_FLIGHT_URL", "http://127.0.0.1:9/services/flight/")
    with pytest.raises(RealFlightsViaService) as info:
        Drone(TelloBackend(*emu.address, state_port=emu.state_port), clearance=None)
    assert "flight service" in info.value.message("en")
    assert emu.received == []



@pytest.mark.skipif(__import__("shutil").which("socat") is None, reason="needs socat")
def test_a_board_program_flies_the_drone_through_the_service(service, tmp_path):
    """MicroPython behind a pty (a USB board) + `youthlab drone serve --backend tello` in
    the student's server: the service checks the program in MicroPython, then flies the
    board's commands one by one under its own safety layer."""
    import shutil

    from youthlab.drone.program import library_path

    url, emu, folder = service
    shutil.copy(library_path(), tmp_path / "drone.py")
    (tmp_path / "main.py").write_text(SQUARE)
    mpy = shutil.which("micropython") or str(Path(sys.executable).with_name("micropython"))
    link = tmp_path / "board0"
    board = subprocess.Popen(["socat", f"PTY,link={link},raw,echo=0",
                              f"SYSTEM:sleep 1; exec {mpy} main.py,pty,stderr,raw,echo=0"], cwd=tmp_path)
    env = dict(os.environ, YOUTHLAB_FLIGHT_TOKEN=TOKEN, YOUTHLAB_FLIGHT_URL=url)
    try:
        deadline = time.time() + 5
        while not link.exists() and time.time() < deadline:
            time.sleep(0.05)
        out = subprocess.run([str(Path(sys.executable).with_name("youthlab")), "--lang", "en", "drone", "serve",
                              "--port", str(link), "--backend", "tello", "--program", str(tmp_path / "main.py")],
                             capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "home (" in out.stdout and "0 safety event" in out.stdout
    finally:
        kill_tree(board.pid)
    assert motion_commands(emu) == ["takeoff"] + ["forward 100", "cw 90"] * 4 + ["land"]
    log = [json.loads(line) for line in (folder / "pilots.jsonl").read_text().splitlines()]
    assert log[-1]["event"] == "flown" and log[-1]["backend"] == "tello"


def test_a_session_needs_a_program_that_passes_or_the_teachers_pin(service, monkeypatch):
    from youthlab.drone import flight_client

    url, emu, _ = service
    monkeypatch.setenv("YOUTHLAB_FLIGHT_TOKEN", TOKEN)
    with pytest.raises(flight_client.FlightServiceRefused) as refused:
        flight_client.open_session(FENCE, url=url)
    assert "simulator first" in refused.value.message("en")
    assert "refused_fence" in [e["kind"] for e in refused.value.answer["simulation"]["events"]]
    with pytest.raises(flight_client.FlightServiceRefused):
        flight_client.open_session(None, url=url)  # no program, no PIN
    assert motion_commands(emu) == []


def test_a_notebook_flies_cell_by_cell_through_the_service_and_the_fence_still_holds(service, monkeypatch):
    from youthlab.drone import flight_client

    url, emu, _ = service
    monkeypatch.setenv("YOUTHLAB_FLIGHT_TOKEN", TOKEN)
    drone = flight_client.RemoteDrone(teacher_pin="43218765", url=url)
    drone.takeoff()
    drone.move(forward=100)
    with pytest.raises(flight_client.FlightServiceRefused) as refused:
        drone.move(forward=500)  # past the fence
    assert "fence" in refused.value.message("en")
    assert drone.battery > 0 and drone.flying is True
    # Without the session's secret nobody can steer it, whatever name they claim.
    other = requests.post(url + f"api/sessions/{drone._session.session}", json={"drone": "land"}, timeout=10,
                          headers={"Authorization": f"token {TOKEN}", "X-YouthLab-Pilot": "student1"})
    assert other.status_code == 403
    record = drone.close()  # lands and gives the drone back
    assert [e["kind"] for e in record["events"]][0] == "refused_fence"
    assert motion_commands(emu) == ["takeoff", "forward 100", "land"]
    assert requests.get(url + "api/status", headers={"Authorization": f"token {TOKEN}"}, timeout=10).json() == \
        {"busy": False}


def test_an_abandoned_session_lands_the_drone_and_frees_it(emulator, tmp_path):
    """A board unplugged mid-flight sends nothing more: the service lands and moves on."""
    from youthlab.drone.desk import FlightDesk
    from youthlab.drone.service import tello_factory

    emu = emulator()
    desk = FlightDesk(tello_factory(*emu.address, emu.state_port), folder=tmp_path / "svc",
                      teacher_pin="43218765", session_idle_s=1.0)
    opened = desk.open_session("student1", teacher_pin="43218765")
    session, secret = opened["session"], opened["secret"]
    assert desk.session_command(session, secret, "student1", {"drone": "takeoff"})["ok"]
    # a command longer than the idle limit (a 3 s hover, idle limit 1 s) is not "idle"
    assert desk.session_command(session, secret, "student1", {"drone": "hover", "args": [3]})["ok"]
    assert desk.session_command(session, secret, "student1", {"drone": "move", "kw": {"forward": 50}})["ok"]
    deadline = time.monotonic() + 20
    while desk.status()["busy"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert desk.status() == {"busy": False}
    assert motion_commands(emu) == ["takeoff", "forward 50", "land"] and not emu.sim.flying
    from youthlab.drone.desk import WrongSession

    with pytest.raises(WrongSession):
        desk.session_command(session, secret, "student1", {"drone": "takeoff"})  # that session is over
