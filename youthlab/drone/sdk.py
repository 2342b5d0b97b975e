"""The Tello SDK 2.0 text protocol: command names, value ranges and reply strings.

One table used by the simulator backend, the emulator and the Tello client, so code that
the simulator accepts is code the drone accepts. Replies are the ones a real Tello sends:
``ok``, ``out of range`` (a value outside the SDK range), ``error Motor stop`` (a move
while the motors are off), ``error Not joystick`` (the drone is not ready to move),
``error Auto land`` (battery too low), ``unknown command: <text>``. ``rc`` and
``emergency`` get no reply at all (a real Tello sends none; clients such as djitellopy
send them without waiting, so a reply would be read as the answer to the next command).

The state string is SDK 2.0's: ``mid;x;y;z;mpry`` (mission pads) before the SDK 1.3
fields. Without a pad in sight a Tello sends ``mid:-1`` and ``x``/``y``/``z`` ``-100``,
``mpry:-1,-1,-1`` — the values tutorial code tests for.
"""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
OUT_OF_RANGE = "out of range"
MOTOR_STOP = "error Motor stop"
AUTO_LAND = "error Auto land"
ERROR = "error"


def unknown(text: str) -> str:
    return f"unknown command: {text}"


# name -> list of (min, max) per numeric argument (inclusive), as in the SDK 2.0 guide.
MOVES = {name: [(20, 500)] for name in ("up", "down", "left", "right", "forward", "back")}
ROTATIONS = {"cw": [(1, 360)], "ccw": [(1, 360)]}
RANGES: dict[str, list[tuple[int, int]]] = {
    **MOVES,
    **ROTATIONS,
    "go": [(-500, 500), (-500, 500), (-500, 500), (10, 100)],
    "speed": [(10, 100)],
    "rc": [(-100, 100)] * 4,
    "curve": [(-500, 500)] * 6 + [(10, 60)],
    "mdirection": [(0, 2)],
    "port": [(1025, 65535)] * 2,
}
CONTROL = {"command", "takeoff", "land", "emergency", "stop", "streamon", "streamoff", "mon", "moff"}
NO_REPLY = {"rc", "emergency"}  # a Tello answers neither
PAD_IDS = range(1, 9)  # mission pads m1 … m8
WITH_PAD = {"go", "curve"}  # may end with " m<id>": coordinates relative to that pad
CURVE_RADIUS_CM = (50, 1000)  # the arc's radius must be 0.5–10 m
READS = {"speed?", "battery?", "time?", "height?", "temp?", "attitude?", "baro?",
         "acceleration?", "tof?", "wifi?", "sdk?", "sn?"}
# Commands that take flight time and answer only when done.
MOTION = set(MOVES) | set(ROTATIONS) | {"go", "curve", "takeoff", "land"}
GO_MIN_CM = 20  # "x", "y" and "z" can't all be between -20 and 20 at once
TAKEOFF_HEIGHT_CM = 80
DEFAULT_SPEED_CM_S = 100
LINK_TIMEOUT_S = 15.0  # a Tello lands when it hears nothing for 15 s


@dataclass(frozen=True)
class Command:
    """A parsed SDK command: ``name`` plus integer ``args``."""

    name: str
    args: tuple[int, ...] = ()
    pad: int | None = None  # ``go``/``curve`` relative to mission pad ``m<pad>``

    def text(self) -> str:
        words = [self.name, *map(str, self.args)]
        return " ".join(words + ([f"m{self.pad}"] if self.pad is not None else []))

    @property
    def is_motion(self) -> bool:
        return self.name in MOTION


def parse(text: str) -> Command | str:
    """A valid :class:`Command`, or the reply string a Tello gives for ``text``."""
    words = text.strip().split()
    if not words:
        return unknown(text)
    name, rest = words[0], list(words[1:])
    if name in CONTROL or name in READS:
        return Command(name) if not rest else unknown(text)
    if name == "flip":
        return Command(name) if rest in (["l"], ["r"], ["f"], ["b"]) else OUT_OF_RANGE
    if name not in RANGES:
        return unknown(text)
    ranges = RANGES[name]
    pad = None
    if name in WITH_PAD and len(rest) == len(ranges) + 1:
        mark = rest.pop()
        if not (mark[:1] == "m" and mark[1:].isdigit() and int(mark[1:]) in PAD_IDS):
            return OUT_OF_RANGE
        pad = int(mark[1:])
    if len(rest) != len(ranges):
        return unknown(text)
    try:
        values = tuple(int(float(w)) for w in rest)
    except ValueError:
        return unknown(text)
    for value, (lo, hi) in zip(values, ranges):
        if not lo <= value <= hi:
            return OUT_OF_RANGE
    if name == "go" and _too_close(values[:3]):
        return OUT_OF_RANGE
    if name == "curve" and (_too_close(values[:3]) or _too_close(values[3:6])):
        return OUT_OF_RANGE
    return Command(name, values, pad)


def _too_close(point: tuple[int, ...]) -> bool:
    """The SDK's rule for ``go``/``curve`` points: x, y and z not all within ±20 cm."""
    return all(-GO_MIN_CM < v < GO_MIN_CM for v in point)


NO_PAD = (-1, -100, -100, -100, (-1, -1, -1))  # mid, x, y, z, mpry: no pad in sight


def state_packet(*, pitch: int = 0, roll: int = 0, yaw: int = 0, vgx: int = 0, vgy: int = 0,
                 vgz: int = 0, templ: int = 60, temph: int = 63, tof: int = 10, h: int = 0,
                 bat: int = 100, baro: float = 0.0, time: int = 0, agx: float = 0.0,
                 agy: float = 0.0, agz: float = -1000.0,
                 pad: tuple[int, int, int, int, tuple[int, int, int]] = NO_PAD) -> bytes:
    """One SDK 2.0 state-stream datagram as a Tello sends it to port 8890; ``pad`` is
    (mid, x, y, z, (pitch, roll, yaw)) relative to the pad in sight, or :data:`NO_PAD`."""
    mid, px, py, pz, (mp, mr, my) = pad
    text = (f"mid:{mid};x:{px};y:{py};z:{pz};mpry:{mp},{mr},{my};"
            f"pitch:{pitch};roll:{roll};yaw:{yaw};vgx:{vgx};vgy:{vgy};vgz:{vgz};"
            f"templ:{templ};temph:{temph};tof:{tof};h:{h};bat:{bat};baro:{baro:.2f};"
            f"time:{time};agx:{agx:.2f};agy:{agy:.2f};agz:{agz:.2f};\r\n")
    return text.encode("ascii")


def parse_state(data: bytes | str) -> dict[str, float]:
    """A state datagram as numbers: ``{"bat": 87, "h": 80, ...}`` (mpry is skipped)."""
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    out: dict[str, float] = {}
    for field in text.strip().split(";"):
        key, sep, value = field.partition(":")
        if not sep or "," in value:
            continue
        try:
            out[key.strip()] = float(value)
        except ValueError:
            continue
    return out
