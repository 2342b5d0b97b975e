# `time` for the virtual board: the unix port's own time module, except that the
# sleeps are sliced, so machine.Timer callbacks (micropython.schedule) run while the
# main program sleeps — as they do on a real board.
from utime import *  # noqa: F401,F403
import utime as _t


def sleep_ms(ms):
    end = _t.ticks_add(_t.ticks_ms(), int(ms))
    while True:
        left = _t.ticks_diff(end, _t.ticks_ms())
        if left <= 0:
            return
        _t.sleep_ms(left if left < 5 else 5)


def sleep(s):
    sleep_ms(s * 1000)


def sleep_us(us):
    if us >= 5000:
        sleep_ms(us // 1000)
    else:
        _t.sleep_us(us)
