"""The kiosk's trust decisions, one function at a time (no server needed)."""

from __future__ import annotations

import json

import pytest

from youthlab.kiosk.public_url import checked_origin, default_public_url
from youthlab.kiosk.security import (WeakStaffPin, check_staff_pin, client_address, ensure_staff_pin,
                                     one_line)


def test_the_device_is_the_address_the_proxy_appended_and_only_a_loopback_proxy_is_believed():
    assert client_address("127.0.0.1", "198.51.100.7") == "198.51.100.7"
    # configurable-http-proxy appends what it saw; earlier entries are the visitor's claim
    assert client_address("127.0.0.1", "10.0.0.1, 203.0.113.5") == "203.0.113.5"
    assert client_address("::1", "203.0.113.5") == "203.0.113.5"
    # a phone talking to the kiosk directly cannot name another device
    assert client_address("192.168.0.23", "10.0.0.1") == "192.168.0.23"
    assert client_address("127.0.0.1", "not-an-address") == "127.0.0.1"
    assert client_address("127.0.0.1", None) == "127.0.0.1"


def test_a_report_becomes_one_line_with_its_length_capped():
    line = one_line("a\nb\r\n\x1b[31mc\u2028d\u202ee\\n" + "x" * 1000)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
    assert "\u202e" not in line  # right-to-left override: would hide text in a terminal
    assert line.startswith("a\\nb\\r\\n\\u001b[31mc\\u2028d\\u202ee\\\\n")
    assert len(line) < 560 and line.endswith("chars)")
    assert one_line("직원 보고 ✓") == "직원 보고 ✓"


@pytest.mark.parametrize("pin", ["2468", "12345", "000000", "123456", "987654", "111111111", "12 34\n5", ""])
def test_weak_staff_pins_are_refused(pin):
    with pytest.raises(WeakStaffPin):
        check_staff_pin(pin)


def test_strong_enough_pins_pass_and_off_turns_the_exit_off(tmp_path):
    for pin in ("739184", "kiosk-pin-9753", "20261130"):
        check_staff_pin(pin)
    assert ensure_staff_pin(tmp_path, {"YOUTHLAB_KIOSK_PIN": "off"}) == ("", False)
    assert ensure_staff_pin(tmp_path, {"YOUTHLAB_KIOSK_PIN": " Off "}) == ("", False)  # as an operator may write it
    assert not (tmp_path / "kiosk").exists()


def test_the_staff_pin_is_the_kiosk_service_setting_made_once_when_unset(tmp_path, monkeypatch):
    from youthlab.config import settings_class

    knob = {k.env: k for k in settings_class("kiosk-service").from_env({}).knobs()}["YOUTHLAB_KIOSK_PIN"]
    assert knob.secret and "staff-pin" in knob.help("en")  # listed by `youthlab config`, masked
    assert ensure_staff_pin(tmp_path, {"YOUTHLAB_KIOSK_PIN": "kiosk-pin-9753"}) == ("kiosk-pin-9753", False)
    assert not (tmp_path / "kiosk").exists()
    pin, made = ensure_staff_pin(tmp_path, {"YOUTHLAB_KIOSK_PIN": ""})
    path = tmp_path / "kiosk" / "staff-pin"
    assert made and len(pin) == 8 and pin.isdigit() and path.read_text().strip() == pin
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    monkeypatch.delenv("YOUTHLAB_KIOSK_PIN", raising=False)  # the default is the process's environment
    assert ensure_staff_pin(tmp_path) == (pin, False)
    monkeypatch.setenv("YOUTHLAB_KIOSK_PIN", "123456")
    with pytest.raises(WeakStaffPin) as weak:
        ensure_staff_pin(tmp_path)
    assert "YOUTHLAB_KIOSK_PIN" in weak.value.message("en") and "YOUTHLAB_KIOSK_PIN" in weak.value.message("ko")
    assert path.read_text().strip() == pin  # the kept PIN is not touched


def test_the_public_url_is_an_origin_or_refused():
    assert checked_origin("http://192.168.0.10:8000/") == "http://192.168.0.10:8000"
    assert checked_origin("https://hall.example") == "https://hall.example"
    for bad in ("javascript:alert(1)", "http://hall/services/kiosk/", "http://u:p@hall", "hall:8000",
                "http://hall:99999", "http://hall/?x=1"):
        with pytest.raises(Exception) as info:
            checked_origin(bad)
        assert type(info.value).__name__ == "BadPublicUrl", bad
    assert default_public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    any_address = default_public_url("0.0.0.0", 8000)
    assert any_address.startswith("http://") and "0.0.0.0" not in any_address


def test_signup_is_off_unless_the_operator_turns_it_on():
    from youthlab.hub.authenticator import YouthLabAuthenticator

    assert YouthLabAuthenticator.class_traits()["enable_signup"].default_value is False
    assert YouthLabAuthenticator.class_traits()["open_signup"].default_value is False


def test_lab_overrides_turn_news_and_update_checks_off_and_keep_an_operators_own(tmp_path):
    from youthlab.hub.lab_settings import install_overrides

    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                                "@jupyterlab/apputils-extension:notification": {"fetchNews": "true"}}))
    assert install_overrides(tmp_path) == path
    data = json.loads(path.read_text())
    assert data["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    assert data["@jupyterlab/translation-extension:plugin"] == {"locale": "ko_KR"}
    assert data["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert oct(path.stat().st_mode & 0o777) == "0o644"
