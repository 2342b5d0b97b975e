# `neopixel` as in MicroPython: the strip's bytes go out with machine.bitstream; the
# simulator decodes them (BoardSimulator.pixels) for widgets and checkers.
import _ylab_io as _io
from machine import bitstream


class NeoPixel:
    ORDER = (1, 0, 2, 3)  # G R B W on the wire

    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.bpp = bpp
        self.buf = bytearray(n * bpp)
        if isinstance(timing, int):
            timing = (400, 850, 800, 450) if timing else (800, 1700, 1600, 900)
        self.timing = timing
        _io.call("neopixel", getattr(pin, "id", pin), n, bpp)

    def __len__(self):
        return self.n

    def __setitem__(self, i, v):
        offset = i * self.bpp
        for k in range(self.bpp):
            self.buf[offset + self.ORDER[k]] = v[k]

    def __getitem__(self, i):
        offset = i * self.bpp
        return tuple(self.buf[offset + self.ORDER[k]] for k in range(self.bpp))

    def fill(self, v):
        for i in range(self.n):
            self[i] = v

    def write(self):
        bitstream(self.pin, 0, self.timing, self.buf)
