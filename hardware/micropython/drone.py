"""drone: fly the hall's drone from MicroPython (or any Python) over a text link.

Same names as the host flight API (youthlab.drone.Drone)::

    from drone import Drone
    d = Drone()
    d.takeoff()
    d.move(forward=100)
    print(d.battery, d.position)
    d.land()

Each command is one line on stdout, ``@ylab {"drone": "takeoff", ...}``; the host
(youthlab's BoardBackend) flies it — in the simulator or on a real drone, with all
safety rules — and answers with one JSON line on stdin.
"""

import sys

try:
    import json
except ImportError:  # very small ports
    import ujson as json

PREFIX = "@ylab "


class DroneError(Exception):
    """The host refused a command or stopped the flight (message in ko or en)."""


_seq = [0]


def _call(name, *args, **kw):
    # Each command carries a number: the host answers a repeat of it from memory (it never
    # flies twice), and says "resend" while it waits for the first command, which is lost
    # when the board sent it before the host had opened the port.
    _seq[0] += 1
    seq = _seq[0]
    line = PREFIX + json.dumps({"drone": name, "args": list(args), "kw": kw, "seq": seq})
    flush = getattr(sys.stdout, "flush", None)
    sys.stdout.write(line + "\n")
    if flush:
        flush()
    while True:
        reply = sys.stdin.readline()
        if not reply:
            raise DroneError("link closed")
        try:
            answer = json.loads(reply)
        except ValueError:
            continue  # line noise before the link was up
        if not isinstance(answer, dict):
            continue
        if answer.get("resend"):
            sys.stdout.write(line + "\n")
            if flush:
                flush()
            continue
        if answer.get("seq", seq) != seq:
            continue  # the answer to an earlier repeat
        break
    if not answer.get("ok"):
        raise DroneError(answer.get("message", "error"))
    return answer.get("value")


class Drone:
    """The drone. Units: cm, degrees, seconds (like the Tello SDK)."""

    def takeoff(self):
        _call("takeoff")

    def land(self):
        _call("land")

    def move(self, forward=0, back=0, left=0, right=0, up=0, down=0, speed=None):
        kw = {}
        for k, v in (("forward", forward), ("back", back), ("left", left),
                     ("right", right), ("up", up), ("down", down)):
            if v:
                kw[k] = v
        if speed is not None:
            kw["speed"] = speed
        _call("move", **kw)

    def forward(self, cm):
        _call("forward", cm)

    def back(self, cm):
        _call("back", cm)

    def left(self, cm):
        _call("left", cm)

    def right(self, cm):
        _call("right", cm)

    def up(self, cm):
        _call("up", cm)

    def down(self, cm):
        _call("down", cm)

    def rotate(self, degrees):
        _call("rotate", degrees)

    def go_to(self, x, y, z, speed=50):
        _call("go_to", x, y, z, speed)

    def hover(self, seconds=1):
        _call("hover", seconds)

    def set_speed(self, cm_per_s):
        _call("set_speed", cm_per_s)

    def drop(self):
        return _call("drop")

    def emergency(self):
        _call("emergency")

    @property
    def battery(self):
        return _call("battery")

    @property
    def position(self):
        return tuple(_call("position"))

    @property
    def heading(self):
        return _call("heading")

    @property
    def flying(self):
        return _call("flying")
