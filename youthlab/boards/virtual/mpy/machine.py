# `machine` for boards off real hardware (MicroPython's quick references for the esp32 and
# rp2 ports). Every pin, bus and power operation is one call through the _ylab_io seam to
# the host's BoardSimulator (op = a BoardSimulator method), in every run mode: the virtual
# board, the MicroPython grader and the fast grader (which loads this file into CPython).
import _ylab_io as _io
import time as _time

PWRON_RESET, HARD_RESET, WDT_RESET, DEEPSLEEP_RESET, SOFT_RESET = 1, 2, 3, 4, 5
PIN_WAKE, EXT0_WAKE, EXT1_WAKE, TIMER_WAKE, TOUCHPAD_WAKE, ULP_WAKE = 2, 2, 3, 4, 5, 6
IDLE, SLEEP, DEEPSLEEP = 0, 2, 4


def _call(op, *args):
    r = _io.call(op, *args)
    if _time._hooks:
        _time._poll()
    return r


def _pin_id(p):
    return p.id if isinstance(p, Pin) else p


def _buf(b):
    if isinstance(b, str):
        b = b.encode()
    return list(bytes(b))


def _u16(x):
    return max(0, min(65535, int(x)))


def _nothing(self, *args, **kw):
    # settings the simulator keeps no state for (a bus's pins and rate, an ADC's range)
    pass


class _Switch:
    # what Pin and Signal share: p(), p(1), p.on(), p.off()
    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class Pin(_Switch):
    IN, OUT, OPEN_DRAIN, ALT = 0, 1, 2, 3
    PULL_UP, PULL_DOWN = 1, 2
    IRQ_FALLING, IRQ_RISING = 1, 2
    DRIVE_0, DRIVE_1, DRIVE_2, DRIVE_3 = 0, 1, 2, 3

    def __init__(self, id, mode=-1, pull=-1, value=None, **kw):
        self.id = id
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None, **kw):
        if mode != -1:
            _call("pin_mode", self.id, mode, pull)
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return _call("pin_read", self.id)
        _call("pin_write", self.id, 1 if v else 0)

    high, low = _Switch.on, _Switch.off

    def toggle(self):
        self.value(0 if self.value() else 1)

    def irq(self, handler=None, trigger=3, **kw):
        # `handler` runs once per edge the simulator counted, at most 5 ms of board time
        # late: in real time a sleep wakes for it; on a simulated clock it runs before the
        # program's next step (all the program can tell).
        _irqs.pop(self.id, None)
        if handler is not None:
            _irqs[self.id] = [self, handler, _io.call("pin_edges", [self.id])[0]]
            if not _irq_due:
                _irq_due.append(0.0)
                _time._add_hook(_irq_hook, not _io.SIMULATED)

    def __repr__(self):
        return "Pin(%r)" % (self.id,)


_irqs = {}  # pin id -> [Pin, handler, edges seen]
_irq_due = []


def _irq_hook(now):
    # One question for every pin with a handler, every 5 ms of board time.
    if now >= _irq_due[0]:
        _irq_due[0] = now + 0.005
        if _irqs:
            slots = list(_irqs.values())
            counts = _io.call("pin_edges", [s[0].id for s in slots])
            for slot, n in zip(slots, counts):
                for _ in range(n - slot[2]):
                    slot[1](slot[0])
                slot[2] = n
    return _irq_due[0]


class PinBase:
    """A pin written in Python (MicroPython's machine.PinBase): subclasses give value()."""

    def value(self, v=None):
        raise NotImplementedError


class Signal(_Switch):
    def __init__(self, pin, *args, invert=False, **kw):
        self.pin = pin if isinstance(pin, (Pin, PinBase)) else Pin(pin, *args, **kw)
        self.invert = invert

    def value(self, v=None):
        if v is None:
            return self.pin.value() ^ self.invert
        self.pin.value((1 if v else 0) ^ self.invert)


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=None, duty_ns=None, duty=None, invert=False):
        self.pin = _pin_id(pin)
        self._freq = int(freq)
        self._duty = 0
        self.init(freq, duty_u16, duty_ns, duty)

    def init(self, freq=None, duty_u16=None, duty_ns=None, duty=None, **kw):
        if freq is not None:
            self._freq = int(freq)
        if duty_u16 is not None:
            self._duty = _u16(duty_u16)
        elif duty_ns is not None:
            self._duty = _u16(int(duty_ns) * self._freq * 65535 // 1000000000)
        elif duty is not None:  # ESP32 style, 0..1023
            self._duty = _u16(int(duty) * 64)
        _call("pwm", self.pin, self._freq, self._duty)

    def freq(self, f=None):
        return self._freq if f is None else self.init(freq=f)

    def duty_u16(self, d=None):
        return self._duty if d is None else self.init(duty_u16=d)

    def duty_ns(self, ns=None):
        return self._duty * 1000000000 // (65535 * self._freq) if ns is None else self.init(duty_ns=ns)

    def duty(self, d=None):
        return self._duty >> 6 if d is None else self.init(duty=d)

    def deinit(self):
        self.init(duty_u16=0)


class ADC:
    ATTN_0DB, ATTN_2_5DB, ATTN_6DB, ATTN_11DB = 0, 1, 2, 3
    WIDTH_9BIT, WIDTH_10BIT, WIDTH_11BIT, WIDTH_12BIT = 9, 10, 11, 12

    def __init__(self, pin, atten=None, **kw):
        self.pin = _pin_id(pin)
        self._bits = 12

    init = atten = _nothing

    def read_u16(self):
        return int(_call("adc_read", self.pin))

    def read(self):  # ESP32 style: width() bits, 12 by default
        return self.read_u16() >> (16 - self._bits)

    def read_uv(self):
        return self.read_u16() * 3300000 // 65535

    def width(self, w):
        self._bits = int(w)


class _Bus:
    # I2C, SPI and UART take MicroPython's arguments (id, then pins, rate, mode…); the
    # simulator needs only the bus id. The software buses (SoftI2C, SoftSPI) are bus -1.
    def __init__(self, id=0, *settings, **kw):
        self.bus = id

    init = deinit = _nothing


class I2C(_Bus):
    def scan(self):
        return _call("i2c_scan", self.bus)

    def writeto(self, addr, buf, stop=True):
        _call("i2c_write", self.bus, addr, _buf(buf))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        data = b"".join(bytes(b) for b in vector)
        self.writeto(addr, data, stop)
        return len(data)

    def readfrom(self, addr, n, stop=True):
        return bytes(_call("i2c_read", self.bus, addr, n))

    def readfrom_into(self, addr, buf, stop=True):
        buf[:] = self.readfrom(addr, len(buf), stop)

    def writeto_mem(self, addr, reg, buf, addrsize=8):
        self.writeto(addr, bytes([reg]) + bytes(buf))

    def readfrom_mem(self, addr, reg, n, addrsize=8):
        self.writeto(addr, bytes([reg]), False)
        return self.readfrom(addr, n)

    def readfrom_mem_into(self, addr, reg, buf, addrsize=8):
        buf[:] = self.readfrom_mem(addr, reg, len(buf), addrsize)


class SoftI2C(I2C):
    def __init__(self, scl, sda, *settings, **kw):  # a software bus needs its two pins
        self.bus = -1


class SPI(_Bus):
    MSB, LSB = 0, 1
    CONTROLLER = MASTER = 0

    def __init__(self, id=1, *settings, **kw):
        self.bus = id

    def _transfer(self, data):
        return bytes(_call("spi_transfer", self.bus, _buf(data)))

    def read(self, nbytes, write=0x00):
        return self._transfer(bytes([write]) * nbytes)

    def readinto(self, buf, write=0x00):
        buf[:] = self._transfer(bytes([write]) * len(buf))

    def write(self, buf):
        self._transfer(buf)

    def write_readinto(self, write_buf, read_buf):
        read_buf[:] = self._transfer(write_buf)


class SoftSPI(SPI):
    def __init__(self, *settings, **kw):
        self.bus = -1


class UART(_Bus):
    INV_TX, INV_RX, RTS, CTS = 1, 2, 4, 8

    def __init__(self, id, *settings, **kw):  # no default bus
        self.bus = id

    flush = sendbreak = _nothing

    def any(self):
        return _call("uart_any", self.bus)

    def read(self, nbytes=4096):
        return bytes(_call("uart_read", self.bus, nbytes)) or None

    def readinto(self, buf, nbytes=None):
        data = self.read(len(buf) if nbytes is None else nbytes)
        if data is None:
            return None
        buf[:len(data)] = data
        return len(data)

    def readline(self):
        line = b""
        while not line.endswith(b"\n"):
            c = self.read(1)
            if c is None:
                break
            line += c
        return line or None

    def write(self, buf):
        return _call("uart_write", self.bus, _buf(buf))

    def txdone(self):
        return True


class Timer:
    ONE_SHOT, PERIODIC = 0, 1

    def __init__(self, id=-1, **kw):
        self._hook = None
        if kw:
            self.init(**kw)

    def init(self, mode=1, period=-1, callback=None, freq=-1, tick_hz=1000):
        self.deinit()
        if freq and freq > 0:
            step = 1 / freq
        else:
            step = (period if period > 0 else 1000) / tick_hz
        timer, start, k = self, _io.now(), [1]

        def hook(now):
            # the k-th period ends at start + k * step (1 ns of slack for float rounding)
            while timer._hook is hook and now >= start + k[0] * step - 1e-9:
                k[0] += 1
                if mode == Timer.ONE_SHOT:
                    timer.deinit()
                if callback:
                    callback(timer)
            return start + k[0] * step if timer._hook is hook else None

        self._hook = hook
        _time._add_hook(hook)

    def deinit(self):
        _time._remove_hook(self._hook)
        self._hook = None


class WDT:
    # Resets the board when the program has not fed it for `timeout` ms (checked whenever
    # the program sleeps or uses a pin, as its tick would).
    def __init__(self, id=0, timeout=5000):
        fed = self._fed = [_io.now()]
        limit = timeout / 1000

        def hook(now):
            if now - fed[0] > limit:
                _power_off("wdt")
            return fed[0] + limit

        _time._add_hook(hook)

    def feed(self):
        self._fed[0] = _io.now()


class RTC:
    _offset = 0  # board-wide: every RTC() is the same clock (seconds ahead of time.time())
    _memory = b""

    def __init__(self, id=0):
        pass

    def init(self, datetime=None):
        if datetime:
            self.datetime(datetime)

    def datetime(self, dt=None):
        if dt is None:
            t = _time.gmtime(int(_time.time()) + RTC._offset)
            sub = int((_time.time() % 1) * 1000000)
            return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], sub)
        hms = dt[4:7] if len(dt) > 6 else (0, 0, 0)
        RTC._offset = _epoch_seconds(dt[0], dt[1], dt[2], *hms) - int(_time.time())

    def memory(self, data=None):
        if data is None:
            return RTC._memory
        RTC._memory = bytes(data)


def _epoch_seconds(y, mo, d, h, mi, s):
    # days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)
    if mo <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + h * 3600 + mi * 60 + s


def bitstream(pin, encoding, timing, buf):
    _call("bitstream", _pin_id(pin), encoding, list(timing), _buf(buf))


def time_pulse_us(pin, level, timeout_us=1000000):
    us = _call("time_pulse_us", _pin_id(pin), level, timeout_us)
    if us is None:
        us = -2
    _time.sleep_us(us if us > 0 else timeout_us)  # the call lasts as long as the pulse
    return us


def _power_off(kind, ms=0):
    _io.call("reset", kind)
    _io.end(kind, ms)


def reset():
    _power_off("reset")


def soft_reset():
    _power_off("soft_reset")


def deepsleep(ms=0):
    _power_off("deepsleep", ms)


def lightsleep(ms=0):
    _time.sleep_ms(ms)


def idle():
    _time.sleep_ms(1)


def reset_cause():
    return _io.reset_cause()


def wake_reason():
    return TIMER_WAKE if reset_cause() == DEEPSLEEP_RESET else 0


def freq(f=None):
    if f is None:
        return _io.profile()["freq"]


def unique_id():
    import os
    return (os.getenv("YLAB_SERIAL") or "virtual-" + _io.profile()["name"]).encode()


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


try:
    import _ylab_frozen  # noqa: F401  (the virtual board: modules a board has built in)
except ImportError:
    pass
