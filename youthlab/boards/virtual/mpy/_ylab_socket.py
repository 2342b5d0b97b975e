# Virtual board transport: one JSON line per operation to the host's SimServer on a
# loopback socket (YLAB_SIM_PORT); real time.
import os, json, socket
from _ylab_local import now, sleep, native, EPOCH, SIMULATED  # the board's real-time clock

_port = int(os.getenv("YLAB_SIM_PORT"))
_sock = []

try:
    import _thread
    _lock = _thread.allocate_lock()
except ImportError:
    _lock = None


def call(op, *args):
    if _lock is None:
        return _ask(op, args)
    with _lock:  # threads of the program share the one socket
        return _ask(op, args)


def _ask(op, args):
    if not _sock:
        s = socket.socket()
        s.connect(socket.getaddrinfo("127.0.0.1", _port)[0][-1])
        _sock.append(s)
    s = _sock[0]
    s.send(json.dumps([op, list(args)]).encode() + b"\n")
    line = b""
    while not line.endswith(b"\n"):
        c = s.recv(256)
        if not c:
            raise OSError(5)
        line += c
    reply = json.loads(line)
    if "error" in reply:
        raise OSError(reply["error"])
    return reply.get("r")


def end(kind, ms=0):
    # Like a board: the interpreter stops at once; the supervisor tells the causes apart
    # and boots it again with a board's banner (_ylab_power).
    import _ylab_power
    if kind == "deepsleep":
        _ylab_power.deepsleep(ms)
    elif kind == "soft_reset":
        raise SystemExit
    _ylab_power.reset()


def reset_cause():
    import _ylab_power
    return _ylab_power.reset_cause()
