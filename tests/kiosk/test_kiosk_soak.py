"""Kiosks load every time: visitors across every app and both languages, each page whole
and with its widgets (a smaller run of benchmarks/kiosk_soak.py, which does 500).

Real kiosk server on loopback (a preheated pool per app and language), two HTTP visitors
at once round-robin across the apps while headless Chromium, allowed to reach only this
machine, plays some of the loads; every visitor's kernel is ended as the page does at
idle reset. Prints its count.
"""

from __future__ import annotations

import pytest

from benchmarks.kiosk_soak import run_soak

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LOADS = 60
BROWSER_LOADS = 6


@pytest.mark.timeout(1800)
def test_every_load_of_every_app_has_its_widgets(tmp_path, capsys):
    good, failures = run_soak(LOADS, BROWSER_LOADS, log=tmp_path / "kiosk.log")
    with capsys.disabled():
        print(f"\nkiosk soak: {good}/{LOADS}")
    assert failures == [], "\n".join(failures) + "\n" + (tmp_path / "kiosk.log").read_text()[-4000:]
    assert good == LOADS
