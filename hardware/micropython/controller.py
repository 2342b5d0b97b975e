# controller: turn a board into a game controller for the hall games (youthlab game …).
#
# Buttons, a joystick (two ADC pins) and an optional accelerometer become one reading on
# the boards' data channel, the same "@ylab {json}" line ylab.send() prints:
#
#     @ylab {"x": -1.0, "y": 0.0, "a": 1, "b": 0}
#
# x: -1 (left) .. 1 (right), y: -1 (down) .. 1 (up), a/b: 1 while a button is held.
# The game reads it through the notebook's (or `youthlab game <name> --board PORT`) Session.
# A reading goes out when something changed, and every HEARTBEAT_MS anyway, so a game
# that starts late still learns the state.
#
# Wiring (change the pin numbers below to match your board):
#   button A: PIN_A to 3V3 (pressed = 1; the board's pull-down keeps it 0 otherwise)
#   button B: PIN_B to 3V3
#   joystick: VRx to PIN_X, VRy to PIN_Y, +5V to 3V3, GND to GND
#   tilt:     set TILT = True for an MPU-6050 on I2C(0) (SDA/SCL of your board)
import time

from machine import ADC, Pin

PIN_A = 14
PIN_B = 15
PIN_X = 26  # ADC0 on a Pico; on an ESP32 use 34/35
PIN_Y = 27
USE_JOYSTICK = True
TILT = False
DEADZONE = 0.25  # of full scale: a stick at rest reads near the middle, never exactly
HEARTBEAT_MS = 200
PERIOD_MS = 20  # 50 readings a second at most


def scaled(raw16):
    """0..65535 -> -1..1 with a dead zone around the middle."""
    v = (raw16 - 32768) / 32768
    if -DEADZONE < v < DEADZONE:
        return 0.0
    return max(-1.0, min(1.0, round(v, 2)))


class Tilt:
    """An MPU-6050: the board's tilt as x/y (-1..1)."""

    def __init__(self):
        from machine import I2C

        self.i2c = I2C(0)
        self.i2c.writeto_mem(0x68, 0x6B, b"\x00")  # wake up

    def read(self):
        d = self.i2c.readfrom_mem(0x68, 0x3B, 4)

        def s16(hi, lo):
            v = hi << 8 | lo
            return v - 65536 if v > 32767 else v

        ax, ay = s16(d[0], d[1]) / 16384, s16(d[2], d[3]) / 16384
        return scaled(int(32768 + ay * 32768)), scaled(int(32768 + ax * 32768))


def reading(button_a, button_b, stick_x, stick_y, tilt):
    x = y = 0.0
    if stick_x is not None:
        x = scaled(stick_x.read_u16())
        y = scaled(stick_y.read_u16())
    if tilt is not None and x == 0.0 and y == 0.0:
        x, y = tilt.read()
    return {"x": x, "y": y, "a": button_a.value(), "b": button_b.value()}


def send(values):
    # the data channel's line (hardware/micropython/ylab.py prints the same)
    print("@ylab", "{" + ", ".join('"%s": %s' % (k, values[k]) for k in sorted(values)) + "}")


def run(seconds=None):
    """Send readings until stopped (Ctrl-C / the game ends), or for ``seconds``."""
    button_a = Pin(PIN_A, Pin.IN, Pin.PULL_DOWN)
    button_b = Pin(PIN_B, Pin.IN, Pin.PULL_DOWN)
    stick_x = ADC(Pin(PIN_X)) if USE_JOYSTICK else None
    stick_y = ADC(Pin(PIN_Y)) if USE_JOYSTICK else None
    tilt = Tilt() if TILT else None
    last = None
    last_sent = time.ticks_ms()
    start = last_sent
    while seconds is None or time.ticks_diff(time.ticks_ms(), start) < seconds * 1000:
        now = time.ticks_ms()
        values = reading(button_a, button_b, stick_x, stick_y, tilt)
        if values != last or time.ticks_diff(now, last_sent) >= HEARTBEAT_MS:
            send(values)
            last, last_sent = values, now
        time.sleep_ms(PERIOD_MS)


if __name__ == "__main__":
    run()
