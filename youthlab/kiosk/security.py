"""What the kiosk trusts of a visitor's request: nothing it does not check.

- the staff PIN: made strong when unset (kept 0600 in ``<data>/kiosk/staff-pin``), a
  minimum strength when the operator sets one, and per-device plus hall-wide lockout
  (:class:`youthlab.secrets_guard.Throttle`);
- the device: the address the hub's proxy saw (the *last* ``X-Forwarded-For`` entry,
  which configurable-http-proxy appends), trusted only from a proxy on loopback;
- page reports: one report is one log line (control characters escaped, length capped).

Why 6 characters at least (8 random digits when generated): staff type the PIN on a touch
screen, so it stays digits-friendly; with 5 wrong tries per device before a lockout that
doubles (1 min … 1 h) and a hall-wide lockout after 20 misses, 10^6 PINs take years.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from pathlib import Path
from typing import Mapping

from youthlab import secrets_guard
from youthlab.config import settings_class
from youthlab.errors import ConfigError

MIN_STAFF_PIN_LENGTH = 6
GENERATED_STAFF_PIN_DIGITS = 8
STAFF_PIN_FILE = "staff-pin"
PIN_VAR = "YOUTHLAB_KIOSK_PIN"  # the setting's variable: the server hands the PIN on without it
REPORT_MAX_CHARS = 500
REPORT_MAX_BYTES = 4096


class StaffPinLocked(secrets_guard.TooManyTries):
    key = "kiosk.security.locked"
    hint_key = "kiosk.security.locked.hint"


class WeakStaffPin(secrets_guard.WeakSecret):
    key = "kiosk.security.weak_pin"
    hint_key = "kiosk.security.weak_pin.hint"


class BadPublicUrl(ConfigError):
    key = "kiosk.security.bad_public_url"
    hint_key = "kiosk.security.bad_public_url.hint"


class PinThrottle(secrets_guard.Throttle):
    error = StaffPinLocked


def device_throttle() -> PinThrottle:
    """Per device: 5 misses in 10 min lock it out for 1 min, doubling up to 1 h."""
    return PinThrottle(max_failures=5, window_s=600, lockout_s=60, max_lockout_s=3600)


def hall_throttle() -> PinThrottle:
    """All devices together (key ``"*"``): a student's kernel on the hub's machine can
    forge ``X-Forwarded-For`` (it is on loopback too), so the hall as a whole gets 20
    misses in 10 min before a lockout (1 min, doubling up to 1 h)."""
    return PinThrottle(max_failures=20, window_s=600, lockout_s=60, max_lockout_s=3600)


def report_throttle() -> secrets_guard.Throttle:
    """Page reports: 10 a minute per device (and 60 for the hall), then a minute's pause."""
    return secrets_guard.Throttle(max_failures=10, window_s=60, lockout_s=60, max_lockout_s=600)


def _trivial(pin: str) -> bool:
    """One repeated character or a straight run (123456, 987654): first guesses."""
    if len(set(pin)) == 1:
        return True
    if pin.isdigit():
        steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
        return steps in ({1}, {9})
    return False


def check_staff_pin(pin: str) -> None:
    """Raise :class:`WeakStaffPin` when ``pin`` is shorter than 6 characters, not printable
    ASCII, or trivial (``000000``, ``123456``)."""
    if not secrets_guard.well_formed(pin) or len(pin) < MIN_STAFF_PIN_LENGTH or _trivial(pin):
        raise WeakStaffPin(minimum=MIN_STAFF_PIN_LENGTH, length=len(pin) if isinstance(pin, str) else 0)


def staff_pin_file(data: Path) -> Path:
    return Path(data) / "kiosk" / STAFF_PIN_FILE


def ensure_staff_pin(data: Path, environ: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """The staff PIN and whether it was made just now (show it to the operator, once).

    The setting ``KioskServiceSettings.staff_pin`` (``YOUTHLAB_KIOSK_PIN``) of ``environ``
    (default: the process's): ``off``: no staff exit (returns ``""``). Set: used when strong
    enough (else :class:`WeakStaffPin`). Unset: the PIN in ``<data>/kiosk/staff-pin``
    (0600, folder 0700), made when missing."""
    # by entry point: the hub service's module imports this one
    given = settings_class("kiosk-service").setting("staff_pin", environ)
    if given.strip().lower() == "off":
        return "", False
    folder = staff_pin_file(data).parent
    pin, made = secrets_guard.ensure_pin(staff_pin_file(data), PIN_VAR, check_staff_pin,
                                         GENERATED_STAFF_PIN_DIGITS, {PIN_VAR: given})
    if made:
        folder.chmod(0o700)
    return pin, made


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def client_address(remote_ip: str, forwarded_for: str | None) -> str:
    """The visitor's device. Behind the hub, every request comes from the proxy on
    loopback, which *appends* the address it saw to ``X-Forwarded-For``: only that last
    entry is the proxy's word (earlier ones are whatever the visitor sent). A header from
    anywhere but loopback is ignored."""
    if not forwarded_for or not _loopback(remote_ip):
        return remote_ip
    last = forwarded_for.rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return remote_ip


def one_line(text: str, limit: int = REPORT_MAX_CHARS) -> str:
    """``text`` safe for one log line: control, format and separator characters (``\\n``,
    ``\\r``, ``\\x1b``, U+2028 …) escaped as ``\\n`` / ``\\uXXXX``, cut at ``limit``
    characters (with a note of how many were cut)."""
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif unicodedata.category(ch)[0] in "CZ" and ch != " ":
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    line = "".join(out)
    if len(line) > limit:
        line = f"{line[:limit]}…(+{len(line) - limit} chars)"
    return line
