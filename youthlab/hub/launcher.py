"""``youthlab up``: start the hub on its embedded defaults and stop it cleanly.

It resolves the spawner mode once (:func:`resolve_mode`: isolated — a system user per
account — whenever it runs as root, else demo mode, which refuses to run students as
root or to listen beyond loopback unless the operator passes a flag that says so),
prepares the data folder (private files 0600 from creation), the runtime the accounts'
servers run from (:mod:`youthlab.hub.runtime`) and first-start accounts, runs
``jupyterhub -f hub_config/jupyterhub_config.py`` with ``YOUTHLAB_SPAWNER`` set
explicitly, in its own process group, waits until the hub answers, prints the URL and the accounts,
and on Ctrl-C (or SIGTERM) stops the hub, which stops the proxy and every student server;
anything still alive after that is stopped by PID, so nothing is left behind.
"""

from __future__ import annotations

import gc
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping

import click
import psutil
import requests

from youthlab.errors import HubError
from youthlab.hub import identity, recovery, runtime, tls
from youthlab.hub import services as hub_services
from youthlab.hub.accounts import load_plan, prepare_first_start
from youthlab.hub.datadir import open_private, prepare_data_dir
from youthlab.hub.lab_settings import install_overrides
from youthlab.hub.settings import HubSettings
from youthlab.hub.errors import HubAlreadyRunning, HubStoppedUnexpectedly, ModeRefused, PortInUse
from youthlab.i18n import t
from youthlab.paths import data_dir as default_data_dir
from youthlab.paths import SHARED_DATA_BASE, closed_to_others, hub_config_dir, node_bin, project_root, shared_data_dir


def is_loopback(ip: str) -> bool:
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def resolve_mode(ip: str, demo_as_root: bool = False, open_demo: bool = False,
                 environ: dict[str, str] | None = None) -> str:
    """The spawner mode for this start, or :class:`ModeRefused` with the reason.

    Demo mode as root means every student's code runs as root, and demo mode on the
    network means accounts that can read each other's files are reachable from the hall:
    both only when the operator says so with a flag named after what it does.
    """
    env = os.environ if environ is None else environ
    try:
        mode = identity.spawner_mode(env)
    except ValueError:
        raise ModeRefused(value=env.get("YOUTHLAB_SPAWNER", "")) from None
    root = os.geteuid() == 0
    if mode == identity.ISOLATED and not root:
        raise ModeRefused("mode.isolated_needs_root", "mode.isolated_needs_root.hint")
    if mode == identity.DEMO and root and not demo_as_root:
        raise ModeRefused("mode.demo_as_root", "mode.demo_as_root.hint")
    if mode == identity.DEMO and not is_loopback(ip) and not open_demo:
        raise ModeRefused("mode.demo_open", "mode.demo_open.hint", ip=ip)
    return mode


def print_mode(mode: str, ip: str) -> None:
    if mode == identity.ISOLATED:
        click.echo(t("mode.banner.isolated", example=identity.system_user_for("student1")))
        return
    import getpass

    click.secho(t("mode.banner.demo", user=getpass.getuser()), fg="yellow", bold=True)
    if os.geteuid() == 0:
        click.secho(t("mode.banner.demo_root"), fg="red", bold=True)
    if not is_loopback(ip):
        click.secho(t("mode.banner.demo_open", ip=ip), fg="red", bold=True)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _settings() -> HubSettings:
    """The hub's settings from this shell's environment (`youthlab config --area hub`)."""
    return HubSettings.from_env()


def hub_environment(port: int, hub_api_port: int, proxy_api_port: int, data: Path, ip: str,
                    kiosk_port: int | None = None) -> dict[str, str]:
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, str(node_bin()), env.get("PATH", "")])
    env.update(
        YOUTHLAB_DATA_DIR=str(data),
        YOUTHLAB_HUB_IP=ip,
        YOUTHLAB_HUB_PORT=str(port),
        YOUTHLAB_HUB_API_PORT=str(hub_api_port),
        YOUTHLAB_PROXY_API_PORT=str(proxy_api_port),
    )
    if kiosk_port is not None:  # --kiosk-port: handed to the kiosk service's own settings
        env["YOUTHLAB_KIOSK_PORT"] = str(kiosk_port)
    return env


def runtime_environment() -> dict[str, str]:
    """Build (or bring up to date) the runtime the accounts' servers run from, and tell
    the hub where it is (``YOUTHLAB_SERVER_BIN``, ``YOUTHLAB_SERVER_ROOT``)."""
    if os.geteuid() == 0 and runtime.mirror_wanted():
        click.echo(t("runtime.building", path=runtime.mirror_dir()))
    found = runtime.student_runtime()
    if found.mirrored:
        click.echo(t("mode.banner.runtime", path=found.root.parent))
    return {"YOUTHLAB_SERVER_BIN": str(found.bin), "YOUTHLAB_SERVER_ROOT": str(found.root)}


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 600, verify: bool | str = True) -> None:
    """Wait for the hub's API through the proxy. The hub adds its routes only once every
    service it manages answers (it waits for each in turn, up to the time
    ``hub_config/jupyterhub_config.py`` gives it, and exits if one never does), so on a busy
    machine this can take minutes; the timeout is a backstop for a hub that hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HubError(detail=f"jupyterhub exited with code {proc.returncode}")
        try:
            if requests.get(f"{url}hub/api/", timeout=2, verify=verify).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise HubError(detail=f"no answer from {url} after {timeout:.0f} s")


def recover(data: Path) -> None:
    """Before starting: refuse if a hub of ``data`` still runs; stop the proxy and services
    a dead one left (so its ports are free), keep student servers for the new hub to adopt."""
    found = recovery.stop_stale(data)
    if found.hub:
        raise HubAlreadyRunning(pid=found.hub, data=data)
    if found.stale():
        names = sorted(set(found.services.values()) | ({"proxy"} if found.proxy else set()))
        click.secho(t("recovery.stale_stopped", what=", ".join(names) or "-",
                      count=len(found.stale())), fg="yellow")
    if found.servers:
        click.echo(t("recovery.servers_kept", count=len(found.servers),
                     users=", ".join(sorted(set(found.servers.values())))))


def stop_hub(proc: subprocess.Popen, data: Path | None = None, hurry=lambda: False) -> None:
    """A stop that always finishes (bounds in youthlab.hub.recovery: 20 s, 5 s after a second
    Ctrl-C). SIGINT lets the hub stop its services, servers and proxy itself; whatever of
    the data folder still runs after HUB_GRACE s (a service that ignores signals, a hub
    stuck in its clean-up) gets SIGTERM, then SIGKILL."""
    try:
        tree = {proc.pid} | {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        tree = set()
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + recovery.HUB_GRACE
        while proc.poll() is None and time.monotonic() < deadline and not hurry():
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    recovery.terminate(tree - {proc.pid}, recovery.TERM_GRACE, hurry=hurry)
    if data is not None:
        recovery.stop_everything(data, recovery.TERM_GRACE, hurry=hurry)


def print_accounts(created: list[tuple[str, str, str]]) -> None:
    if not created:
        click.echo(t("hub.accounts.existing"))
        return
    click.secho(t("hub.accounts.new"), fg="yellow", bold=True)
    for username, role, password in created:
        click.echo(f"  {t('hub.accounts.role.' + role):8s} {username:12s} {password}")


def check_services(environ: Mapping[str, str]) -> None:
    """Every registered service checks the secrets the operator set (a weak PIN is refused
    with its ko/en reason) before anything starts, whether it runs this time or not."""
    for service in hub_services.all_services().values():
        service.check(environ)


def prepare_services(chosen: list[hub_services.HubService], data: Path, environ: Mapping[str, str]) -> list[str]:
    """What the services that run keep (their PINs, made when the operator set none: 0600
    files only they read, never in the hub's environment). Returns the lines to show once."""
    return [line for service in chosen for line in service.prepare(data, environ)]


def plan_https(ip: str, self_signed: bool, ssl_cert: Path | None, ssl_key: Path | None,
               insecure: bool) -> "tls.HubCertificate | bool":  # noqa: F821
    """Decided before anything starts: the operator's certificate (checked: readable, the
    key its own, valid now), True for a self-signed one (made once the data folder
    exists), or False for plain HTTP — on loopback, or on the network only with
    ``--insecure-http-on-network`` (else :class:`youthlab.hub.tls.HttpsNeeded`)."""
    if bool(ssl_cert) != bool(ssl_key):
        raise tls.CertificateProblem("hall.cert.both_needed", "hall.cert.both_needed.hint")
    if ssl_cert and ssl_key:
        return tls.operator_certificate(ssl_cert, ssl_key)
    if self_signed:
        return True
    tls.require_https_on_network(ip, https=False, insecure_accepted=insecure)
    return False


def https_environment(env: dict[str, str], cert, ip: str, insecure: bool) -> None:
    """Tell hub_config/jupyterhub_config.py the certificate (or that plain HTTP on the
    network was accepted); whatever the operator's shell had is replaced."""
    for key in ("YOUTHLAB_SSL_CERT", "YOUTHLAB_SSL_KEY", "YOUTHLAB_INSECURE_HTTP_ON_NETWORK"):
        env.pop(key, None)
    if cert:
        env.update(YOUTHLAB_SSL_CERT=str(cert.cert), YOUTHLAB_SSL_KEY=str(cert.key))
    elif insecure and tls.on_network(ip):
        env["YOUTHLAB_INSECURE_HTTP_ON_NETWORK"] = "accepted"


def print_network(ip: str, port: int, cert, data: Path, isolated: bool = False) -> None:
    """Where the data lives, the certificate and its fingerprint, and the address students
    should open (this machine's hall address, never 0.0.0.0)."""
    click.echo(t("hall.banner.data_dir", path=data))
    closed = closed_to_others(data) if isolated else None
    if closed is not None:  # the accounts' own users must reach the exchange and the board locks
        click.secho(t("hall.banner.data_dir_closed", path=data, closed=closed), fg="yellow", bold=True)
    old = project_root() / "var"
    if data == shared_data_dir() and (old / "jupyterhub.sqlite").is_file():
        click.secho(t("hall.banner.data_dir_moved", root=project_root(), old=old), fg="yellow")
    if cert:
        made = t("hall.banner.made") if cert.made else ""
        key = "hall.banner.https_self_signed" if cert.self_signed else "hall.banner.https_operator"
        click.echo(t(key, cert=cert.cert, made=made))
        click.echo(t("hall.banner.fingerprint", fingerprint=cert.fingerprint))
    if tls.on_network(ip):
        urls = tls.student_urls(ip, port, https=bool(cert))
        click.secho(t("hall.banner.students_at", urls="  ".join(urls)), fg="green", bold=True)
        if not cert:
            click.secho(t("hall.banner.insecure", ip=ip), fg="red", bold=True)


@click.command()
@click.option("--port", type=int, default=lambda: _settings().port, show_default="YOUTHLAB_HUB_PORT or 8000",
              help="Public port of the hub.")
@click.option("--hub-api-port", type=int, default=lambda: _settings().hub_api_port,
              show_default="YOUTHLAB_HUB_API_PORT or 8081", help="Hub's internal API port.")
@click.option("--proxy-api-port", type=int, default=lambda: _settings().proxy_api_port,
              show_default="YOUTHLAB_PROXY_API_PORT or 8001", help="Proxy's REST API port.")
@click.option("--kiosk-port", type=int, default=None, show_default="YOUTHLAB_KIOSK_PORT or 8866",
              help="Internal port of the kiosk service (served at /services/kiosk/).")
@click.option("--ip", default=lambda: _settings().ip, show_default="YOUTHLAB_HUB_IP or 127.0.0.1",
              help="Address to listen on (0.0.0.0 opens the hub to the hall network).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Where the database, secrets and student homes live (default: ./var).")
@click.option("--config", "config_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="JupyterHub config file (default: hub_config/jupyterhub_config.py).")
@click.option("--demo-runs-students-as-root", "demo_as_root", is_flag=True,
              help="Demo mode as root: I accept that every student's code runs as root.")
@click.option("--open-demo-to-network", "open_demo", is_flag=True,
              help="Demo mode on a non-loopback --ip: I accept that accounts are not isolated.")
@click.option("--ssl", "self_signed", is_flag=True, envvar="YOUTHLAB_SSL",
              help="Serve HTTPS with a self-signed certificate made for this machine (kept in the "
                   "data folder; its SHA-256 fingerprint is printed).")
@click.option("--ssl-cert", type=click.Path(path_type=Path), envvar="YOUTHLAB_SSL_CERT", default=None,
              help="Serve HTTPS with this certificate (PEM; with --ssl-key).")
@click.option("--ssl-key", type=click.Path(path_type=Path), envvar="YOUTHLAB_SSL_KEY", default=None,
              help="Private key of --ssl-cert (PEM, no passphrase).")
@click.option("--insecure-http-on-network", "insecure_http", is_flag=True,
              help="A non-loopback --ip without HTTPS: I accept that passwords and cookies cross "
                   "the network in clear text.")
def up(port: int, hub_api_port: int, proxy_api_port: int, kiosk_port: int, ip: str, data_dir: Path | None,
       config_file: Path | None, demo_as_root: bool, open_demo: bool, self_signed: bool,
       ssl_cert: Path | None, ssl_key: Path | None, insecure_http: bool) -> None:
    """Start the hub (SQLite, demo accounts, virtual boards) and keep it running until Ctrl-C.

    As root every account runs as its own system user (isolated); without root, in demo
    mode (one shared system user, loopback only).
    """
    mode = resolve_mode(ip, demo_as_root, open_demo)
    data = (data_dir or default_data_dir()).resolve()
    config = config_file or hub_config_dir() / "jupyterhub_config.py"
    env = hub_environment(port, hub_api_port, proxy_api_port, data, ip, kiosk_port)
    env["YOUTHLAB_SPAWNER"] = mode
    if mode == identity.DEMO and demo_as_root:
        env["YOUTHLAB_DEMO_RUNS_STUDENTS_AS_ROOT"] = "accepted"
    else:
        env.pop("YOUTHLAB_DEMO_RUNS_STUDENTS_AS_ROOT", None)
    env.pop(hub_services.CHOSEN_VAR, None)
    chosen = hub_services.decide(env)  # once: the hub's config file gets the same list
    env.update(hub_services.chosen_environment(chosen))
    check_services(env)  # weak PINs and a clear-text network refused before anything starts
    https = plan_https(ip, self_signed, ssl_cert, ssl_key, insecure_http)
    recover(data)  # a hub killed earlier: stop its proxy and services, keep its students' servers
    for p in (port, hub_api_port, proxy_api_port, *[p for s in chosen for p in s.ports(env)]):
        if not port_is_free(p, "127.0.0.1"):
            raise PortInUse(port=p)
    plan = load_plan(Path(HubSettings.from_env(env).accounts or hub_config_dir() / "accounts.yaml"))
    prepare_data_dir(data, isolated=mode == identity.ISOLATED)
    if data.parent == SHARED_DATA_BASE:  # the accounts pass through it to the exchange and board locks
        SHARED_DATA_BASE.chmod(0o755)
    cert = https if isinstance(https, tls.HubCertificate) else tls.self_signed(data) if https else None
    https_environment(env, cert, ip, insecure_http)
    install_overrides()  # Lab: no news or update checks, Korean by default (before the mirror copies the venv)
    secret_lines = prepare_services(chosen, data, env)  # shown once, with the accounts
    if mode == identity.ISOLATED:
        env.update(runtime_environment())
    created = prepare_first_start(plan, data, data / "jupyterhub.sqlite")

    click.echo(t("hub.starting"))
    log = open_private(data / "jupyterhub.log")
    cmd = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)]
    proc = subprocess.Popen(cmd, env=env, cwd=data, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    stopping = False
    shown = False
    hurried = []  # a second Ctrl-C or SIGTERM while stopping: kill at once

    def on_signal(signum, frame):  # SIGTERM from a supervisor behaves like Ctrl-C
        raise KeyboardInterrupt

    def on_second_signal(signum, frame):
        if not hurried:
            click.secho(t("recovery.hurry"), fg="yellow")
        hurried.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        url = tls.local_url(ip, port, https=bool(cert))
        if cert and not cert.self_signed:  # the operator's names need not include this address
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        wait_until_up(url, proc, verify=str(cert.cert) if cert and cert.self_signed else not cert)
        click.secho(t("hub.ready", url=url), fg="green", bold=True)
        print_mode(mode, ip)
        print_network(ip, port, cert, data, isolated=mode == identity.ISOLATED)
        for service in chosen:
            line = service.banner(url, env)
            if line:
                click.echo(line)
        print_accounts(created)
        for line in secret_lines:
            click.secho(line, fg="yellow")
        shown = True
        click.echo(f"log: {data / 'jupyterhub.log'}")
        click.echo(t("hub.stop_hint"))
        sys.stdout.flush()
        while proc.poll() is None:
            time.sleep(0.5)
        raise HubStoppedUnexpectedly(code=proc.returncode, log=data / "jupyterhub.log")
    except KeyboardInterrupt:
        stopping = True
    finally:
        signal.signal(signal.SIGTERM, on_second_signal)
        signal.signal(signal.SIGINT, on_second_signal)
        if not shown and created:  # the hub may have stored them: never lose the only copy
            print_accounts(created)
        if not shown:
            for line in secret_lines:
                click.secho(line, fg="yellow")
        click.echo(t("hub.stopping"))
        stop_hub(proc, data, hurry=lambda: bool(hurried))
        log.close()
        if stopping:
            click.secho(t("hub.stopped"), fg="green")
        # Everything is stopped: exit without a last cyclic sweep of the large heap
        # (jupyterhub, sqlalchemy …), which took ~1 s on a busy machine; the OS frees it.
        gc.freeze()
