# `esp` (ESP32 profile only).
import _ylab_io as _io

_io.needs_profile("esp")


def osdebug(level, *a):
    pass


def flash_size():
    return 4 * 1024 * 1024
