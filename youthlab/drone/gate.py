"""Simulate first: a real drone flies only programs that passed the simulator safely.

A pass is recorded per program (SHA-256 of its source, whitespace-normalised) in
``<data_dir>/drone/sim_passes.json``, each entry signed with an HMAC key kept next to it
(mode 0600). A real backend demands a :class:`Clearance`, which is only made for a
recorded pass, or for a teacher override (the teacher's PIN, decided as the flight
service decides it: :func:`~youthlab.drone.secrets_guard.configured_teacher_pin`).

This ledger is a convenience for one machine (a club laptop, `youthlab drone fly`). On a
shared hub the flight service (:mod:`youthlab.drone.service`) does not trust it: it runs
every program in its own simulator right before flying it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from youthlab.drone.errors import SimulateFirst
from youthlab.drone.secrets_guard import configured_teacher_pin, pin_matches
from youthlab.paths import own_data_dir


def program_hash(source: str) -> str:
    text = "\n".join(line.rstrip() for line in source.strip().splitlines())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Clearance:
    program: str  # hash
    mac: str
    override: bool = False


class Gate:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder else own_data_dir("drone")

    @property
    def ledger_path(self) -> Path:
        return self.folder / "sim_passes.json"

    def _key(self) -> bytes:
        path = self.folder / "gate.key"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        return path.read_text().strip().encode()

    def _mac(self, digest: str) -> str:
        return hmac.new(self._key(), digest.encode(), hashlib.sha256).hexdigest()

    def _ledger(self) -> dict:
        try:
            return json.loads(self.ledger_path.read_text())
        except (OSError, ValueError):
            return {}

    def record(self, source: str, record: dict) -> bool:
        """Store a simulator result; True if it counts as a pass (no safety event,
        landed, not crashed)."""
        final = record.get("final", {})
        ok = (not record.get("events") and not final.get("flying")
              and not final.get("crashed") and record.get("backend") == "sim")
        if ok:
            digest = program_hash(source)
            ledger = self._ledger()
            ledger[digest] = {"time": time.time(), "mac": self._mac(digest),
                              "flight_s": round(final.get("t", 0.0), 1)}
            self.folder.mkdir(parents=True, exist_ok=True)
            self.ledger_path.write_text(json.dumps(ledger, indent=1))
        return ok

    def passed(self, source: str) -> bool:
        digest = program_hash(source)
        entry = self._ledger().get(digest)
        return bool(entry) and hmac.compare_digest(entry.get("mac", ""), self._mac(digest))

    def clearance(self, source: str, teacher_pin: str | None = None) -> Clearance:
        """A clearance for a real flight of ``source``, or :class:`SimulateFirst`."""
        digest = program_hash(source)
        if teacher_pin is not None and pin_matches(teacher_pin, configured_teacher_pin()):
            return self.override_clearance(source)
        if self.passed(source):
            return Clearance(digest, self._mac(digest))
        raise SimulateFirst()

    def override_clearance(self, source: str) -> Clearance:
        """A teacher's override for ``source``: the caller has checked the teacher's PIN."""
        digest = program_hash(source)
        return Clearance(digest, self._mac("override:" + digest), override=True)

    def verify(self, clearance: object) -> bool:
        if not isinstance(clearance, Clearance):
            return False
        expected = self._mac(("override:" if clearance.override else "") + clearance.program)
        return hmac.compare_digest(clearance.mac, expected)


def require_clearance(clearance: object, gate: Gate | None = None) -> None:
    """Raise :class:`SimulateFirst` unless ``clearance`` is genuine."""
    if not (gate or Gate()).verify(clearance):
        raise SimulateFirst()
