"""Secrets of the flight service: the teacher's PIN (made strong, kept in a 0600 file)
and per-client rate limiting with lockout for every secret check.

A 4-digit PIN with no limit falls in under a second; so the PIN is generated when the
operator sets none (10 random digits, shown once), one set by the operator must have at
least :data:`MIN_PIN_LENGTH` characters, and every client (a hub user, or an address on
a flight station) gets :attr:`Throttle.max_failures` wrong tries before a lockout that
doubles each time. The mechanism is shared with the kiosk: :mod:`youthlab.secrets_guard`;
this module gives it the flight service's errors and names.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from youthlab import secrets_guard as _shared
from youthlab.drone.errors import DroneError
from youthlab.secrets_guard import MAX_SECRET_LENGTH, well_formed  # noqa: F401  (re-exported)

MIN_PIN_LENGTH = 8
GENERATED_PIN_DIGITS = 10
PIN_FILE = "teacher-pin"


class TooManyTries(DroneError, _shared.TooManyTries):
    key = "drone.secrets.locked"
    hint_key = "drone.secrets.locked.hint"


class WeakTeacherPin(_shared.WeakSecret):
    key = "drone.secrets.weak_pin"
    hint_key = "drone.secrets.weak_pin.hint"


class MalformedSecret(DroneError, _shared.MalformedSecret):
    key = "drone.secrets.malformed"
    hint_key = "drone.secrets.malformed.hint"


def same_secret(given: Any, expected: str) -> bool:
    """Constant-time comparison; raises :class:`MalformedSecret` for a non-string or
    non-ASCII value (a 400, never a 500)."""
    return _shared.same_secret(given, expected, MalformedSecret)


def check_pin_strength(pin: str) -> None:
    if not well_formed(pin) or len(pin) < MIN_PIN_LENGTH:
        raise WeakTeacherPin(minimum=MIN_PIN_LENGTH, length=len(pin) if isinstance(pin, str) else 0)


def ensure_teacher_pin(folder: Path, environ: Mapping[str, str] = os.environ) -> tuple[str, bool]:
    """The teacher's PIN and whether it was made just now (then show it to the operator,
    once). ``YOUTHLAB_TEACHER_PIN`` wins when set (refused if weaker than
    :data:`MIN_PIN_LENGTH` characters); else the PIN in ``<folder>/teacher-pin``, made
    (random digits, mode 0600) when missing. Call it from the launcher before the hub
    starts so the operator sees it; the service calls it too."""
    return _shared.ensure_pin(Path(folder) / PIN_FILE, "YOUTHLAB_TEACHER_PIN", check_pin_strength,
                              GENERATED_PIN_DIGITS, environ)


class Throttle(_shared.Throttle):
    """:class:`youthlab.secrets_guard.Throttle` raising the flight service's :class:`TooManyTries`."""

    error = TooManyTries
