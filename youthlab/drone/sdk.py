"""The Tello SDK 2.0 text protocol: command names, value ranges and reply strings.

One table used by the simulator backend, the emulator and the Tello client, so code that
the simulator accepts is code the drone accepts. Replies are the ones a real Tello sends:
``ok``, ``out of range`` (a value outside the SDK range), ``error Motor stop`` (a move
while the motors are off), ``error Not joystick`` (the drone is not ready to move),
``error Auto land`` (battery too low), ``unknown command: <text>``.
"""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
OUT_OF_RANGE = "out of range"
MOTOR_STOP = "error Motor stop"
NOT_JOYSTICK = "error Not joystick"
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
}
CONTROL = {"command", "takeoff", "land", "emergency", "stop", "streamon", "streamoff"}
READS = {"speed?", "battery?", "time?", "height?", "temp?", "attitude?", "baro?",
         "acceleration?", "tof?", "wifi?", "sdk?", "sn?"}
# Commands that take flight time and answer only when done.
MOTION = set(MOVES) | set(ROTATIONS) | {"go", "takeoff", "land"}
GO_MIN_CM = 20  # "x", "y" and "z" can't all be between -20 and 20 at once
TAKEOFF_HEIGHT_CM = 80
DEFAULT_SPEED_CM_S = 100
LINK_TIMEOUT_S = 15.0  # a Tello lands when it hears nothing for 15 s


@dataclass(frozen=True)
class Command:
    """A parsed SDK command: ``name`` plus integer ``args``."""

    name: str
    args: tuple[int, ...] = ()

    def text(self) -> str:
        return " ".join([self.name, *map(str, self.args)])

    @property
    def is_motion(self) -> bool:
        return self.name in MOTION


def parse(text: str) -> Command | str:
    """A valid :class:`Command`, or the reply string a Tello gives for ``text``."""
    words = text.strip().split()
    if not words:
        return unknown(text)
    name, rest = words[0], words[1:]
    if name in CONTROL or name in READS:
        return Command(name) if not rest else unknown(text)
    if name == "flip":
        return Command(name) if rest in (["l"], ["r"], ["f"], ["b"]) else OUT_OF_RANGE
    if name not in RANGES:
        return unknown(text)
    ranges = RANGES[name]
    if len(rest) != len(ranges):
        return unknown(text)
    try:
        values = tuple(int(float(w)) for w in rest)
    except ValueError:
        return unknown(text)
    for value, (lo, hi) in zip(values, ranges):
        if not lo <= value <= hi:
            return OUT_OF_RANGE
    if name == "go" and all(-GO_MIN_CM < v < GO_MIN_CM for v in values[:3]):
        return OUT_OF_RANGE
    return Command(name, values)


def state_packet(*, pitch: int = 0, roll: int = 0, yaw: int = 0, vgx: int = 0, vgy: int = 0,
                 vgz: int = 0, templ: int = 60, temph: int = 63, tof: int = 10, h: int = 0,
                 bat: int = 100, baro: float = 0.0, time: int = 0, agx: float = 0.0,
                 agy: float = 0.0, agz: float = -1000.0) -> bytes:
    """One state-stream datagram as a Tello sends it to port 8890 (no mission pads)."""
    text = (f"pitch:{pitch};roll:{roll};yaw:{yaw};vgx:{vgx};vgy:{vgy};vgz:{vgz};"
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
