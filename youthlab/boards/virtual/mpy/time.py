# `time` (and `utime`) for boards off real hardware. The clock comes from the transport
# (_ylab_io: real time on the virtual board, simulated time in the graders). While the
# program sleeps or polls the clock, what a board's interrupts would run meanwhile runs
# here (machine.Timer callbacks, Pin.irq handlers, the watchdog), so the standard
# tutorials behave as on a board — the same in every run mode.
import sys
import _ylab_io as _io

_n = _io.native
_hooks = []  # [f, wakes]: f(now) runs what is due, returns when it is next due (or None);
#               `wakes`: a sleep ends early for it (else it runs when the sleep ends)
_busy = [False]
_due = [0.0]  # no hook is due before this board time…
_wake = [None]  # …and the first that wakes a sleep is due then
_INF = float("inf")


def _add_hook(f, wakes=True):
    _hooks.append([f, wakes])
    _due[0] = 0.0


def _remove_hook(f):
    for h in _hooks:
        if h[0] is f:
            _hooks.remove(h)
            return


def _poll():
    """Run the hooks that are due; when the first that wakes a sleep is due next (or None)."""
    if _busy[0] or not _hooks:
        return None
    t = _io.now()
    if t < _due[0]:
        return _wake[0]
    _busy[0] = True
    try:
        due, wake = _INF, None
        for f, wakes in list(_hooks):
            w = f(t)
            if w is not None:
                if w < due:
                    due = w
                if wakes and (wake is None or w < wake):
                    wake = w
        _due[0], _wake[0] = due, wake
        return wake
    finally:
        _busy[0] = False


def sleep(s):
    end = _io.now() + s
    while True:  # sleep until the first hook that wakes a sleep is due, or to the end
        wake = _poll()
        t = _io.now()
        last = wake is None or wake - t >= end - t
        _io.sleep(max(0, (end if last else wake) - t))
        if last:
            _poll()
            return


def sleep_ms(ms):
    sleep(ms / 1000)


def sleep_us(us):
    sleep(us / 1000000)


if not _io.SIMULATED and hasattr(_n, "ticks_ms"):
    # Real time (the virtual board): MicroPython's own ticks, the clock its built-in
    # asyncio and select use, so asyncio.run() and a student's ticks_diff agree with it.
    _ticks_ms, _ticks_us, ticks_cpu = _n.ticks_ms, _n.ticks_us, _n.ticks_cpu
    ticks_diff, ticks_add = _n.ticks_diff, _n.ticks_add
else:  # a board's ticks wrap at 2**30
    def _ticks_ms():
        return int(_io.now() * 1000) & 0x3FFFFFFF

    def _ticks_us():
        return int(_io.now() * 1000000) & 0x3FFFFFFF

    def ticks_diff(a, b):
        d = (a - b) & 0x3FFFFFFF
        return d - 0x40000000 if d & 0x20000000 else d

    def ticks_add(a, b):
        if not -0x20000000 <= b < 0x20000000:
            raise OverflowError("ticks interval overflow")
        return (a + b) & 0x3FFFFFFF

    def ticks_cpu():
        return ticks_us()


def ticks_ms():
    _poll()
    return _ticks_ms()


def ticks_us():
    _poll()
    return _ticks_us()


def time():
    return _io.EPOCH + _io.now()


def time_ns():
    return int(time() * 1000000000)


def localtime(secs=None):
    return _n.localtime(int(time() if secs is None else secs))


def gmtime(secs=None):
    return _n.gmtime(int(time() if secs is None else secs))


mktime = _n.mktime

if sys.implementation.name == "micropython":
    # `import utime` finds the built-in module before any utime.py: name this one for it.
    sys.modules["utime"] = sys.modules[__name__]
