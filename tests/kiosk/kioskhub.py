"""A real hub with the kiosk service on, returned once the kiosk's first pooled kernel is
up (the service starts with the hub, its pool right after)."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from tests.hub.hubrunner import start_hub

KIOSK_ENV = {"YOUTHLAB_KIOSK": "on", "YOUTHLAB_KIOSK_MAX_KERNELS": "12", "YOUTHLAB_KIOSK_PIN": "864213",
             "YOUTHLAB_CULL_IDLE": "0"}


def start_kiosk_hub(folder: Path, *, pool_wait: float = 90, timeout: float = 90, **env: str):
    """Start the hub in ``folder`` with the kiosk on (``env`` adds or overrides settings)."""
    running = start_hub(folder, extra_env={**KIOSK_ENV, **env}, timeout=timeout)
    status_url = f"{running.url}services/kiosk/kiosk/status"
    deadline = time.monotonic() + pool_wait
    while time.monotonic() < deadline:
        try:
            status = requests.get(status_url, timeout=5)
            if status.ok and status.json()["pooled_kernels"] >= 1:
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return running
