"""SDK parsing (property-based), the simulate-first ledger, the flight log, the live view."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings, strategies as st

from youthlab.drone import Drone, SimulateFirst, sdk
from youthlab.drone.gate import Gate, program_hash, require_clearance
from youthlab.drone.program import run_program


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_parse_never_raises_and_answers_like_a_tello(text):
    result = sdk.parse(text)
    assert isinstance(result, (sdk.Command, str))
    if isinstance(result, str):
        assert result in (sdk.OUT_OF_RANGE,) or result.startswith("unknown command")


@given(st.sampled_from(sorted(sdk.MOVES)), st.integers(-1000, 1000))
def test_move_ranges(name, value):
    ok = 20 <= value <= 500
    assert isinstance(sdk.parse(f"{name} {value}"), sdk.Command) == ok


@given(st.integers(-30, 30), st.integers(-30, 30), st.integers(-30, 30), st.integers(0, 120))
def test_go_dead_band_and_speed(x, y, z, speed):
    valid = 10 <= speed <= 100 and not all(-20 < v < 20 for v in (x, y, z))
    assert isinstance(sdk.parse(f"go {x} {y} {z} {speed}"), sdk.Command) == valid


def test_state_packet_round_trip():
    packet = sdk.state_packet(yaw=-90, h=120, bat=87, time=12)
    assert packet.endswith(b";\r\n")
    parsed = sdk.parse_state(packet)
    assert parsed["bat"] == 87 and parsed["h"] == 120 and parsed["yaw"] == -90
    assert sdk.parse_state(b"mid:-1;x:0;y:0;z:0;mpry:0,0,0;pitch:1;bat:50;\r\n")["bat"] == 50


PROGRAM = "from drone import Drone\nd = Drone()\nd.takeoff()\nd.forward(50)\nd.land()\n"


def test_simulator_pass_unlocks_exactly_that_program(private_data_dir):
    gate = Gate()
    assert not gate.passed(PROGRAM)
    record = run_program(PROGRAM, watchdog=False)
    assert record["sim_pass"] and gate.passed(PROGRAM)
    assert gate.passed(PROGRAM + "\n\n   ")  # whitespace does not matter
    assert not gate.passed(PROGRAM.replace("50", "60"))  # any real change needs a new run
    require_clearance(gate.clearance(PROGRAM))
    log = [json.loads(line) for line in (private_data_dir / "drone" / "flights.jsonl").read_text().splitlines()]
    assert log[-1]["program"] == program_hash(PROGRAM)[:16] and log[-1]["sim_pass"]


def test_forged_ledger_entry_is_rejected(private_data_dir):
    gate = Gate()
    gate.folder.mkdir(parents=True, exist_ok=True)
    gate.ledger_path.write_text(json.dumps({program_hash(PROGRAM): {"mac": "0" * 64}}))
    assert not gate.passed(PROGRAM)
    with pytest.raises(SimulateFirst):
        gate.clearance(PROGRAM)


def test_unsafe_run_is_not_a_pass():
    record = run_program(PROGRAM.replace("forward(50)", "up(400)"), watchdog=False)
    assert not record["sim_pass"] and not Gate().passed(PROGRAM.replace("forward(50)", "up(400)"))


def test_live_view_shows_position_and_events():
    from youthlab.drone.views import LiveView

    d = Drone(watchdog=False)
    view = LiveView(d, period_s=0.05)
    d.takeoff()
    try:
        d.up(500)
    except Exception:
        pass
    time.sleep(0.2)
    import re

    assert re.search(r"⬆ (7\d|8\d) cm", view.widget.value)
    assert "2.5 m" in view.widget.value  # the refused ceiling, shown
    view.stop()
