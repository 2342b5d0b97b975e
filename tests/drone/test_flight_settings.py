"""Issue 15: the flight service's settings are documented traits read once, and the
teacher's PIN is decided one way for the simulate-first gate and the service."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from youthlab.config import SettingError
from youthlab.drone.errors import SimulateFirst
from youthlab.drone.gate import Gate
from youthlab.drone.hub_service import FlightServiceSettings
from youthlab.drone.secrets_guard import WeakTeacherPin, configured_teacher_pin
from youthlab.drone.service import FlightSettings, ensure_service_pin


def test_the_gate_takes_the_pin_the_service_keeps(private_data_dir, monkeypatch):
    monkeypatch.delenv("YOUTHLAB_TEACHER_PIN")
    assert configured_teacher_pin() is None  # no PIN anywhere: no override
    with pytest.raises(SimulateFirst):
        Gate().clearance("x", teacher_pin="43218765")
    pin, made = ensure_service_pin(private_data_dir, {})  # the launcher makes the service's PIN
    assert made and configured_teacher_pin() == pin
    assert Gate().clearance("x", teacher_pin=pin).override  # the same PIN works at the laptop's gate
    with pytest.raises(SimulateFirst):
        Gate().clearance("x", teacher_pin="not-the-pin")
    with pytest.raises(SimulateFirst):
        Gate().clearance("x", teacher_pin="핀번호")  # malformed: no match, no crash
    monkeypatch.setenv("YOUTHLAB_TEACHER_PIN", "12345678")  # the operator's PIN wins everywhere
    assert configured_teacher_pin() == "12345678"
    assert ensure_service_pin(private_data_dir)[0] == "12345678"
    assert Gate().clearance("x", teacher_pin="12345678").override
    monkeypatch.setenv("YOUTHLAB_TEACHER_PIN", "1234")
    with pytest.raises(WeakTeacherPin):
        configured_teacher_pin()


def test_flight_settings_come_from_the_environment_once_with_checks():
    s = FlightSettings.from_env({"YOUTHLAB_FLIGHT_PROGRAM_MAX": "120", "YOUTHLAB_FLIGHT_DRONE": "192.168.10.1",
                                 "YOUTHLAB_FLIGHT_STATE_PORT": "9890"})
    assert (s.program_max_s, s.drone, s.state_port, s.session_max_s) == (120.0, "192.168.10.1", 9890, 600.0)
    with pytest.raises(SettingError) as bad:
        FlightSettings.from_env({"YOUTHLAB_FLIGHT_SESSION_MAX": "ten minutes"})
    assert "YOUTHLAB_FLIGHT_SESSION_MAX" in bad.value.message("en")
    hub = FlightServiceSettings.from_env({"YOUTHLAB_FLIGHT": "off", "YOUTHLAB_FLIGHT_TOKEN": "tok"})
    assert hub.enabled is False and hub.token == "tok" and hub.port == 8870  # one class, every knob


def test_youthlab_config_lists_every_flight_knob_once():
    env = dict(os.environ, YOUTHLAB_LANG="en", YOUTHLAB_FLIGHT_PROGRAM_MAX="90")
    r = subprocess.run([sys.executable, "-m", "youthlab.cli", "config", "--area", "flight-service"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert "YOUTHLAB_FLIGHT_PROGRAM_MAX = 90" in r.stdout
    for var in ("YOUTHLAB_FLIGHT_PROGRAM_MAX", "YOUTHLAB_FLIGHT_SESSION_MAX", "YOUTHLAB_FLIGHT_DRONE",
                "YOUTHLAB_FLIGHT_STATE_PORT", "YOUTHLAB_FLIGHT_PORT", "YOUTHLAB_FLIGHT_TOKEN", "YOUTHLAB_FLIGHT_USER"):
        assert len(re.findall(rf"^  {var} = ", r.stdout, re.MULTILINE)) == 1, (var, r.stdout)
