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

from pathlib import Path
from typing import Any, Mapping

from traitlets import Unicode

from youthlab import secrets_guard as _shared
from youthlab.config import EnvConfigurable, knob
from youthlab.drone.errors import DroneError
from youthlab.paths import data_dir
from youthlab.secrets_guard import well_formed

MIN_PIN_LENGTH = 8
GENERATED_PIN_DIGITS = 10
PIN_FILE = "teacher-pin"
PIN_VAR = "YOUTHLAB_TEACHER_PIN"


class TeacherPinSettings(EnvConfigurable):
    """The teacher's PIN: one knob for the flight service and the simulate-first gate
    (listed with the flight service's knobs, ``youthlab config --area flight-service``)."""

    teacher_pin = knob(Unicode(""), PIN_VAR, secret=True)


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


def ensure_teacher_pin(folder: Path, environ: Mapping[str, str] | None = None, *,
                       pin: str | None = None) -> tuple[str, bool]:
    """The teacher's PIN and whether it was made just now (then show it to the operator,
    once). The operator's PIN wins when set — ``pin`` (from settings already read), else
    the ``YOUTHLAB_TEACHER_PIN`` setting of ``environ`` (default: the process's) — and is
    refused if weaker than :data:`MIN_PIN_LENGTH` characters; else the PIN in
    ``<folder>/teacher-pin``, made (random digits, mode 0600) when missing. Call it from
    the launcher before the hub starts so the operator sees it; the service calls it too."""
    given = TeacherPinSettings.setting("teacher_pin", environ) if pin is None else pin
    return _shared.ensure_pin(Path(folder) / PIN_FILE, PIN_VAR, check_pin_strength,
                              GENERATED_PIN_DIGITS, {PIN_VAR: given})


def service_folder(data: Path | None = None) -> Path:
    """The flight service's own folder (its PIN, key, ledger and pilot log)."""
    return Path(data if data is not None else data_dir()) / "flight-service"


def configured_teacher_pin(folder: Path | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The teacher's PIN, decided one way for the simulate-first gate and the flight
    service: ``YOUTHLAB_TEACHER_PIN`` when set (refused if weak), else the PIN the service
    keeps in ``<folder>/teacher-pin`` (default: the data folder's flight service), else
    None — no override is possible. Unlike :func:`ensure_teacher_pin` it makes nothing."""
    given = TeacherPinSettings.setting("teacher_pin", environ)
    if given:
        check_pin_strength(given)
        return given
    try:
        kept = (Path(folder) if folder else service_folder()).joinpath(PIN_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return kept or None


def pin_matches(given: Any, expected: str | None) -> bool:
    """Whether ``given`` is the teacher's PIN (constant time; a malformed value is no match)."""
    if not expected or given is None:
        return False
    try:
        return same_secret(given, expected)
    except MalformedSecret:
        return False


class Throttle(_shared.Throttle):
    """:class:`youthlab.secrets_guard.Throttle` raising the flight service's :class:`TooManyTries`."""

    error = TooManyTries
