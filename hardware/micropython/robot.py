# robot: the YouthLab robot car library (runs ON the board, MicroPython).
#
#     from robot import Robot
#     bot = Robot()                 # kit from robot_config.py (KIT = "pico-car"), else pico-car
#     bot.forward(60, seconds=1)    # speed 0..100 %, then stop
#     l, c, r = bot.line()          # 1 = that sensor sees the dark line
#     if bot.distance() < 15: bot.stop()
#     bot.leds[0].on()
#     bot.deliver()                 # open the letter flap
#
# The same file runs on a real robot, on a virtual board (the `machine` shim talks to
# the simulator) and in the fast grader (simulated clock). Pin maps: KITS below, the
# same table as the robot_kits: section of hardware/boards.yaml.
from machine import Pin, PWM, ADC
import time

KITS = {
    "pico-car": {
        "motors": {"left": [8, 9], "right": [10, 11], "pwm_freq": 1000},
        "line": [26, 27, 28],
        "line_threshold": 32000,
        "distance": {"type": "i2c", "bus": 0, "sda": 4, "scl": 5, "addr": 0x57},
        "encoders": [14, 15],
        "leds": [16, 17],
        "servo": 18,
    },
    "esp32-car": {
        "motors": {"left": [25, 26], "right": [27, 14], "pwm_freq": 1000},
        "line": [36, 39, 34],
        "line_threshold": 32000,
        "distance": {"type": "i2c", "bus": 0, "sda": 21, "scl": 22, "addr": 0x57},
        "encoders": [32, 33],
        "leds": [2, 4],
        "servo": 13,
    },
    "pico-car-sr04": {
        "motors": {"left": [8, 9], "right": [10, 11], "pwm_freq": 1000},
        "line": [26, 27, 28],
        "line_threshold": 32000,
        "distance": {"type": "hcsr04", "trig": 2, "echo": 3},
        "encoders": [14, 15],
        "leds": [16, 17],
        "servo": 18,
    },
}

DEFAULT_KIT = "pico-car"
FAR = 400.0  # cm: what distance() says when nothing is in range


def _kit_name():
    try:
        import robot_config
        return getattr(robot_config, "KIT", DEFAULT_KIT)
    except ImportError:
        return DEFAULT_KIT


def _clamp(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


class _Motor:
    def __init__(self, pins, freq):
        self.fwd = PWM(Pin(pins[0]), freq=freq, duty_u16=0)
        self.back = PWM(Pin(pins[1]), freq=freq, duty_u16=0)
        self.power = 0

    def set(self, power):
        power = int(_clamp(power, -100, 100))
        if power == self.power:
            return
        self.power = power
        duty = abs(power) * 65535 // 100
        if power >= 0:
            self.back.duty_u16(0)
            self.fwd.duty_u16(duty)
        else:
            self.fwd.duty_u16(0)
            self.back.duty_u16(duty)


class _Encoder:
    def __init__(self, pin):
        self.count = 0
        self.pin = Pin(pin, Pin.IN)
        try:
            self.pin.irq(self._tick, Pin.IRQ_RISING)
        except Exception:
            pass  # a board without pin interrupts: ticks() stays 0

    def _tick(self, pin):
        self.count += 1


class Robot:
    """A two-wheeled robot car: motors, line sensors, distance sensor, LEDs, letter flap."""

    def __init__(self, kit=None):
        self.kit_name = kit or _kit_name()
        if self.kit_name not in KITS:
            raise ValueError("unknown robot kit %r (kits: %s)" % (self.kit_name, ", ".join(KITS)))
        k = KITS[self.kit_name]
        self.kit = k
        m = k["motors"]
        self._left = _Motor(m["left"], m["pwm_freq"])
        self._right = _Motor(m["right"], m["pwm_freq"])
        self._line = [ADC(Pin(p)) for p in k["line"]]
        for a in self._line:
            try:
                a.atten(ADC.ATTN_11DB)  # ESP32: full 0..3.3 V range (a Pico has no atten)
            except (AttributeError, ValueError):
                pass
        self.threshold = k["line_threshold"]
        d = k["distance"]
        self._dist = d
        if d["type"] == "i2c":
            from machine import I2C
            self._i2c = I2C(d["bus"], scl=Pin(d["scl"]), sda=Pin(d["sda"]))
        else:
            self._trig = Pin(d["trig"], Pin.OUT, value=0)
            self._echo = Pin(d["echo"], Pin.IN)
        self._enc = [_Encoder(p) for p in k["encoders"]]
        self.leds = [Pin(p, Pin.OUT, value=0) for p in k["leds"]]
        self._servo = PWM(Pin(k["servo"]), freq=50, duty_u16=self._servo_duty(0))

    # -- driving ---------------------------------------------------------------------
    def drive(self, left, right, seconds=None):
        """Set each wheel's power, -100..100 (negative = backwards)."""
        self._left.set(left)
        self._right.set(right)
        if seconds is not None:
            self.wait(seconds)
            self.stop()

    def forward(self, speed=50, seconds=None):
        self.drive(speed, speed, seconds)

    def backward(self, speed=50, seconds=None):
        self.drive(-speed, -speed, seconds)

    def turn(self, direction="left", speed=40, seconds=None):
        """Spin in place: direction "left" or "right"."""
        if direction in ("left", "l", "L", -1):
            self.drive(-speed, speed, seconds)
        else:
            self.drive(speed, -speed, seconds)

    def left(self, speed=40, seconds=None):
        self.turn("left", speed, seconds)

    def right(self, speed=40, seconds=None):
        self.turn("right", speed, seconds)

    def stop(self):
        self.drive(0, 0)

    def wait(self, seconds):
        time.sleep_ms(int(seconds * 1000))

    # -- sensors ---------------------------------------------------------------------
    def line_raw(self):
        """Raw reflectance (0..65535) of the left, centre and right line sensors."""
        return tuple(a.read_u16() for a in self._line)

    def line(self):
        """(left, centre, right): 1 where a sensor sees the dark line, else 0."""
        t = self.threshold
        return tuple(1 if a.read_u16() > t else 0 for a in self._line)

    def distance(self):
        """Distance to the nearest obstacle in front, in cm (FAR = 400 when none)."""
        if self._dist["type"] == "i2c":
            addr = self._dist["addr"]
            try:
                self._i2c.writeto(addr, b"\x01")
                time.sleep_ms(30)
                b = self._i2c.readfrom(addr, 3)
            except OSError:
                return FAR
            um = (b[0] << 16) | (b[1] << 8) | b[2]
            cm = um / 10000
        else:
            self._trig.value(0)
            time.sleep_us(2)
            self._trig.value(1)
            time.sleep_us(10)
            self._trig.value(0)
            try:
                from machine import time_pulse_us
                us = time_pulse_us(self._echo, 1, 30000)
            except ImportError:
                us = -1
            if us < 0:
                return FAR
            cm = us * 0.0343 / 2
        return FAR if cm <= 0 or cm > FAR else cm

    def ticks(self):
        """Encoder pulses counted on the (left, right) wheel since start."""
        return tuple(e.count for e in self._enc)

    # -- letters ---------------------------------------------------------------------
    @staticmethod
    def _servo_duty(angle):
        # 0.5 ms .. 2.5 ms pulse in a 20 ms period for 0..180 degrees
        return int((0.5 + angle / 90) / 20 * 65535)

    def deliver(self):
        """Stop, open the letter flap, close it again (about 1.2 s)."""
        self.stop()
        self.wait(0.2)
        self._servo.duty_u16(self._servo_duty(90))
        self.wait(0.6)
        self._servo.duty_u16(self._servo_duty(0))
        self.wait(0.4)

    def close(self):
        self.stop()
        for led in self.leds:
            led.value(0)
