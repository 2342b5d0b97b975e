"""A real hub with the kiosk service on, returned once the kiosk's first pooled kernel is
up (the service starts with the hub, its pool right after)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import requests

from tests.hub.hubrunner import start_hub

KIOSK_ENV = {"YOUTHLAB_KIOSK": "on", "YOUTHLAB_KIOSK_MAX_KERNELS": "12", "YOUTHLAB_KIOSK_PIN": "864213",
             "YOUTHLAB_CULL_IDLE": "0"}


def start_kiosk_hub(folder: Path, *, pool_wait: float = 90, timeout: float = 240, **env: str):
    """Start the hub in ``folder`` with the kiosk on (``env`` adds or overrides settings); a
    hub interrupted while its pool fills (pytest-timeout) is stopped, not left running."""
    running = start_hub(folder, extra_env={**KIOSK_ENV, **env}, timeout=timeout)
    status_url = f"{running.url}services/kiosk/kiosk/status"
    deadline = time.monotonic() + pool_wait
    try:
        while time.monotonic() < deadline:
            try:
                status = requests.get(status_url, timeout=5)
                if status.ok and status.json()["pooled_kernels"] >= 1:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
    except BaseException:
        running.stop()
        raise
    return running


#: Hub log lines that speak of the kiosk: its own, the pool's, a stack dump, errors.
KIOSK_LOG_MARKS = ("KioskVoila", "kiosk", "Thread 0x", "Current thread", '  File "', "Traceback", "Error")


def _kiosk_process(running) -> psutil.Process | None:
    for pid in running.all_pids():
        try:
            proc = psutil.Process(pid)
            if "youthlab.kiosk.server" in " ".join(proc.cmdline()):
                return proc
        except psutil.Error:
            continue
    return None


def kiosk_diagnosis(running, log_lines: int = 40) -> str:
    """What a failed kiosk page load needs explained: the kiosk's status through the proxy
    and straight from its port, its process state, the machine's load, its stack (the
    server dumps it on SIGUSR1) and the hub log's last kiosk lines."""
    lines = [f"load average {os.getloadavg()}"]
    proc = _kiosk_process(running)
    if proc is None:
        lines.append("kiosk server: no process")
    else:
        try:
            ports = [c.laddr.port for c in proc.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
            lines.append(f"kiosk server pid {proc.pid}: {proc.status()}, cpu {proc.cpu_times()}, "
                         f"threads {proc.num_threads()}, kernels {len(proc.children())}, listening {ports}")
            for port in ports:
                try:
                    direct = requests.get(f"http://127.0.0.1:{port}/services/kiosk/kiosk/status", timeout=5)
                    lines.append(f"status straight from the kiosk: {direct.status_code} {direct.text[:200]}")
                except requests.RequestException as exc:
                    lines.append(f"status straight from the kiosk: {exc!r}")
            os.kill(proc.pid, signal.SIGUSR1)
            time.sleep(1)
        except (psutil.Error, OSError) as exc:
            lines.append(f"kiosk server: {exc!r}")
    try:
        proxied = requests.get(f"{running.url}services/kiosk/kiosk/status", timeout=5)
        lines.append(f"status through the proxy: {proxied.status_code} {proxied.text[:200]}")
    except requests.RequestException as exc:
        lines.append(f"status through the proxy: {exc!r}")
    log = Path(running.data_dir) / "jupyterhub.log"
    try:
        text = log.read_text(errors="replace").splitlines()
    except OSError as exc:
        text = [f"(no hub log: {exc!r})"]
    kiosk_lines = [line for line in text if any(mark in line for mark in KIOSK_LOG_MARKS)]
    lines.append("-- hub log, the kiosk's last lines (and a stack dump, if it came) --")
    lines.extend(kiosk_lines[-log_lines:])
    return "\n".join(lines)


def open_kiosk_page(running, page, url: str, timeout_ms: int = 120_000) -> None:
    """``page.goto(url)`` until the response starts; a kiosk that does not answer fails the
    test with :func:`kiosk_diagnosis`."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.goto(url, wait_until="commit", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise AssertionError(f"the kiosk did not answer {url} in {timeout_ms / 1000:.0f} s\n"
                             + kiosk_diagnosis(running)) from None
