"""The origin that kiosk QR codes point visitors' phones at.

It comes from configuration only (``YOUTHLAB_KIOSK_PUBLIC_URL``), never from a request's
``Host`` header: a visitor who sends ``Host: evil.example`` must not put evil.example into
a QR code that the next visitors scan. When the operator sets none, it is derived from
the address and port the hub (or ``youthlab kiosk``) listens on.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from youthlab.kiosk.security import BadPublicUrl

ANY_ADDRESS = ("", "0.0.0.0", "::", "*")


def checked_origin(value: str) -> str:
    """``value`` as an origin (``http(s)://host[:port]``, no trailing slash); raises
    :class:`BadPublicUrl` for anything else (a path, a query, user info, another scheme)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise BadPublicUrl(url=value) from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password
            or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise BadPublicUrl(url=value)
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


def primary_address() -> str:
    """This machine's address on its main network (no packet is sent), else its hostname."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 9))
            address = s.getsockname()[0]
            if not ipaddress.ip_address(address).is_unspecified:
                return address
        except OSError:
            pass
    return socket.gethostname()


def default_public_url(ip: str, port: int, scheme: str = "http") -> str:
    """``scheme://<ip>:<port>``; an any-address (``0.0.0.0``) becomes this machine's address."""
    host = primary_address() if ip in ANY_ADDRESS else ip
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def public_url(configured: str, ip: str, port: int, scheme: str = "http") -> str:
    """The configured origin (checked), or the default for ``ip:port``."""
    return checked_origin(configured) if configured.strip() else default_public_url(ip, port, scheme)
