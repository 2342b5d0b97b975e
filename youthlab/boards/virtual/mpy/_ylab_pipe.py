# MicroPython grader transport: every operation is one "\x1e"-marked JSON line on
# stdout, [op, args, t, wants_reply]; replies come back as lines on stdin. The clock is
# simulated and kept here: sleeping adds to it, each operation costs what the host's
# cost table (BoardSimulator.OP_COST, asked once) says.
import sys, json
import utime as native
from _ylab_local import end  # the run is over as a board's power goes: the host sees the process end

EPOCH = 0
SIMULATED = True
_t = [0.0]
_costs = []
_QUIET = ("pin_mode", "pin_write", "pwm", "bitstream", "neopixel")  # nothing to answer


def _send(msg):
    sys.stdout.write("\x1e" + json.dumps(msg) + "\n")


def _ask(msg):
    _send(msg)
    line = sys.stdin.readline()
    if not line:
        raise SystemExit(0)  # the host has stopped the run
    reply = json.loads(line)
    if "error" in reply:
        raise OSError(reply["error"])
    return reply.get("r")


def call(op, *args):
    if not _costs:
        _costs.append(_ask(["costs", [], _t[0], 1]))
    c = _costs[0]
    _t[0] += c.get(op, c["_default"])
    if op in _QUIET:
        _send([op, list(args), _t[0], 0])
        return None
    return _ask([op, list(args), _t[0], 1])


def now():
    return _t[0]


def sleep(s):
    if s > 0:
        _t[0] += s
    _send(["sleep", [], _t[0], 0])


def reset_cause():
    return call("reset_cause")
