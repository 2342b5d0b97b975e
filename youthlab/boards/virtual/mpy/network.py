# `network` on a board without a radio: the classes exist (tutorial code imports and
# builds them), but connecting says clearly, in the learner's language, that there is no
# Wi-Fi here — instead of waiting forever for isconnected().
import _ylab_io as _io

STA_IF, AP_IF = 0, 1
STAT_IDLE, STAT_CONNECTING, STAT_WRONG_PASSWORD, STAT_NO_AP_FOUND, STAT_CONNECT_FAIL, STAT_GOT_IP = 0, 1, -3, -2, -1, 3


def _no_wifi():
    raise OSError(_io.text("machine.no_wifi"))


class WLAN:
    IF_STA, IF_AP = 0, 1

    def __init__(self, interface=STA_IF):
        self._active = False

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)

    def connect(self, ssid=None, key=None, **kw):
        _no_wifi()

    def disconnect(self):
        pass

    def isconnected(self):
        return False

    def status(self, param=None):
        return STAT_IDLE

    def scan(self):
        _no_wifi()

    def ifconfig(self, config=None):
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")

    def ipconfig(self, *a, **kw):
        return None

    def config(self, *a, **kw):
        if a:
            _no_wifi()


def hostname(name=None):
    return "ylab-virtual" if name is None else None


def country(code=None):
    return "KR" if code is None else None
