"""The flight service on the real hub: a student's kernel flies the classroom drone only
through it, as themself; the kernel cannot open the drone link on its own."""

from __future__ import annotations

import json

import pytest

from tests.conftest import free_port
from tests.drone.conftest import udp_port
from tests.drone.test_flight_service import FENCE, GOOD
from tests.hub.hubrunner import run_code, start_hub

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    running = start_hub(tmp_path_factory.mktemp("hubdata"), {
        "YOUTHLAB_FLIGHT": "on", "YOUTHLAB_FLIGHT_PORT": str(free_port()),
        "YOUTHLAB_FLIGHT_STATE_PORT": str(udp_port()), "YOUTHLAB_FLIGHT_DRONE": "emulator",
        "YOUTHLAB_TEACHER_PIN": "24681357"})
    yield running
    running.stop()


def fly_from_kernel(source: str) -> str:
    return ("import subprocess\n"
            f"open('mission.py', 'w').write({source!r})\n"
            "r = subprocess.run(['youthlab', '--lang', 'en', 'drone', 'fly', 'mission.py', '--backend', 'tello'],"
            " capture_output=True, text=True)\n"
            "print('RC', r.returncode)\nprint(r.stdout)\nprint(r.stderr)\n")


def test_student_flies_the_drone_through_the_flight_service_as_themself(hub):
    assert f"Flight service: {hub.url}services/flight/ (drone: emulator)" in "".join(hub.output)
    s = hub.login("student1")
    s.post(f"{hub.url}hub/api/users/student1/server", timeout=60)
    hub.wait_ready(s, "student1")
    base = f"{hub.url}user/student1/"
    s.get(f"{base}lab", timeout=30)
    s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", path="/user/student1/") or s.headers["X-XSRFToken"]
    kernel = s.post(f"{base}api/kernels", json={"name": "python3"}, timeout=60).json()["id"]

    out = run_code(base, s, kernel, fly_from_kernel(GOOD), timeout=120)
    assert "RC 0" in out and "The real flight is over" in out and "square side done" in out, out

    out = run_code(base, s, kernel, fly_from_kernel(FENCE), timeout=120)
    assert "RC 1" in out and "simulator first" in out and "Traceback" not in out.split("RC 1")[1].split("\n\n")[0], out

    # The teacher's PIN (the only way past the simulator check) is the service's alone.
    out = run_code(base, s, kernel, "import os\nprint('PIN', [k for k, v in os.environ.items() if '24681357' in v])")
    assert "PIN []" in out, out

    # Opening the drone link from the kernel itself is refused with a clear message.
    out = run_code(base, s, kernel, "from youthlab.drone import Drone\nDrone('tello')", timeout=60)
    assert "비행 서비스" in out and "youthlab-error" in out, out  # the kernel speaks Korean by default

    log = [json.loads(line) for line in
           (hub.data_dir / "flight-service" / "pilots.jsonl").read_text().splitlines()]
    assert [(e["pilot"], e["event"]) for e in log] == [("student1", "flown"), ("student1", "refused")]
