"""``youthlab up``: start the hub on its embedded defaults and stop it cleanly.

It prepares first-start accounts, runs ``jupyterhub -f hub_config/jupyterhub_config.py``
in its own process group, waits until the hub answers, prints the URL and the accounts,
and on Ctrl-C (or SIGTERM) stops the hub, which stops the proxy and every student server;
anything still alive after that is stopped by PID, so nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import psutil
import requests

from youthlab.errors import HubError, YouthLabError
from youthlab.hub.accounts import load_plan, prepare_first_start
from youthlab.i18n import t
from youthlab.paths import data_dir as default_data_dir
from youthlab.paths import hub_config_dir, node_bin


class PortInUse(YouthLabError):
    key = "error.port_in_use"
    hint_key = "error.port_in_use.hint"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def hub_environment(port: int, hub_api_port: int, proxy_api_port: int, data: Path, ip: str,
                    kiosk_port: int) -> dict[str, str]:
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, str(node_bin()), env.get("PATH", "")])
    env.update(
        YOUTHLAB_DATA_DIR=str(data),
        YOUTHLAB_HUB_IP=ip,
        YOUTHLAB_HUB_PORT=str(port),
        YOUTHLAB_HUB_API_PORT=str(hub_api_port),
        YOUTHLAB_PROXY_API_PORT=str(proxy_api_port),
        YOUTHLAB_KIOSK_PORT=str(kiosk_port),
    )
    return env


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HubError(detail=f"jupyterhub exited with code {proc.returncode}")
        try:
            if requests.get(f"{url}hub/api/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise HubError(detail=f"no answer from {url} after {timeout:.0f} s")


def stop_hub(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGINT lets the hub stop its proxy and servers; then stop by PID whatever is left."""
    try:
        tree = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # Student servers and the proxy were children of the hub; catch any stragglers.
    for p in tree:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(tree, timeout=5)
    for p in alive:
        p.kill()


def print_accounts(created: list[tuple[str, str, str]]) -> None:
    if not created:
        click.echo(t("hub.accounts.existing"))
        return
    click.secho(t("hub.accounts.new"), fg="yellow", bold=True)
    for username, role, password in created:
        click.echo(f"  {t('hub.accounts.role.' + role):8s} {username:12s} {password}")


@click.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Public port of the hub.")
@click.option("--hub-api-port", type=int, default=8081, show_default=True, help="Hub's internal API port.")
@click.option("--proxy-api-port", type=int, default=8001, show_default=True, help="Proxy's REST API port.")
@click.option("--kiosk-port", type=int, default=8866, show_default=True,
              help="Internal port of the kiosk service (served at /services/kiosk/).")
@click.option("--ip", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 opens the hub to the hall network).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Where the database, secrets and student homes live (default: ./var).")
@click.option("--config", "config_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="JupyterHub config file (default: hub_config/jupyterhub_config.py).")
def up(port: int, hub_api_port: int, proxy_api_port: int, kiosk_port: int, ip: str, data_dir: Path | None,
       config_file: Path | None) -> None:
    """Start the hub (SQLite, demo accounts, virtual boards) and keep it running until Ctrl-C."""
    data = (data_dir or default_data_dir()).resolve()
    config = config_file or hub_config_dir() / "jupyterhub_config.py"
    from youthlab.drone.service import hub_runs_flight_service

    flight_on = hub_runs_flight_service()
    kiosk_on = os.environ.get("YOUTHLAB_KIOSK", "on") != "off"
    flight_port = int(os.environ.get("YOUTHLAB_FLIGHT_PORT", "8870"))
    for p in (port, hub_api_port, proxy_api_port, kiosk_port, *([flight_port] if flight_on else [])):
        if not port_is_free(p, "127.0.0.1"):
            raise PortInUse(port=p)
    env = hub_environment(port, hub_api_port, proxy_api_port, data, ip, kiosk_port)
    plan = load_plan(Path(env.get("YOUTHLAB_ACCOUNTS", hub_config_dir() / "accounts.yaml")))
    created = prepare_first_start(plan, data, data / "jupyterhub.sqlite")

    click.echo(t("hub.starting"))
    data.mkdir(parents=True, exist_ok=True)
    log = open(data / "jupyterhub.log", "ab")
    cmd = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)]
    proc = subprocess.Popen(cmd, env=env, cwd=data, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    stopping = False
    shown = False

    def on_signal(signum, frame):  # SIGTERM from a supervisor behaves like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        url = f"http://{'127.0.0.1' if ip in ('0.0.0.0', '') else ip}:{port}/"
        wait_until_up(url, proc)
        click.secho(t("hub.ready", url=url), fg="green", bold=True)
        if kiosk_on:
            click.echo(t("hub.kiosk_at", url=f"{url}services/kiosk/"))
        if flight_on:
            click.echo(t("hub.flight_at", url=f"{url}services/flight/",
                         drone=os.environ.get("YOUTHLAB_FLIGHT_DRONE", "emulator")))
        print_accounts(created)
        shown = True
        click.echo(f"log: {data / 'jupyterhub.log'}")
        click.echo(t("hub.stop_hint"))
        sys.stdout.flush()
        while proc.poll() is None:
            time.sleep(0.5)
        raise HubError(detail=f"jupyterhub exited with code {proc.returncode}; see {data / 'jupyterhub.log'}")
    except KeyboardInterrupt:
        stopping = True
    finally:
        if not shown and created:  # the hub may have stored them: never lose the only copy
            print_accounts(created)
        click.echo(t("hub.stopping"))
        stop_hub(proc)
        log.close()
        if stopping:
            click.secho(t("hub.stopped"), fg="green")
