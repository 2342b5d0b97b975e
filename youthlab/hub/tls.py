"""The hub on the hall network: HTTPS and the address students should open.

On any address but loopback, demo passwords and session cookies would cross the hall's
network in clear text, so the hub needs a certificate there: the operator's own
(``--ssl-cert``/``--ssl-key``), or a self-signed one made for this machine (``--ssl``,
kept in ``<data>/tls/``: key 0600, folder 0700; SubjectAltName = this machine's hostname
and its addresses, so a teacher can check the SHA-256 fingerprint printed at every
start against the browser's). Clear HTTP on the network only with an explicit flag.

The address printed for students comes from the machine's interfaces
(:func:`psutil.net_if_addrs`), never ``0.0.0.0``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import psutil

from youthlab.errors import ConfigError

ANY_ADDRESSES = ("", "0.0.0.0", "::", "*")
TLS_FOLDER = "tls"
CERT_FILE = "hub-cert.pem"
KEY_FILE = "hub-key.pem"
VALID_DAYS = 825  # what browsers accept for a server certificate
RENEW_BEFORE_DAYS = 30


class HttpsNeeded(ConfigError):
    key = "hall.https_needed"
    hint_key = "hall.https_needed.hint"


class CertificateProblem(ConfigError):
    """The operator's certificate or key cannot serve the hub (the key says why)."""

    key = "hall.cert.missing"
    hint_key = "hall.cert.hint"


@dataclass(frozen=True)
class HubCertificate:
    cert: Path
    key: Path
    fingerprint: str  # SHA-256 of the DER certificate, AA:BB:…
    self_signed: bool
    made: bool = False  # made just now


def is_loopback(ip: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost`` stay on this machine; anything else is the network."""
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def on_network(ip: str) -> bool:
    return not is_loopback(ip)


def hall_addresses(ipv6: bool = False) -> list[str]:
    """This machine's addresses on its (up) network interfaces: no loopback, no link-local."""
    stats = psutil.net_if_stats()
    families = (socket.AF_INET, socket.AF_INET6) if ipv6 else (socket.AF_INET,)
    found: list[str] = []
    for name, addresses in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for entry in addresses:
            if entry.family not in families:
                continue
            try:
                ip = ipaddress.ip_address(entry.address.split("%", 1)[0])
            except ValueError:
                continue
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified:
                continue
            if str(ip) not in found:
                found.append(str(ip))
    return found


def _url_host(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


def student_urls(ip: str, port: int, https: bool) -> list[str]:
    """What students type: ``https://<hall address>:<port>/`` for each of this machine's
    addresses when listening on every address, else the one address it listens on."""
    scheme = "https" if https else "http"
    if ip in ANY_ADDRESSES:
        hosts = hall_addresses(ipv6=ip == "::") or [socket.gethostname()]
    else:
        hosts = [ip]
    return [f"{scheme}://{_url_host(h)}:{port}/" for h in hosts]


def local_url(ip: str, port: int, https: bool) -> str:
    """The hub's address as seen from this machine (for the launcher's own check)."""
    host = "127.0.0.1" if ip in ("", "0.0.0.0", "*") else "::1" if ip == "::" else ip
    return f"{'https' if https else 'http'}://{_url_host(host)}:{port}/"


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 fingerprint of a PEM certificate, as browsers show it (``AA:BB:…``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(Encoding.DER)
    return fingerprint_der(der)


def fingerprint_der(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def machine_names() -> tuple[list[str], list[str]]:
    """DNS names and IP addresses a self-signed certificate for this machine covers."""
    names = []
    for name in (socket.gethostname(), socket.getfqdn(), "localhost"):
        if name and name not in names and not _is_ip(name):
            names.append(name)
    ips = [*hall_addresses(ipv6=True), "127.0.0.1", "::1"]
    return names, ips


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def _covered(cert, names: list[str], ips: list[str]) -> bool:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have_names = set(san.get_values_for_type(x509.DNSName))
    have_ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return set(names) <= have_names and {str(ipaddress.ip_address(i)) for i in ips} <= have_ips


def _write_private(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` atomically, with ``mode`` from creation."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)  # whatever the umask
    os.replace(tmp, path)


def self_signed(data: Path, names: list[str] | None = None, ips: list[str] | None = None,
                now: dt.datetime | None = None) -> HubCertificate:
    """The hub's self-signed certificate in ``<data>/tls/``, made when missing, expiring
    within 30 days, or no longer covering this machine's names and addresses (the
    fingerprint then changes: it is printed at every start)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    if names is None or ips is None:
        found_names, found_ips = machine_names()
        names = found_names if names is None else names
        ips = found_ips if ips is None else ips
    now = now or dt.datetime.now(dt.timezone.utc)
    folder = Path(data) / TLS_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    if cert_path.is_file() and key_path.is_file():
        pem = cert_path.read_bytes()
        try:
            cert = x509.load_pem_x509_certificate(pem)
            fresh = cert.not_valid_after_utc - now > dt.timedelta(days=RENEW_BEFORE_DAYS)
            if fresh and _covered(cert, names, ips):
                key_path.chmod(0o600)
                return HubCertificate(cert_path, key_path, fingerprint(pem), self_signed=True)
        except ValueError:
            pass  # unreadable: make a new one
    key = ec.generate_private_key(ec.SECP256R1())
    host = names[0] if names else "youthlab-hub"
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "YouthLab hub (self-signed)")])
    alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    pem = cert.public_bytes(serialization.Encoding.PEM)
    _write_private(key_path, key_pem, 0o600)
    _write_private(cert_path, pem, 0o644)
    return HubCertificate(cert_path, key_path, fingerprint(pem), self_signed=True, made=True)


def operator_certificate(cert: Path, key: Path, now: dt.datetime | None = None) -> HubCertificate:
    """The operator's certificate and key, checked before anything starts: both readable
    PEM, the key belongs to the certificate, and it is valid now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert, key = Path(cert), Path(key)
    for path in (cert, key):
        if not path.is_file():
            raise CertificateProblem("hall.cert.missing", path=str(path))
    try:
        pem = cert.read_bytes()
        certificate = x509.load_pem_x509_certificate(pem)
    except (OSError, ValueError):
        raise CertificateProblem("hall.cert.not_pem_cert", path=str(cert)) from None
    try:
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        raise CertificateProblem("hall.cert.not_pem_key", path=str(key)) from None
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    if (private.public_key().public_bytes(serialization.Encoding.DER, pub)
            != certificate.public_key().public_bytes(serialization.Encoding.DER, pub)):
        raise CertificateProblem("hall.cert.key_mismatch", path=str(key))
    now = now or dt.datetime.now(dt.timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise CertificateProblem("hall.cert.expired", path=str(cert))
    return HubCertificate(cert.resolve(), key.resolve(), fingerprint(pem), self_signed=False)


def require_https_on_network(ip: str, https: bool, insecure_accepted: bool) -> None:
    """Raise :class:`HttpsNeeded` for clear HTTP on a non-loopback address, unless the
    operator said with ``--insecure-http-on-network`` that they accept it."""
    if on_network(ip) and not https and not insecure_accepted:
        raise HttpsNeeded(ip=ip or "0.0.0.0")
