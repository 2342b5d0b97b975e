"""Mission pads: the numbered mats (m1 … m8) a Tello EDU sees with its downward camera.

A pad lies on the floor at a point of the takeoff frame (cm), its x axis along the
frame's x. After ``mon`` the drone reports the pad in sight in its state string
(``mid;x;y;z;mpry``: its own position and attitude relative to the pad) and accepts
``go``/``curve`` with ``m<id>`` (coordinates relative to that pad). The camera sees a
pad from 0.3 m to 1.2 m up, within a cone under the drone — the Mission Pad guide's
detection range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

from youthlab.drone.sdk import NO_PAD

DETECT_HEIGHT_CM = (30.0, 120.0)
DETECT_HALF_ANGLE_DEG = 35.0  # a pad is seen when it is inside this cone under the drone

PadFix = tuple[int, int, int, int, tuple[int, int, int]]


@dataclass(frozen=True)
class MissionPads:
    """Pads by id at (x, y) cm in the takeoff frame. ``MissionPads({1: (0, 0)})`` is the
    usual classroom layout: pad 1 under the takeoff point."""

    at: Mapping[int, tuple[float, float]] = field(default_factory=dict)

    def in_sight(self, x_cm: float, y_cm: float, z_cm: float) -> int | None:
        """The id of the nearest pad the downward camera sees from here, or None."""
        lo, hi = DETECT_HEIGHT_CM
        if not lo <= z_cm <= hi:
            return None
        reach = z_cm * math.tan(math.radians(DETECT_HALF_ANGLE_DEG))
        seen = [(math.dist((x_cm, y_cm), xy), pad) for pad, xy in self.at.items()
                if math.dist((x_cm, y_cm), xy) <= reach]
        return min(seen)[1] if seen else None

    def fix(self, x_cm: float, y_cm: float, z_cm: float, yaw_deg: float) -> PadFix:
        """What the state string says: (mid, x, y, z, (pitch, roll, yaw)) relative to the
        pad in sight, or the SDK's "no pad" values."""
        pad = self.in_sight(x_cm, y_cm, z_cm)
        if pad is None:
            return NO_PAD
        px, py = self.at[pad]
        return (pad, int(round(x_cm - px)), int(round(y_cm - py)), int(round(z_cm)),
                (0, 0, int(round(yaw_deg))))

    def where(self, pad: int, x_cm: float, y_cm: float) -> tuple[float, float]:
        """A point given relative to ``pad`` as takeoff-frame cm."""
        px, py = self.at[pad]
        return px + x_cm, py + y_cm
