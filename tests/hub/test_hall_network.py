"""The hub on the hall network (issue 13): HTTPS or an explicit flag on any address but
loopback, the address students should open, PINs made by `youthlab up`, and a data
folder the accounts can reach when the checkout is closed to them.

No test sends anything to a non-loopback address: the refusals are checked without
starting anything, and HTTPS is tested for real on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import ROOT, free_port

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")


def run_up(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    full = dict(os.environ, YOUTHLAB_LANG="en", YOUTHLAB_KIOSK="off", YOUTHLAB_FLIGHT="off",
                YOUTHLAB_SYSTEM_USER_PREFIX="yltnone-")
    for key in ("YOUTHLAB_SSL_CERT", "YOUTHLAB_SSL_KEY", "YOUTHLAB_SSL", "YOUTHLAB_TEACHER_PIN", "YOUTHLAB_KIOSK_PIN"):
        full.pop(key, None)
    full.update(env or {})
    return subprocess.run([YOUTHLAB, "up", "--port", str(free_port()), *args], env=full, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def listening(port: int) -> bool:
    return any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
               for c in psutil.net_connections("tcp"))


# --- refused before anything starts -----------------------------------------------

def test_the_hall_network_without_https_is_refused_before_anything_starts(tmp_path):
    data, port = tmp_path / "data", free_port()
    r = run_up("--ip", "0.0.0.0", "--data-dir", str(data), "--port", str(port))
    assert r.returncode != 0
    assert "over plain HTTP" in r.stderr + r.stdout and "--ssl" in r.stderr + r.stdout
    assert "Traceback" not in r.stderr
    assert not data.exists() and not listening(port)  # no data folder, no hub, no proxy


def test_plain_http_on_the_network_is_refused_by_the_hub_config_too(tmp_path):
    """jupyterhub started by hand with the YouthLab config (not through `youthlab up`)."""
    env = dict(os.environ, YOUTHLAB_HUB_IP="0.0.0.0", YOUTHLAB_DATA_DIR=str(tmp_path), YOUTHLAB_SPAWNER="demo",
               YOUTHLAB_KIOSK="off", YOUTHLAB_FLIGHT="off", YOUTHLAB_PRINT="off", YOUTHLAB_LANG="en")
    env.pop("YOUTHLAB_SSL_CERT", None)
    env.pop("YOUTHLAB_INSECURE_HTTP_ON_NETWORK", None)
    code = ("import sys; from traitlets.config import Config; c = Config()\n"
            "exec(open(sys.argv[1]).read(), {'get_config': lambda: c, '__file__': sys.argv[1]})\n")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT / "hub_config" / "jupyterhub_config.py")],
                       env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode != 0 and "HttpsNeeded" in r.stderr and "over plain HTTP" in r.stderr


@pytest.mark.parametrize("var, value, words", [
    ("YOUTHLAB_TEACHER_PIN", "1234", "YOUTHLAB_TEACHER_PIN is too weak"),
    ("YOUTHLAB_KIOSK_PIN", "123456", "YOUTHLAB_KIOSK_PIN"),
])
def test_a_weak_pin_set_by_the_operator_is_refused_before_anything_starts(tmp_path, var, value, words):
    data = tmp_path / "data"
    r = run_up("--data-dir", str(data), env={var: value, "YOUTHLAB_FLIGHT": "on", "YOUTHLAB_KIOSK": "on"})
    assert r.returncode != 0 and words in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert not data.exists()


def test_a_weak_pin_is_explained_in_korean(tmp_path):
    r = run_up("--data-dir", str(tmp_path / "d"), env={"YOUTHLAB_TEACHER_PIN": "1234", "YOUTHLAB_LANG": "ko"})
    assert r.returncode != 0 and "너무 짧아요" in r.stdout + r.stderr


def test_an_operator_key_that_is_not_the_certificates_is_refused(tmp_path):
    from youthlab.hub import tls

    a, b = tls.self_signed(tmp_path / "a"), tls.self_signed(tmp_path / "b")
    data = tmp_path / "data"
    r = run_up("--ssl-cert", str(a.cert), "--ssl-key", str(b.key), "--data-dir", str(data))
    assert r.returncode != 0 and "does not belong to the certificate" in r.stdout + r.stderr
    r = run_up("--data-dir", str(data), env={"YOUTHLAB_SSL_CERT": str(a.cert)})
    assert r.returncode != 0 and "go together" in r.stdout + r.stderr
    r = run_up("--ssl-cert", str(tmp_path / "nope.pem"), "--ssl-key", str(a.key), "--data-dir", str(data))
    assert r.returncode != 0 and "not found" in r.stdout + r.stderr
    expired = _signed_leaf(tmp_path / "old", days=-1)
    r = run_up("--ssl-cert", str(expired[0]), "--ssl-key", str(expired[1]), "--data-dir", str(data))
    assert r.returncode != 0 and "not valid now" in r.stdout + r.stderr
    assert not data.exists()


# --- the certificate and the students' address ---------------------------------------

def _machine_ips() -> set[str]:
    stats = psutil.net_if_stats()
    found = set()
    for name, addresses in psutil.net_if_addrs().items():
        for a in addresses:
            if a.family in (socket.AF_INET, socket.AF_INET6) and stats.get(name) and stats[name].isup:
                ip = ipaddress.ip_address(a.address.split("%")[0])
                if not (ip.is_loopback or ip.is_link_local):
                    found.add(str(ip))
    return found


def test_the_self_signed_certificate_names_this_machine_and_its_key_is_private(tmp_path):
    from cryptography import x509

    from youthlab.hub import tls

    made = tls.self_signed(tmp_path)
    assert made.made and stat.S_IMODE(made.key.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.key.parent.stat().st_mode) == 0o700
    cert = x509.load_pem_x509_certificate(made.cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert socket.gethostname() in san.get_values_for_type(x509.DNSName)
    ips = {str(i) for i in san.get_values_for_type(x509.IPAddress)}
    assert _machine_ips() <= ips and "127.0.0.1" in ips
    # what a browser shows: SHA-256 over the DER certificate
    der = ssl.PEM_cert_to_DER_cert(made.cert.read_text())
    import hashlib

    assert made.fingerprint.replace(":", "").lower() == hashlib.sha256(der).hexdigest()
    again = tls.self_signed(tmp_path)  # kept across starts: teachers checked this fingerprint
    assert not again.made and again.fingerprint == made.fingerprint
    moved = tls.self_signed(tmp_path, ips=["10.20.30.40"])  # the machine's address changed
    assert moved.made and moved.fingerprint != made.fingerprint
    soon = tls.self_signed(tmp_path, ips=["10.20.30.40"], now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=820))
    assert soon.made  # renewed before it expires


def test_students_are_given_this_machines_address_never_0_0_0_0():
    from youthlab.hub import tls

    urls = tls.student_urls("0.0.0.0", 8000, https=True)
    assert urls and all(u.startswith("https://") and u.endswith(":8000/") for u in urls)
    hosts = {re.match(r"https://\[?([^\]/]+?)\]?:8000/$", u).group(1) for u in urls}
    assert "0.0.0.0" not in hosts
    ips = _machine_ips()
    if ips:
        assert hosts <= ips and hosts & ips
    assert tls.student_urls("192.0.2.77", 8443, https=False) == ["http://192.0.2.77:8443/"]
    assert tls.is_loopback("127.0.0.2") and tls.is_loopback("::1") and not tls.is_loopback("0.0.0.0")


# --- the data folder when the checkout is closed -------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="the rule is for a hub running as root")
def test_a_closed_checkout_keeps_its_data_where_the_accounts_can_reach_it(monkeypatch):
    from youthlab import paths

    closed = Path(tempfile.mkdtemp(prefix="ylt-checkout-", dir="/tmp"))
    opened = Path(tempfile.mkdtemp(prefix="ylt-checkout-", dir="/tmp"))
    try:
        closed.chmod(0o700)
        opened.chmod(0o755)
        monkeypatch.delenv("YOUTHLAB_DATA_DIR", raising=False)
        monkeypatch.delenv("YOUTHLAB_SPAWNER", raising=False)  # as root: isolated
        monkeypatch.setenv("YOUTHLAB_ROOT", str(closed))
        chosen = paths.data_dir()
        assert chosen.parent == Path("/var/lib/youthlab")
        assert re.fullmatch(re.escape(closed.name) + r"-[0-9a-f]{8}", chosen.name)
        assert paths.data_dir() == chosen  # `youthlab course …` finds the same folder
        monkeypatch.setenv("YOUTHLAB_ROOT", str(opened))
        assert paths.data_dir() == opened / "var"  # others may pass: the data stays in the checkout
        assert paths.shared_data_dir(opened) != chosen  # one folder per checkout
        monkeypatch.setenv("YOUTHLAB_ROOT", str(closed))
        monkeypatch.setenv("YOUTHLAB_SPAWNER", "demo")  # demo mode: nobody else needs it
        assert paths.data_dir() == closed / "var"
        monkeypatch.setenv("YOUTHLAB_SPAWNER", "system-users")
        monkeypatch.setenv("YOUTHLAB_DATA_DIR", str(opened / "mine"))
        assert paths.data_dir() == opened / "mine"  # the operator's choice wins
    finally:
        closed.rmdir()
        opened.rmdir()


# --- a real hub over HTTPS on loopback ---------------------------------------------

def _signed_leaf(folder: Path, days: int = 30) -> tuple[Path, Path, Path]:
    """An operator's certificate as a real CA would issue it: (leaf cert, key, CA cert)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test hall CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=2))
          .not_valid_after(now + dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=2)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (folder / "hub.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "hub.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    return folder / "hub.pem", folder / "hub.key", folder / "ca.pem"


def _served_fingerprint(port: int) -> str:
    from youthlab.hub.tls import fingerprint_der

    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # only to read what is served
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, ctx.wrap_socket(raw) as s:
        return fingerprint_der(s.getpeercert(binary_form=True))


def _printed(hub, pattern: str) -> list[str]:
    return [m.group(1) for line in hub.output for m in [re.search(pattern, line)] if m]


@pytest.fixture(scope="module")
def https_hub():
    from tests.drone.conftest import udp_port
    from tests.hub.hubrunner import start_hub

    data = Path(tempfile.mkdtemp(prefix="ylt-hall-", dir="/tmp"))
    env = {"YOUTHLAB_FLIGHT": "on", "YOUTHLAB_FLIGHT_PORT": str(free_port()),
           "YOUTHLAB_FLIGHT_STATE_PORT": str(udp_port()), "YOUTHLAB_FLIGHT_DRONE": "emulator",
           "YOUTHLAB_TEACHER_PIN": "", "YOUTHLAB_CULL_IDLE": "0"}
    hub = start_hub(data, env, up_args=("--ssl",))
    hub.url = hub.url.replace("http://", "https://")
    hub.env = env
    try:
        yield hub
    finally:
        hub.stop()
        subprocess.run(["rm", "-rf", str(data)])


@pytest.mark.e2e
@pytest.mark.slow
def test_the_hub_serves_https_with_the_printed_fingerprint_and_secure_cookies(https_hub, monkeypatch):
    hub = https_hub
    cert = hub.data_dir / "tls" / "hub-cert.pem"
    printed = _printed(hub, r"SHA-256 fingerprint .*: ([0-9A-F:]{95})")
    assert len(printed) == 1, hub.output
    from youthlab.hub.tls import fingerprint

    port = int(hub.url.rsplit(":", 1)[1].strip("/"))
    # the certificate the teacher is told to check is the one the hub serves, and its file's
    assert printed[0] == _served_fingerprint(port) == fingerprint(cert.read_bytes())
    assert stat.S_IMODE((hub.data_dir / "tls" / "hub-key.pem").stat().st_mode) == 0o600
    # a browser that trusts this certificate gets the hub; without it, no connection
    assert requests.get(f"{hub.url}hub/login", verify=str(cert), timeout=10).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{hub.url}hub/login", timeout=10)
    # nothing answers in clear text on the hub's port
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/hub/login", timeout=10)
    # logging in over HTTPS: the session cookies are only ever sent back over HTTPS
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    s = hub.login("student1")
    login = [c for c in s.cookies if c.name.startswith("jupyterhub")]
    assert login and all(c.secure for c in login), [(c.name, c.secure) for c in login]
    assert s.get(f"{hub.url}hub/api/user", timeout=10).json()["name"] == "student1"
    assert f"Data folder: {hub.data_dir}" in "".join(hub.output)


@pytest.mark.e2e
@pytest.mark.slow
def test_up_makes_the_teacher_pin_shows_it_once_and_keeps_it_from_the_hub_environment(https_hub):
    hub = https_hub
    shown = _printed(hub, r"Made a new teacher PIN: (\S+)")
    assert len(shown) == 1 and re.fullmatch(r"\d{10}", shown[0]), hub.output
    pin_file = hub.data_dir / "flight-service" / "teacher-pin"
    assert pin_file.read_text().strip() == shown[0] and stat.S_IMODE(pin_file.stat().st_mode) == 0o600
    accounts_at = next(i for i, line in enumerate(hub.output) if "Passwords are shown only this once" in line)
    pin_at = next(i for i, line in enumerate(hub.output) if "Made a new teacher PIN" in line)
    assert pin_at > accounts_at  # with the accounts, not lost in the start-up output
    # only the flight service reads it (from its file): no process under the hub has it in its environment
    holders = []
    for p in [psutil.Process(hub.proc.pid), *psutil.Process(hub.proc.pid).children(recursive=True)]:
        try:
            if shown[0] in "".join(p.environ().values()):
                holders.append(" ".join(p.cmdline()))
        except psutil.Error:
            pass
    assert holders == []


@pytest.mark.e2e
@pytest.mark.slow
def test_a_restart_with_the_operators_certificate_serves_it_and_shows_no_pin_again(https_hub, tmp_path):
    from tests.hub.hubrunner import start_hub
    from youthlab.hub.tls import fingerprint

    first = https_hub
    first.stop()  # the same data folder, now with the operator's own certificate
    cert, key, ca = _signed_leaf(tmp_path / "operator")
    env = dict(first.env, YOUTHLAB_SSL_CERT=str(cert), YOUTHLAB_SSL_KEY=str(key))
    hub = start_hub(first.data_dir, env)
    try:
        port = int(hub.url.rsplit(":", 1)[1].strip("/"))
        url = f"https://127.0.0.1:{port}/"
        out = "".join(hub.output)
        assert f"HTTPS: the operator's certificate {cert}" in out
        assert _served_fingerprint(port) == fingerprint(cert.read_bytes())
        assert requests.get(f"{url}hub/login", verify=str(ca), timeout=10).status_code == 200
        assert "Made a new teacher PIN" not in out and "Teacher PIN (flight service): shown at the first start" in out
        pin = (first.data_dir / "flight-service" / "teacher-pin").read_text().strip()
        assert pin not in out
    finally:
        hub.stop()


def test_plain_http_on_the_network_only_with_the_flag_and_then_a_clear_warning(tmp_path, capsys, monkeypatch):
    """What the operator sees with --insecure-http-on-network (checked without listening anywhere)."""
    from youthlab.hub import launcher
    from youthlab.i18n import use_language

    from youthlab.hub.tls import HttpsNeeded

    with pytest.raises(HttpsNeeded) as refused:
        launcher.plan_https("0.0.0.0", False, None, None, insecure=False)
    assert "over plain HTTP" in refused.value.message("en") and "HTTP로 열지 않았어요" in refused.value.message("ko")
    assert launcher.plan_https("0.0.0.0", False, None, None, insecure=True) is False
    env = {"YOUTHLAB_SSL_CERT": "/somewhere/else.pem"}
    launcher.https_environment(env, None, "0.0.0.0", insecure=True)
    assert env == {"YOUTHLAB_INSECURE_HTTP_ON_NETWORK": "accepted"}  # what the hub config accepts
    with use_language("en"):
        launcher.print_network("0.0.0.0", 8000, None, tmp_path)
    out = capsys.readouterr().out
    assert "WARNING: open to the network (0.0.0.0) over plain HTTP" in out
    assert "Students open: http://" in out and "0.0.0.0:8000" not in out
    with use_language("ko"):
        launcher.print_network("0.0.0.0", 8000, None, tmp_path)
    assert "경고: 암호화 없는 HTTP로 네트워크(0.0.0.0)에 열었어요" in capsys.readouterr().out
