# `time` for the fast grader: sleeping moves the simulated clock (see _ylab_link).
import _ylab_link as _l


def sleep(s):
    _l.sleep(s)


def sleep_ms(ms):
    _l.sleep(ms / 1000)


def sleep_us(us):
    _l.sleep(us / 1000000)


def ticks_ms():
    return int(_l.t * 1000) & 0x3FFFFFFF


def ticks_us():
    return int(_l.t * 1000000) & 0x3FFFFFFF


ticks_cpu = ticks_us


def ticks_diff(a, b):
    d = (a - b) & 0x3FFFFFFF
    return d - 0x40000000 if d & 0x20000000 else d


def ticks_add(a, b):
    return (a + b) & 0x3FFFFFFF


def time():
    return _l.t


def time_ns():
    return int(_l.t * 1000000000)
