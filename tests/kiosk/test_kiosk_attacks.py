"""The kiosk trusts nothing a visitor sends (issue 13 "Kiosk", issue 14 "no phoning home").

Each attack is made as a visitor (or a page on another site) would make it: against the
real kiosk server on loopback, and through the real hub and its proxy where the proxy
matters. The last test prints ``kiosk attacks refused N of N``.
"""

from __future__ import annotations

import io
import re
import sqlite3
import stat
import time

import pytest
import requests
import segno

from tests.kiosk.browser import kiosk_server

pytestmark = pytest.mark.e2e

PIN = "739184"
ATTACKS = (
    "pin brute force from one device", "pin brute force rotating forged addresses",
    "pin post from another site (no page token)", "weak operator pin", "forged Host in QR code",
    "multi-line report forging a log line", "report flood", "anonymous sign-up through the hub",
    "pin brute force through the hub's proxy", "forged Host through the hub", "lab phoning home",
)
REFUSED: dict[str, bool] = {}


def _token(s: requests.Session, kiosk: str) -> str:
    """What the kiosk's own page does first: read config.json (it sets the token cookie)."""
    return s.get(f"{kiosk}kiosk/config.json", timeout=10).json()["token"]


def _exit(s: requests.Session, kiosk: str, pin: str, token: str, device: str | None = None) -> requests.Response:
    headers = {"X-YouthLab-Kiosk-Token": token}
    if device:
        headers["X-Forwarded-For"] = device
    return s.post(f"{kiosk}kiosk/exit", data={"pin": pin}, headers=headers, timeout=10)


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.1)


# --- the kiosk server alone, on loopback -------------------------------------------

def test_a_device_guessing_the_staff_pin_is_locked_out_and_logged_by_its_address(tmp_path):
    log = tmp_path / "kiosk.log"
    with kiosk_server(None, "--pool-size", "0", env={"YOUTHLAB_KIOSK_PIN": PIN}, log=log) as kiosk:
        s = requests.Session()
        token = _token(s, kiosk)
        # As the hub's proxy forwards it: the visitor's phone is 198.51.100.7.
        answers = [_exit(s, kiosk, f"{guess:06d}", token, "198.51.100.7").status_code for guess in range(5)]
        assert answers == [403] * 5
        locked = _exit(s, kiosk, PIN, token, "198.51.100.7")  # even the right PIN, now
        assert locked.status_code == 429
        assert "Locked for" in locked.json()["message"]["en"] and "잠겼어요" in locked.json()["message"]["ko"]
        assert s.get(f"{kiosk}kiosk/staff", timeout=10).status_code == 403
        # Staff at another screen are not locked out by one visitor.
        staff = requests.Session()
        ok = _exit(staff, kiosk, PIN, _token(staff, kiosk), "198.51.100.20")
        assert ok.status_code == 200 and staff.get(f"{kiosk}kiosk/staff", timeout=10).status_code == 200
        _wait_for(lambda: log.read_text().count("wrong staff PIN from") >= 5)
        misses = [line for line in log.read_text().splitlines() if "wrong staff PIN from" in line]
        assert len(misses) == 5 and all("from 198.51.100.7" in line for line in misses), misses
        assert "device locked out" in misses[-1]
    REFUSED["pin brute force from one device"] = True


def test_forging_a_new_address_for_each_guess_still_hits_the_hall_lockout(tmp_path):
    with kiosk_server(None, "--pool-size", "0", env={"YOUTHLAB_KIOSK_PIN": PIN}) as kiosk:
        s = requests.Session()
        token = _token(s, kiosk)
        codes = []
        for n in range(30):  # a process on loopback can claim any X-Forwarded-For
            codes.append(_exit(s, kiosk, f"{n:06d}", token, f"203.0.113.{n + 1}").status_code)
            if codes[-1] == 429:
                break
        assert codes[-1] == 429 and len(codes) <= 21, codes
        assert _exit(s, kiosk, PIN, token, "203.0.113.200").status_code == 429
    REFUSED["pin brute force rotating forged addresses"] = True


def test_a_pin_post_without_the_kiosk_pages_token_is_refused(tmp_path):
    with kiosk_server(None, "--pool-size", "0", env={"YOUTHLAB_KIOSK_PIN": PIN}) as kiosk:
        # A form on another site posts straight to kiosk/exit: no token, no cookie.
        forged = requests.post(f"{kiosk}kiosk/exit", data={"pin": PIN}, timeout=10)
        assert forged.status_code == 403 and "set-cookie" not in {k.lower() for k in forged.headers}
        # The cookie alone (a browser sends it along) is not enough either.
        s = requests.Session()
        _token(s, kiosk)
        assert s.post(f"{kiosk}kiosk/exit", data={"pin": PIN}, timeout=10).status_code == 403
        assert _exit(s, kiosk, PIN, "x" * 43).status_code == 403
        assert s.get(f"{kiosk}kiosk/staff", timeout=10).status_code == 403
        # Wrong types are a 403, never a 500.
        token = _token(s, kiosk)
        assert s.post(f"{kiosk}kiosk/exit", data={"pin": "비밀"}, headers={"X-YouthLab-Kiosk-Token": token},
                      timeout=10).status_code == 403
        # The page itself, with its token, gets in.
        assert _exit(s, kiosk, PIN, token).status_code == 200
        assert s.get(f"{kiosk}kiosk/staff", timeout=10).status_code == 200
    REFUSED["pin post from another site (no page token)"] = True


def test_an_unset_pin_is_made_once_kept_0600_and_a_weak_one_stops_the_kiosk(tmp_path):
    data = tmp_path / "data"
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    env = {"YOUTHLAB_DATA_DIR": str(data), "YOUTHLAB_KIOSK_PIN": ""}
    with kiosk_server(None, "--pool-size", "0", env=env, log=first) as kiosk:
        _wait_for(lambda: "staff PIN" in first.read_text())
        made = re.search(r"Made a new kiosk staff PIN: (\d+)|키오스크 직원 PIN을 새로 만들었어요: (\d+)",
                         first.read_text())
        assert made, first.read_text()[-2000:]
        pin = made.group(1) or made.group(2)
        assert len(pin) == 8
        pin_file = data / "kiosk" / "staff-pin"
        assert pin_file.read_text().strip() == pin
        assert stat.S_IMODE(pin_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(pin_file.parent.stat().st_mode) == 0o700
        s = requests.Session()
        assert _exit(s, kiosk, pin, _token(s, kiosk)).status_code == 200
    with kiosk_server(None, "--pool-size", "0", env=env, log=second) as kiosk:
        s = requests.Session()
        assert _exit(s, kiosk, pin, _token(s, kiosk)).status_code == 200  # the same PIN again
        assert pin not in second.read_text()  # shown once only
    for weak in ("2468", "123456", "000000"):
        with pytest.raises(RuntimeError, match="YOUTHLAB_KIOSK_PIN"):
            with kiosk_server(None, "--pool-size", "0", env={**env, "YOUTHLAB_KIOSK_PIN": weak}):
                pass
    REFUSED["weak operator pin"] = True


def _qr(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2)
    return out.getvalue()


def test_a_forged_host_header_does_not_reach_the_qr_code(tmp_path):
    with kiosk_server(None, "--pool-size", "0") as kiosk:
        qr = f"{kiosk}kiosk/qr/00-welcome.svg"
        forged = requests.get(qr, headers={"Host": "evil.example"}, timeout=10)
        assert forged.status_code == 200
        # The server's own address, whatever the request claimed.
        assert forged.content == _qr(f"{kiosk}voila/render/00-welcome/kiosk.ipynb")
        assert requests.get(qr, timeout=10).content == forged.content
    public = "http://192.168.0.10:8000"
    with kiosk_server(None, "--pool-size", "0", env={"YOUTHLAB_KIOSK_PUBLIC_URL": public}) as kiosk:
        forged = requests.get(f"{kiosk}kiosk/qr/00-welcome.svg", headers={"Host": "evil.example"}, timeout=10)
        assert forged.content == _qr(f"{public}/voila/render/00-welcome/kiosk.ipynb")
    with pytest.raises(RuntimeError):  # a public URL with a path or another scheme is a mistake
        with kiosk_server(None, "--pool-size", "0", env={"YOUTHLAB_KIOSK_PUBLIC_URL": "javascript:alert(1)"}):
            pass
    REFUSED["forged Host in QR code"] = True


def test_one_report_is_one_log_line_and_a_flood_is_cut(tmp_path):
    log = tmp_path / "kiosk.log"
    with kiosk_server(None, "--pool-size", "0", log=log) as kiosk:
        fake = "[E 2026-11-30 08:00:00.000 YouthLab-kiosk] kiosk: staff exit opened from 10.0.0.1"
        body = (f'{{"what": "boom\\n"}}\n{fake}\r\n\x1b[2J{fake}\u2028{fake}' + "A" * 5000).encode()
        r = requests.post(f"{kiosk}kiosk/report", data=body, headers={"X-Forwarded-For": "198.51.100.9"},
                          timeout=10)
        assert r.status_code == 204
        _wait_for(lambda: "kiosk page report" in log.read_text())
        lines = log.read_text().splitlines()
        reports = [line for line in lines if "kiosk page report" in line]
        assert len(reports) == 1 and "from 198.51.100.9" in reports[0]
        assert [line for line in lines if "staff exit opened" in line] == reports  # only inside the report
        assert "\x1b" not in log.read_text() and "\u2028" not in log.read_text()
        assert len(reports[0]) < 800
        # A flood from one device: after 10 a minute the rest are dropped.
        codes = [requests.post(f"{kiosk}kiosk/report", data=b"x", headers={"X-Forwarded-For": "198.51.100.9"},
                               timeout=10).status_code for _ in range(30)]
        assert codes.count(204) == 9 and codes[-1] == 429, codes
        time.sleep(0.5)
        assert log.read_text().count("kiosk page report") == 10
        # Another device may still report.
        assert requests.post(f"{kiosk}kiosk/report", data=b"y", headers={"X-Forwarded-For": "198.51.100.10"},
                             timeout=10).status_code == 204
    REFUSED["multi-line report forging a log line"] = True
    REFUSED["report flood"] = True


def test_kiosk_pages_stay_on_the_kiosk(tmp_path):
    with kiosk_server(None, "--pool-size", "0") as kiosk:
        page = requests.get(kiosk, timeout=10)
        csp = page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp and "script-src 'none'" in csp
        assert "/hub/" not in page.text and "/user/" not in page.text


# --- through the real hub and its proxy ---------------------------------------------

@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from tests.hub.hubrunner import start_hub

    env = {"YOUTHLAB_KIOSK": "on", "YOUTHLAB_KIOSK_POOL": "0", "YOUTHLAB_CULL_IDLE": "0", "YOUTHLAB_KIOSK_PIN": ""}
    env.pop("YOUTHLAB_KIOSK_PUBLIC_URL", None)
    running = start_hub(tmp_path_factory.mktemp("kioskattacks"), extra_env=env)
    try:
        kiosk = f"{running.url}services/kiosk/"
        _wait_for(lambda: _reachable(f"{kiosk}kiosk/status"), timeout=90)
        yield running
    finally:
        running.stop()


def _reachable(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


def test_sign_up_is_off_and_an_anonymous_sign_up_makes_no_account(hub):
    s = requests.Session()
    assert s.get(f"{hub.url}hub/signup", timeout=10).status_code == 404
    login = s.get(f"{hub.url}hub/login", timeout=10)
    assert "signup" not in login.text.lower()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', login.text).group(1)
    r = s.post(f"{hub.url}hub/signup", data={"username": "visitor1", "signup_password": "Kiosk-visitor-2026!",
                                              "signup_password_confirmation": "Kiosk-visitor-2026!",
                                              "_xsrf": xsrf}, timeout=10)
    assert r.status_code == 404
    with sqlite3.connect(hub.data_dir / "jupyterhub.sqlite") as db:
        assert db.execute("SELECT count(*) FROM users_info WHERE username='visitor1'").fetchone()[0] == 0
    REFUSED["anonymous sign-up through the hub"] = True


def test_the_operator_is_shown_the_made_pin_once_and_it_opens_the_staff_exit(hub):
    shown = [line for line in hub.output if "kiosk staff PIN" in line]
    assert len(shown) == 1, hub.output
    pin = re.search(r"PIN: (\d{8})", shown[0]).group(1)
    pin_file = hub.data_dir / "kiosk" / "staff-pin"
    assert pin_file.read_text().strip() == pin and stat.S_IMODE(pin_file.stat().st_mode) == 0o600
    kiosk = f"{hub.url}services/kiosk/"
    s = requests.Session()
    ok = _exit(s, kiosk, pin, _token(s, kiosk))
    assert ok.status_code == 200, ok.text
    assert s.get(hub.url.rstrip("/") + ok.json()["next"], timeout=10).status_code == 200


def test_through_the_hub_a_forged_host_does_not_reach_the_qr_code(hub):
    qr = f"{hub.url}services/kiosk/kiosk/qr/00-welcome.svg"
    forged = requests.get(qr, headers={"Host": "evil.example"}, timeout=10)
    assert forged.status_code == 200
    # Derived from the hub's own address and port (YOUTHLAB_KIOSK_PUBLIC_URL unset).
    assert forged.content == _qr(f"{hub.url}services/kiosk/voila/render/00-welcome/kiosk.ipynb")
    REFUSED["forged Host through the hub"] = True


def _effective(answer: dict) -> dict:
    """What JupyterLab's front end uses: the student's own settings over the schema's
    defaults (where the installation's overrides land)."""
    defaults = {k: v.get("default") for k, v in answer["schema"].get("properties", {}).items()}
    return {**defaults, **(answer.get("settings") or {})}


def test_lab_fetches_no_news_and_checks_no_updates_for_a_real_student(hub):
    s = hub.login("student1")
    r = s.post(f"{hub.url}hub/api/users/student1/server", timeout=60)
    assert r.status_code in (201, 202, 500), r.text
    hub.wait_ready(s, "student1")
    base = f"{hub.url}user/student1/"
    assert s.get(f"{base}lab", timeout=30).status_code == 200  # the OAuth handshake, as a browser
    news = s.get(f"{base}lab/api/settings/@jupyterlab/apputils-extension:notification", timeout=30)
    assert news.status_code == 200, news.text
    assert _effective(news.json())["fetchNews"] == "false"
    assert _effective(news.json())["checkForUpdates"] is False
    locale = s.get(f"{base}lab/api/settings/@jupyterlab/translation-extension:plugin", timeout=30)
    assert _effective(locale.json())["locale"] == "ko_KR"
    REFUSED["lab phoning home"] = True


def test_through_the_hubs_proxy_forged_addresses_do_not_dodge_the_lockout(hub):
    """Runs last among the hub tests: it locks the only real device (loopback) out."""
    kiosk = f"{hub.url}services/kiosk/"
    s = requests.Session()
    token = _token(s, kiosk)
    codes = [_exit(s, kiosk, f"{n:06d}", token, f"10.9.8.{n}").status_code for n in range(6)]
    assert codes == [403] * 5 + [429], codes
    log = (hub.data_dir / "jupyterhub.log").read_text()
    misses = [line for line in log.splitlines() if "wrong staff PIN from" in line]
    assert len(misses) == 5 and all("from 127.0.0.1" in line for line in misses), misses
    assert "10.9.8." not in log  # the visitor's claim is not the device
    REFUSED["pin brute force through the hub's proxy"] = True


def test_kiosk_attacks_refused_n_of_n(capsys):
    refused = sum(1 for name in ATTACKS if REFUSED.get(name))
    with capsys.disabled():
        print(f"\nkiosk attacks refused {refused} of {len(ATTACKS)}")
        missing = [name for name in ATTACKS if not REFUSED.get(name)]
        if missing:
            print("not refused (or not run):", ", ".join(missing))
    assert refused == len(ATTACKS)
