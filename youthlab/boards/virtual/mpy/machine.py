# `machine` for the virtual board: the usual classes, but every pin, PWM, ADC and I2C
# operation is a request to the host-side simulator (youthlab.boards.sim) over a
# loopback socket, one JSON line each way. Without a simulator (no YLAB_SIM_PORT) the
# shim keeps pin states locally so plain code still runs.
import os, sys, json
import time  # the sliced-sleep shim next to this file

_port = os.getenv("YLAB_SIM_PORT")
_sock = None
_rf = None
_local = {}


try:
    import _thread
    _lock = _thread.allocate_lock()
except ImportError:
    _lock = None


def _call(op, **args):
    if not _port:
        return _local_call(op, args)
    if _lock is None:
        return _ask(op, args)
    with _lock:  # the irq poller and Timer threads share the one socket
        return _ask(op, args)


def _ask(op, args):
    global _sock
    if _sock is None:
        import socket
        s = socket.socket()
        s.connect(socket.getaddrinfo("127.0.0.1", int(_port))[0][-1])
        _sock = s
    args["op"] = op
    _sock.send(json.dumps(args).encode() + b"\n")
    line = b""
    while not line.endswith(b"\n"):
        c = _sock.recv(256)
        if not c:
            raise OSError(5)
        line += c
    reply = json.loads(line)
    if "error" in reply:
        raise OSError(reply["error"])
    return reply.get("r")


def _local_call(op, a):
    if op == "pin_write":
        _local[a["pin"]] = a["value"]
    elif op == "pin_read":
        return _local.get(a["pin"], 0)
    elif op == "adc_read":
        return 0
    elif op == "i2c_scan":
        return []
    elif op == "i2c_read":
        return [0] * a["n"]
    return None


def _pin_id(p):
    return p.id if isinstance(p, Pin) else p


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 1
    IRQ_RISING = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self.mode = mode
            _call("pin_mode", pin=self.id, mode=mode, pull=pull)
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return _call("pin_read", pin=self.id)
        _call("pin_write", pin=self.id, value=1 if v else 0)

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        self.value(0 if self.value() else 1)

    def irq(self, handler=None, trigger=3):
        # No real interrupt here: a poller thread asks the simulator how many edges the
        # pin has had and calls the handler once for each new one (a few ms late).
        if handler is None:
            _irqs.pop(self.id, None)
            return None
        _irqs[self.id] = [self, handler, _call("pin_edges", pin=self.id) or 0]
        _start_irq_poller()
        return None

    def __repr__(self):
        return "Pin(%r)" % (self.id,)


_irqs = {}
_poller = [False]


def _start_irq_poller():
    if _poller[0] or not _port or _lock is None:
        return
    _poller[0] = True

    def loop():
        while _irqs:
            for pid, slot in list(_irqs.items()):
                try:
                    n = _call("pin_edges", pin=pid) or 0
                except OSError:
                    return
                pin, handler, last = slot
                slot[2] = n
                for _ in range(n - last):
                    try:
                        handler(pin)
                    except Exception as e:
                        sys.print_exception(e)
            time.sleep_ms(5)
        _poller[0] = False

    _thread.start_new_thread(loop, ())


def time_pulse_us(pin, level, timeout_us=1000000):
    us = _call("time_pulse_us", pin=_pin_id(pin), level=level, timeout_us=timeout_us)
    if us is None:
        us = -2
    time.sleep_us(us if us > 0 else timeout_us)  # the call lasts as long as the pulse
    return us


class Signal:
    def __init__(self, pin, invert=False):
        self.pin = pin if isinstance(pin, Pin) else Pin(pin, Pin.OUT)
        self.invert = invert

    def value(self, v=None):
        if v is None:
            return self.pin.value() ^ self.invert
        self.pin.value((1 if v else 0) ^ self.invert)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0, **kw):
        self.pin = _pin_id(pin)
        self._freq = freq
        self._duty = duty_u16
        if "duty" in kw:
            self._duty = kw["duty"] * 64
        self._send()

    def _send(self):
        _call("pwm", pin=self.pin, freq=self._freq, duty_u16=self._duty)

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f
        self._send()

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        self._duty = max(0, min(65535, int(d)))
        self._send()

    def duty(self, d=None):  # ESP8266/ESP32 style, 0..1023
        if d is None:
            return self._duty >> 6
        self.duty_u16(int(d) * 64)

    def deinit(self):
        self._duty = 0
        self._send()


class ADC:
    ATTN_0DB = 0
    ATTN_11DB = 3
    WIDTH_12BIT = 12

    def __init__(self, pin, **kw):
        self.pin = _pin_id(pin)

    def read_u16(self):
        return int(_call("adc_read", pin=self.pin))

    def read(self):  # ESP32 style, 12 bit
        return self.read_u16() >> 4

    def atten(self, a):
        pass

    def width(self, w):
        pass


class I2C:
    def __init__(self, id=0, scl=None, sda=None, freq=400000):
        self.bus = id

    def scan(self):
        return _call("i2c_scan", bus=self.bus)

    def writeto(self, addr, buf, stop=True):
        _call("i2c_write", bus=self.bus, addr=addr, data=list(buf))
        return len(buf)

    def readfrom(self, addr, n, stop=True):
        return bytes(_call("i2c_read", bus=self.bus, addr=addr, n=n))

    def writeto_mem(self, addr, reg, buf, addrsize=8):
        self.writeto(addr, bytes([reg]) + bytes(buf))

    def readfrom_mem(self, addr, reg, n, addrsize=8):
        self.writeto(addr, bytes([reg]), False)
        return self.readfrom(addr, n)


SoftI2C = I2C


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kw):
        self._run = False
        if kw:
            self.init(**kw)

    def init(self, mode=1, period=1000, callback=None, freq=None):
        import _thread, micropython
        if freq:
            period = int(1000 / freq)
        self.deinit()
        self._run = True
        self._gen = getattr(self, "_gen", 0) + 1
        gen = self._gen

        def loop():
            while self._run and self._gen == gen:
                time.sleep_ms(period)
                if not (self._run and self._gen == gen):
                    break
                if callback:
                    try:
                        micropython.schedule(callback, self)
                    except RuntimeError:
                        pass
                if mode == Timer.ONE_SHOT:
                    break

        _thread.start_new_thread(loop, ())

    def deinit(self):
        self._run = False


def freq(f=None):
    return 240000000


def unique_id():
    return (os.getenv("YLAB_SERIAL") or "virtual").encode()


def reset():
    # Like a real board: the interpreter stops at once (no REPL end markers); the
    # supervisor sees it go and boots it again.
    os.system("kill -9 $PPID")
    sys.exit(0)


soft_reset = reset


def idle():
    time.sleep_ms(1)


def lightsleep(ms=0):
    time.sleep_ms(ms)


deepsleep = lightsleep


def reset_cause():
    return 1


def disable_irq():
    return 0


def enable_irq(state=0):
    pass
