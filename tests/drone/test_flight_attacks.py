"""The flight service trusts nothing a student sends (issue 13, "Flight service").

Each test replays an attack that worked before, the way a curious student did it: a real
`youthlab drone service` process (standalone, station mode: one shared token) in front of
a Tello emulator on loopback UDP, requests over HTTP. As root the programs run as a real
sandbox system user (random prefix, removed afterwards). The last test prints
``attacks refused N of N``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import ROOT, free_port, kill_tree
from tests.drone.test_flight_service import GOOD, TOKEN, motion_commands

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")
PIN = "90817263"
SECRETS = {"YOUTHLAB_TEACHER_PIN": PIN, "YOUTHLAB_KIOSK_PIN": "kiosk-secret-5521",
           "JUPYTERHUB_API_TOKEN": "hub-token-secret-8d7f", "YOUTHLAB_PRINTER_KEY": "printer-key-secret-31aa"}
ATTACKS = ["environment", "root identity", "drone over UDP", "detached child", "pin brute force",
           "malformed pin", "weak pin", "stop button delayed", "stop during simulation",
           "emulator after stop", "output flood", "session hijack", "log injection", "endless session",
           "endless program"]
REFUSED: dict[str, bool] = {}


class Service:
    def __init__(self, url: str, emu, folder: Path, proc: subprocess.Popen, prefix: str) -> None:
        self.url, self.emu, self.folder, self.proc, self.prefix = url, emu, folder, proc, prefix

    def post(self, path: str, body=None, pilot: str = "student1", headers: dict | None = None,
             timeout: float = 120, **kw) -> requests.Response:
        h = {"Authorization": f"token {TOKEN}", "X-YouthLab-Pilot": pilot, **(headers or {})}
        if body is not None:
            kw["json"] = body
        return requests.post(self.url + path, headers=h, timeout=timeout, **kw)

    def log(self) -> list[dict]:
        return [json.loads(line) for line in (self.folder / "pilots.jsonl").read_text().splitlines()]


def start_service(emu, data: Path, prefix: str, env_extra: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "YOUTHLAB_FLIGHT_TOKEN": TOKEN, "YOUTHLAB_DATA_DIR": str(data), "YOUTHLAB_LANG": "en",
           "YOUTHLAB_SYSTEM_USER_PREFIX": prefix, **SECRETS, **(env_extra or {})}
    env.pop("YOUTHLAB_FLIGHT_URL", None)
    data.mkdir(parents=True, exist_ok=True)
    # to a file, not a pipe nobody reads (20 busy clients fill a pipe with log lines)
    with open(data.parent / f"{data.name}-service.log", "a") as log:
        proc = subprocess.Popen([YOUTHLAB, "drone", "service", "--port", str(port), "--drone", emu.address[0],
                                 "--tello-port", str(emu.address[1]), "--state-port", str(emu.state_port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    proc.log_path = data.parent / f"{data.name}-service.log"
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "api/status", timeout=1)
            return proc, url
        except requests.RequestException:
            if proc.poll() is not None:
                return proc, url
            time.sleep(0.1)
    raise AssertionError("flight service did not start")


@pytest.fixture
def prefix():
    from youthlab.sandbox import remove_user

    value = f"ylt{secrets.token_hex(2)}-"
    yield value
    remove_user(value + "flightbox")


@pytest.fixture
def svc(emulator, tmp_path, prefix):
    emu = emulator()
    proc, url = start_service(emu, tmp_path / "svc-data", prefix)
    assert proc.poll() is None, proc.log_path.read_text()
    yield Service(url, emu, tmp_path / "svc-data" / "flight-service", proc, prefix)
    kill_tree(proc.pid)


def sandbox_uid(prefix: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(prefix + "flightbox").pw_uid
    except KeyError:
        return None


SPY = """import os, json
from drone import Drone
found = {{k: v for k, v in os.environ.items()}}
for pid in ("1", str(os.getppid())):
    try:
        found["proc" + pid] = open("/proc/%s/environ" % pid).read()
    except OSError as e:
        found["proc" + pid] = "refused " + type(e).__name__
for path in ({pinfile!r}, "/etc/shadow"):
    try:
        found[path] = open(path).read()
    except OSError as e:
        found[path] = "refused " + type(e).__name__
print("SPY", json.dumps(found))
print("UID", os.getuid())
try:
    import socket  # (without the runtime mirror the sandbox user cannot even import it)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for cmd in (b"command", b"takeoff", b"up 37", b"land"):
        s.sendto(cmd, ({host!r}, {port}))
    print("UDP sent")
except (OSError, ImportError) as e:
    print("UDP refused", type(e).__name__)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(120)
    os._exit(0)
d = Drone()
d.takeoff()
d.land()
"""


def test_a_program_sees_no_secret_reaches_no_drone_and_leaves_nothing_behind(svc):
    pinfile = str(svc.folder / "teacher-pin")
    source = SPY.format(pinfile=pinfile, host=svc.emu.address[0], port=svc.emu.address[1])
    r = svc.post("api/flights", {"source": source})
    assert r.status_code == 200, r.text
    answer = r.json()
    text = r.text
    for name, secret in [*SECRETS.items(), ("YOUTHLAB_FLIGHT_TOKEN", TOKEN)]:
        assert secret not in text, f"{name} leaked to the program"
    sim_out = "\n".join(answer["simulation"]["output"])
    spy = json.loads(sim_out.split("SPY ", 1)[1].split("\n", 1)[0])
    assert not [k for k in spy if k.startswith(("YOUTHLAB", "JUPYTERHUB"))], spy.keys()
    REFUSED["environment"] = True

    if os.geteuid() == 0:
        assert "UID 0" not in sim_out and f"UID {sandbox_uid(svc.prefix)}" in sim_out
        assert spy["/etc/shadow"].startswith("refused")
        assert spy[f"proc{svc.proc.pid}"].startswith("refused")  # the service's own environment
    REFUSED["root identity"] = os.geteuid() != 0 or spy["/etc/shadow"].startswith("refused")

    # neither in the simulator phase nor during the real flight did its UDP reach the drone
    assert "UDP refused" in sim_out and "up 37" not in svc.emu.received
    assert motion_commands(svc.emu) == ["takeoff", "land"]  # the service's own commands only
    REFUSED["drone over UDP"] = True

    # the detached grandchild (setsid, sleeping 120 s) did not outlive either run
    uid = sandbox_uid(svc.prefix)
    leftovers = [p for p in psutil.process_iter(["uids", "status", "cmdline"])
                 if p.info["status"] != psutil.STATUS_ZOMBIE
                 and (uid is not None and p.info["uids"].real == uid
                      or "main.py" in " ".join(p.info["cmdline"] or []) and p.ppid() in (1, svc.proc.pid))]
    assert leftovers == []
    REFUSED["detached child"] = True


def test_the_teacher_pin_is_locked_out_after_a_few_guesses_and_failures_are_logged(svc):
    tries, locked_at = 0, None
    for guess in range(10000):
        r = svc.post("api/flights", {"source": GOOD, "teacher_pin": f"{guess:04d}"})
        tries += 1
        if r.status_code == 429:
            locked_at = tries
            assert int(r.headers["Retry-After"]) > 0 and r.json()["message"]["ko"]
            break
        assert r.status_code == 403
    assert locked_at is not None and locked_at <= 6, locked_at
    # locked out: even the right PIN is not checked now
    assert svc.post("api/flights", {"source": GOOD, "teacher_pin": PIN}).status_code == 429
    assert motion_commands(svc.emu) == []
    failures = [e for e in svc.log() if e["event"] == "secret_failed"]
    assert len(failures) == 5 and failures[-1]["locked_out"] is True
    assert failures[0]["client"] == "127.0.0.1" and failures[0]["pilot"] == "student1"
    REFUSED["pin brute force"] = True


def test_under_the_hub_the_lockout_is_per_user(emulator, tmp_path):
    from youthlab.drone.secrets_guard import TooManyTries
    from youthlab.drone.desk import Caller, FlightDesk, WrongTeacherPin
    from youthlab.drone.service import tello_factory

    emu = emulator()
    desk = FlightDesk(tello_factory(*emu.address, emu.state_port), folder=tmp_path / "svc", teacher_pin=PIN)
    student = Caller("student1", verified=True, client="127.0.0.1")
    for guess in range(5):
        with pytest.raises(WrongTeacherPin):
            desk.open_session(student, teacher_pin=f"{guess:04d}")
    with pytest.raises(TooManyTries):
        desk.open_session(student, teacher_pin=PIN)
    # the teacher, from the same address (every server talks to the service over loopback)
    opened = desk.open_session(Caller("teacher", verified=True, client="127.0.0.1"), teacher_pin=PIN)
    assert opened["override"] is True
    desk.close_session(opened["session"], opened["secret"], Caller("teacher", True, "127.0.0.1"))
    log = [json.loads(line) for line in (tmp_path / "svc" / "pilots.jsonl").read_text().splitlines()]
    assert [e["pilot"] for e in log if e["event"] == "secret_failed"] == ["student1"] * 5


def test_a_pin_of_the_wrong_type_is_a_400_not_a_500(svc):
    for bad in (["1234"], 1234, {"pin": 1}, "한글비밀번호", "x" * 10000):
        r = svc.post("api/flights", {"source": GOOD, "teacher_pin": bad})
        assert r.status_code in (400, 429), (bad, r.status_code, r.text)
        assert r.json()["message"]["en"]
    REFUSED["malformed pin"] = True


def test_an_unknown_path_or_method_is_a_ko_en_json_refusal_not_an_html_page(svc):
    """A client that guesses (an old URL, a wrong verb, a body over the limit) reads words it can show."""
    auth = {"Authorization": f"token {TOKEN}"}
    answers = [requests.get(svc.url + "api/nothing", headers=auth, timeout=30),
               requests.delete(svc.url + "api/flights", headers=auth, timeout=30),
               requests.put(svc.url + "api/status", headers=auth, timeout=30)]
    assert [r.status_code for r in answers] == [404, 405, 405]
    for r in answers:
        assert r.headers["Content-Type"].startswith("application/json"), r.text[:200]
        body = r.json()
        assert "Traceback" not in r.text and body["message"]["en"] and body["message"]["ko"] != body["message"]["en"]


def test_a_weak_pin_is_refused_and_an_unset_one_is_generated_once(emulator, tmp_path, prefix):
    emu = emulator()
    proc, _ = start_service(emu, tmp_path / "weak", prefix, {"YOUTHLAB_TEACHER_PIN": "1234"})
    try:
        proc.wait(timeout=60)
    finally:
        kill_tree(proc.pid)
    out = proc.log_path.read_text()
    assert proc.returncode != 0 and "at least 8" in out and "Traceback" not in out, out
    REFUSED["weak pin"] = True

    data = tmp_path / "gen"
    proc, url = start_service(emu, data, prefix, {"YOUTHLAB_TEACHER_PIN": ""})
    try:
        pinfile = data / "flight-service" / "teacher-pin"
        pin = pinfile.read_text().strip()
        assert len(pin) >= 10 and pin.isdigit() and (pinfile.stat().st_mode & 0o777) == 0o600
        r = requests.post(url + "api/flights", json={"source": GOOD, "teacher_pin": pin}, timeout=120,
                          headers={"Authorization": f"token {TOKEN}"})
        assert r.json()["override"] is True
    finally:
        kill_tree(proc.pid)
    assert f"Made a new teacher PIN: {pin}" in proc.log_path.read_text()
    proc.log_path.unlink()
    proc, _ = start_service(emu, data, prefix, {"YOUTHLAB_TEACHER_PIN": ""})
    kill_tree(proc.pid)
    assert pin not in proc.log_path.read_text() and pinfile.read_text().strip() == pin  # shown once


LOAD = """
import sys, os, threading, requests
url, sid, secret, token, stop_file = sys.argv[1:]
count = [0]
def hammer(kind):
    s = requests.Session()
    while not os.path.exists(stop_file):
        try:
            if kind % 2:  # the session's owner: hovers, one after the other, from 10 threads
                s.post(url + "api/sessions/" + sid, json={"drone": "hover", "args": [15]}, timeout=60,
                       headers={"Authorization": "token " + token, "X-YouthLab-Session-Secret": secret})
            else:  # everyone else: whole flights, refused while the drone is busy
                s.post(url + "api/flights", json={"source": "from drone import Drone"}, timeout=60,
                       headers={"Authorization": "token " + token, "X-YouthLab-Pilot": "student%d" % kind})
            count[0] += 1
        except requests.RequestException:
            pass
threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(20)]
for th in threads:
    th.start()
for th in threads:
    th.join(timeout=60)
print(count[0])
"""


@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_the_stop_button_wins_over_20_busy_clients(svc):
    opened = svc.post("api/sessions", {"teacher_pin": PIN, "interpreter": "python"}).json()
    sid, auth = opened["session"], {"X-YouthLab-Session-Secret": opened["secret"]}
    assert svc.post(f"api/sessions/{sid}", {"drone": "takeoff"}, headers=auth).json()["ok"]
    started = time.perf_counter()
    assert svc.post("api/status", timeout=10).status_code == 405  # warm the connection path
    idle_ms = (time.perf_counter() - started) * 1000
    # the 20 busy clients are other students' servers: another process, not the teacher's
    stop_file = svc.folder.parent / "stop-load"
    load = subprocess.Popen([sys.executable, "-c", LOAD, svc.url, sid, opened["secret"], TOKEN, str(stop_file)],
                            stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(3.0)  # a hover is running, the others are knocking
        presses = []
        for _ in range(5):
            started = time.perf_counter()
            r = svc.post("api/emergency", pilot="teacher", timeout=10)
            presses.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200 and r.json()["flying"] is True
            time.sleep(0.3)
    finally:
        stop_file.touch()
        requests_sent = load.communicate(timeout=60)[0].strip()
    first, median = presses[0], sorted(presses)[len(presses) // 2]
    print(f"\nemergency answered in {first:.0f} ms (first press), median {median:.0f} ms, max "
          f"{max(presses):.0f} ms of 5, with 20 busy clients ({requests_sent} requests; "
          f"an idle request took {idle_ms:.0f} ms; load average {os.getloadavg()[0]:.1f})")
    # target 100 ms (the median of 5 presses); no press may take a second (it took 29 s)
    assert median < 100 and max(presses) < 1000, presses
    assert svc.emu.received.count("emergency") >= 1 and not svc.emu.sim.flying
    REFUSED["stop button delayed"] = True

    # the emulator (like a Tello back on its feet) flies again after the stop
    closed = requests.delete(svc.url + f"api/sessions/{sid}", timeout=30,
                             headers={"Authorization": f"token {TOKEN}", **auth})
    assert closed.status_code == 200 and "emergency" in [e["kind"] for e in closed.json()["flight"]["events"]]
    again = svc.post("api/flights", {"source": GOOD}).json()
    assert again["flown"] is True and again["flight"]["events"] == [], again
    assert svc.emu.received[-4:] == ["takeoff", "forward 100", "cw 90", "land"]
    REFUSED["emulator after stop"] = True


ENDLESS = """from drone import Drone
d = Drone()
print("looping")
while True:
    pass
"""


def test_the_stop_button_ends_a_running_simulation(svc):
    answers = {}
    th = threading.Thread(target=lambda: answers.update(r=svc.post("api/flights", {"source": ENDLESS})))
    th.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = requests.get(svc.url + "api/status", headers={"Authorization": f"token {TOKEN}"}, timeout=10).json()
        if status.get("phase") == "simulating" and status.get("seconds", 0) > 1:
            break
        time.sleep(0.1)
    started = time.monotonic()
    svc.post("api/emergency", pilot="teacher", timeout=10)
    th.join(timeout=30)
    assert time.monotonic() - started < 10
    answer = answers["r"].json()
    assert answer["flown"] is False and answer["error"] == "drone.emergency_stopped", answer
    assert answer["simulation"]["stopped"] is True
    assert motion_commands(svc.emu) == []
    assert requests.get(svc.url + "api/status", headers={"Authorization": f"token {TOKEN}"},
                        timeout=10).json() == {"busy": False}
    REFUSED["stop during simulation"] = True


FLOOD = """from drone import Drone
import sys
for i in range(10000):
    sys.stdout.write("x" * 1000 + "\\n")
sys.stderr.write("e" * 2000000)
d = Drone()
d.takeoff()
d.land()
"""


def test_a_10_mb_output_comes_back_capped(svc):
    r = svc.post("api/flights", {"source": FLOOD})
    assert r.status_code == 200
    assert len(r.content) < 600_000, len(r.content)
    sim = r.json()["simulation"]
    assert sim["output_dropped"] > 9_000_000 and "output too long" in sim["output"][-1]
    assert len(sim["stderr"]) <= 64_000
    # nor does the service take a 20 MB request into memory
    try:
        big = svc.post("api/flights", data=b"{" + b" " * 20_000_000 + b"}", timeout=60)
        assert big.status_code in (400, 413)
    except requests.ConnectionError:
        pass  # tornado hangs up on a body over its limit
    assert requests.get(svc.url + "api/status", headers={"Authorization": f"token {TOKEN}"}, timeout=10).ok
    REFUSED["output flood"] = True


def test_in_station_mode_a_claimed_name_steers_no_one_elses_session_nor_forges_log_lines(svc):
    opened = svc.post("api/sessions", {"teacher_pin": PIN}, pilot="student1").json()
    sid = opened["session"]
    # student2 knows the session id (it is in URLs and logs) and claims to be student1
    for method in ("POST", "DELETE"):
        r = requests.request(method, svc.url + f"api/sessions/{sid}", json={"drone": "takeoff"}, timeout=30,
                             headers={"Authorization": f"token {TOKEN}", "X-YouthLab-Pilot": "student1",
                                      "X-YouthLab-Session-Secret": "guessed"})
        assert r.status_code == 403 and r.json()["error"] == "drone.service.wrong_session"
    assert motion_commands(svc.emu) == []
    auth = {"X-YouthLab-Session-Secret": opened["secret"]}
    assert svc.post(f"api/sessions/{sid}", {"drone": "takeoff"}, headers=auth).json()["ok"]
    assert requests.delete(svc.url + f"api/sessions/{sid}", timeout=60,
                           headers={"Authorization": f"token {TOKEN}", **auth}).status_code == 200
    REFUSED["session hijack"] = True

    # a header cannot carry a newline, but quotes, a claimed identity and length it can
    forged = 'teacher", "verified": true, "x": "' + "A" * 200
    svc.post("api/flights", {"source": GOOD}, pilot=forged)
    lines = (svc.folder / "pilots.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one whole entry
    assert all(e.get("pilot") != "teacher" for e in entries)
    last = entries[-1]
    assert last["verified"] is False and '"' not in last["pilot"] and len(last["pilot"]) <= 32
    assert (svc.folder / "pilots.jsonl").stat().st_mode & 0o777 == 0o600
    REFUSED["log injection"] = True


def test_sessions_and_programs_have_a_maximum_length(emulator, tmp_path):
    from youthlab.drone.program import run_program
    from youthlab.drone.desk import FlightDesk, WrongSession
    from youthlab.drone.service import tello_factory

    emu = emulator()
    desk = FlightDesk(tello_factory(*emu.address, emu.state_port), folder=tmp_path / "svc",
                      teacher_pin=PIN, session_idle_s=30.0, session_max_s=3.0)
    opened = desk.open_session("student1", teacher_pin=PIN)
    session, secret = opened["session"], opened["secret"]
    assert desk.session_command(session, secret, "student1", {"drone": "takeoff"})["ok"]
    started = time.monotonic()
    with pytest.raises(WrongSession):
        while time.monotonic() - started < 20:  # a pilot who never stops sending commands
            desk.session_command(session, secret, "student1", {"drone": "hover", "args": [0.5]})
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 20
    while desk.status()["busy"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert desk.status() == {"busy": False} and not emu.sim.flying and emu.received[-1] == "land"
    assert any(json.loads(line)["event"] == "session_max" for line in
               (tmp_path / "svc" / "pilots.jsonl").read_text().splitlines())
    REFUSED["endless session"] = True

    started = time.monotonic()
    record = run_program(ENDLESS, "sim", timeout_s=2.0)
    assert record["timed_out"] is True and record["sim_pass"] is False
    assert time.monotonic() - started < 10
    REFUSED["endless program"] = True


def test_attacks_refused_n_of_n(capsys):
    refused = sum(1 for name in ATTACKS if REFUSED.get(name))
    with capsys.disabled():
        print(f"\nattacks refused {refused} of {len(ATTACKS)}")
        missing = [name for name in ATTACKS if not REFUSED.get(name)]
        if missing:
            print("not refused (or not run):", ", ".join(missing))
    assert refused == len(ATTACKS)
