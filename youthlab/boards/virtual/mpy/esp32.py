# `esp32` (ESP32 profile only): what of it a board off hardware can honestly do.
import _ylab_io as _io

_io.needs_profile("esp32")
WAKEUP_ALL_LOW, WAKEUP_ANY_HIGH = 0, 1


def mcu_temperature():
    return _io.call("mcu_temperature")


def raw_temperature():
    return int(mcu_temperature() * 9 / 5 + 32)


def wake_on_ext0(pin, level):
    pass


def wake_on_ext1(pins, level):
    pass


def wake_on_touch(wake):
    pass


class NVS:
    # Non-volatile storage; here it lasts until the board's interpreter restarts.
    _spaces = {}

    def __init__(self, namespace):
        self._d = NVS._spaces.setdefault(namespace, {})

    def set_i32(self, key, value):
        self._d[key] = int(value)

    def get_i32(self, key):
        if key not in self._d:
            raise OSError(2)
        return self._d[key]

    def set_blob(self, key, value):
        self._d[key] = bytes(value)

    def get_blob(self, key, buffer):
        if key not in self._d:
            raise OSError(2)
        data = self._d[key]
        buffer[:len(data)] = data
        return len(data)

    def erase_key(self, key):
        if self._d.pop(key, None) is None:
            raise OSError(2)

    def commit(self):
        pass
