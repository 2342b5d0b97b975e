"""Frames and chunking: absolute targets (takeoff frame) → Tello body-frame commands."""

from __future__ import annotations

import math

from youthlab.drone import sdk
from youthlab.drone.backends.base import Telemetry

MAX_STEP = 500


def to_body(yaw_cw_deg: float, dx: float, dy: float) -> tuple[float, float]:
    """A world-frame offset as (forward, left) for a drone heading ``yaw`` (cw positive)."""
    psi = -math.radians(yaw_cw_deg)
    c, s = math.cos(psi), math.sin(psi)
    return dx * c + dy * s, -dx * s + dy * c


def to_world(yaw_cw_deg: float, forward: float, left: float) -> tuple[float, float]:
    psi = -math.radians(yaw_cw_deg)
    c, s = math.cos(psi), math.sin(psi)
    return forward * c - left * s, forward * s + left * c


def body_moves(tel: Telemetry, x: float, y: float, z: float, speed: int = 50) -> list[str]:
    """``go`` commands that take the drone from ``tel`` to (x, y, z) cm, each ≤ 500 cm
    per axis. Empty when the point is within the SDK's 20 cm dead band."""
    fwd, left = to_body(tel.yaw, x - tel.x, y - tel.y)
    up = z - tel.z
    biggest = max(abs(fwd), abs(left), abs(up))
    if biggest < sdk.GO_MIN_CM:
        return []
    n = max(1, math.ceil(biggest / MAX_STEP))
    speed = int(min(max(speed, 10), 100))
    steps, done = [], [0, 0, 0]
    for i in range(1, n + 1):
        target = [round(fwd * i / n), round(left * i / n), round(up * i / n)]
        d = [target[k] - done[k] for k in range(3)]
        done = target
        steps.append(f"go {d[0]} {d[1]} {d[2]} {speed}")
    return steps
