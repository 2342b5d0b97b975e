# `rp2` (RP2040 profile only). PIO programs can be written (asm_pio) but not run: the
# virtual board has no PIO hardware, and StateMachine says so.
import _ylab_io as _io

_io.needs_profile("rp2")


class PIO:
    IN_LOW, IN_HIGH, OUT_LOW, OUT_HIGH = 0, 1, 2, 3
    SHIFT_LEFT, SHIFT_RIGHT = 0, 1
    JOIN_NONE, JOIN_TX, JOIN_RX = 0, 1, 2
    IRQ_SM0, IRQ_SM1, IRQ_SM2, IRQ_SM3 = 256, 512, 1024, 2048

    def __init__(self, id):
        self.id = id

    def state_machine(self, id, *a, **kw):
        return StateMachine(id, *a, **kw)


def asm_pio(**kw):
    def wrap(f):
        return f
    return wrap


class StateMachine:
    def __init__(self, id, program=None, *a, **kw):
        raise OSError(_io.text("machine.no_pio"))


def bootsel_button():
    return _io.call("pin_read", "BOOTSEL")
