# `dht` as in MicroPython: DHT11 / DHT22 temperature-humidity sensors on one pin; the
# reading comes from the simulator (BoardSimulator.dht_values).
import _ylab_io as _io


class DHTBase:
    _kind = 11

    def __init__(self, pin):
        self.pin = pin
        self._t = self._h = 0

    def measure(self):
        self._t, self._h = _io.call("dht_read", getattr(self.pin, "id", self.pin), self._kind)

    def temperature(self):
        return self._t

    def humidity(self):
        return self._h


class DHT11(DHTBase):
    _kind = 11


class DHT22(DHTBase):
    _kind = 22
