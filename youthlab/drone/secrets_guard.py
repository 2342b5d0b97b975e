"""Secrets of the flight service: the teacher's PIN (made strong, kept in a 0600 file)
and per-client rate limiting with lockout for every secret check.

A 4-digit PIN with no limit falls in under a second; so the PIN is generated when the
operator sets none (10 random digits, shown once), one set by the operator must have at
least :data:`MIN_PIN_LENGTH` characters, and every client (a hub user, or an address on
a flight station) gets :attr:`Throttle.max_failures` wrong tries before a lockout that
doubles each time.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from youthlab.drone.errors import DroneError
from youthlab.errors import ConfigError

MIN_PIN_LENGTH = 8
GENERATED_PIN_DIGITS = 10
MAX_SECRET_LENGTH = 256
PIN_FILE = "teacher-pin"


class TooManyTries(DroneError):
    key = "drone.secrets.locked"
    hint_key = "drone.secrets.locked.hint"


class WeakTeacherPin(ConfigError):
    key = "drone.secrets.weak_pin"
    hint_key = "drone.secrets.weak_pin.hint"


class MalformedSecret(DroneError):
    key = "drone.secrets.malformed"
    hint_key = "drone.secrets.malformed.hint"


def well_formed(value: Any) -> bool:
    """A secret as a client may send it: a string of printable ASCII, not too long."""
    return (isinstance(value, str) and 0 < len(value) <= MAX_SECRET_LENGTH
            and value.isascii() and value.isprintable())


def same_secret(given: Any, expected: str) -> bool:
    """Constant-time comparison; raises :class:`MalformedSecret` for a non-string or
    non-ASCII value (a 400, never a 500)."""
    if not well_formed(given):
        raise MalformedSecret()
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_pin_strength(pin: str) -> None:
    if not well_formed(pin) or len(pin) < MIN_PIN_LENGTH:
        raise WeakTeacherPin(minimum=MIN_PIN_LENGTH, length=len(pin) if isinstance(pin, str) else 0)


def ensure_teacher_pin(folder: Path, environ: Mapping[str, str] = os.environ) -> tuple[str, bool]:
    """The teacher's PIN and whether it was made just now (then show it to the operator,
    once). ``YOUTHLAB_TEACHER_PIN`` wins when set (refused if weaker than
    :data:`MIN_PIN_LENGTH` characters); else the PIN in ``<folder>/teacher-pin``, made
    (random digits, mode 0600) when missing. Call it from the launcher before the hub
    starts so the operator sees it; the service calls it too."""
    given = environ.get("YOUTHLAB_TEACHER_PIN", "")
    if given:
        check_pin_strength(given)
        return given, False
    path = Path(folder) / PIN_FILE
    try:
        pin = path.read_text(encoding="ascii").strip()
        check_pin_strength(pin)
        return pin, False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    pin = "".join(secrets.choice("0123456789") for _ in range(GENERATED_PIN_DIGITS))
    tmp = path.with_name(f".{PIN_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(pin + "\n")
    try:
        os.link(tmp, path)  # never overwrite a PIN another process just made
    except FileExistsError:
        os.unlink(tmp)
        return ensure_teacher_pin(folder, environ)
    os.unlink(tmp)
    return pin, True


class Throttle:
    """Failed secret checks per client; a client with ``max_failures`` failures within
    ``window_s`` is locked out for ``lockout_s``, doubled on each further lockout (up to
    ``max_lockout_s``). A success clears the count (not the lockout level)."""

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
            raise TooManyTries(seconds=int(left) + 1)

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
