"""Secrets a service checks (the flight service's teacher PIN, the kiosk's staff PIN):
made strong when the operator sets none, kept in a 0600 file, compared in constant time,
and every check behind per-client rate limiting with lockout.

A 4-digit PIN with no limit falls in under a second. So a PIN is generated when unset
(random digits, shown once), one set by the operator must meet a minimum length, and
each client gets :attr:`Throttle.max_failures` wrong tries before a lockout that doubles
each time. Services subclass the errors for their own wording (see
``youthlab.drone.secrets_guard``, ``youthlab.kiosk.security``).
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from youthlab.errors import ConfigError, YouthLabError

MAX_SECRET_LENGTH = 256


class TooManyTries(YouthLabError):
    key = "secrets.locked"
    hint_key = "secrets.locked.hint"


class MalformedSecret(YouthLabError):
    key = "secrets.malformed"
    hint_key = "secrets.malformed.hint"


class WeakSecret(ConfigError):
    key = "secrets.weak"
    hint_key = "secrets.weak.hint"


def well_formed(value: Any) -> bool:
    """A secret as a client may send it: a string of printable ASCII, not too long."""
    return (isinstance(value, str) and 0 < len(value) <= MAX_SECRET_LENGTH
            and value.isascii() and value.isprintable())


def same_secret(given: Any, expected: str, malformed: type[YouthLabError] = MalformedSecret) -> bool:
    """Constant-time comparison; raises ``malformed`` for a non-string or non-ASCII value
    (a 400, never a 500)."""
    if not well_formed(given):
        raise malformed()
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def random_digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def ensure_pin(path: Path, env_var: str, check: Callable[[str], None], digits: int,
               environ: Mapping[str, str] = os.environ) -> tuple[str, bool]:
    """A PIN and whether it was made just now (then show it to the operator, once).

    ``environ[env_var]`` wins when set (``check`` raises when it is too weak); else the
    PIN kept in ``path``, made (``digits`` random digits, mode 0600 from creation) when
    missing. Two processes starting at once get the same PIN (never overwritten)."""
    given = environ.get(env_var, "")
    if given:
        check(given)
        return given, False
    path = Path(path)
    try:
        pin = path.read_text(encoding="ascii").strip()
        check(pin)
        return pin, False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    pin = random_digits(digits)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(pin + "\n")
    try:
        os.link(tmp, path)  # never overwrite a PIN another process just made
    except FileExistsError:
        os.unlink(tmp)
        return ensure_pin(path, env_var, check, digits, environ)
    os.unlink(tmp)
    return pin, True


class Throttle:
    """Failed secret checks per client; a client with ``max_failures`` failures within
    ``window_s`` is locked out for ``lockout_s``, doubled on each further lockout (up to
    ``max_lockout_s``). A success clears the count (not the lockout level).

    :meth:`check` raises :attr:`error` (a subclass sets its service's own error)."""

    error: type[YouthLabError] = TooManyTries

    def __init__(self, max_failures: int = 5, window_s: float = 600.0, lockout_s: float = 60.0,
                 max_lockout_s: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window_s = max_failures, window_s
        self.lockout_s, self.max_lockout_s = lockout_s, max_lockout_s
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lockouts: dict[str, int] = {}
        self._lock = threading.Lock()

    def locked_for(self, key: str) -> float:
        """Seconds left of ``key``'s lockout (0 if none)."""
        with self._lock:
            return max(0.0, self._locked_until.get(key, 0.0) - self.clock())

    def check(self, key: str) -> None:
        left = self.locked_for(key)
        if left > 0:
            raise self.error(seconds=int(left) + 1)

    def failed(self, key: str) -> bool:
        """Count a failure; True if it locked ``key`` out."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < self.window_s] + [now]
            if len(recent) < self.max_failures:
                self._failures[key] = recent
                return False
            level = self._lockouts.get(key, 0)
            self._lockouts[key] = level + 1
            self._locked_until[key] = now + min(self.lockout_s * 2 ** level, self.max_lockout_s)
            self._failures[key] = []
            return True

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
