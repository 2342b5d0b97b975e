# Transport without a host: the board remembers its own pin levels and there is nothing
# on its pins or buses. Real time. Its clock also serves the virtual board (_ylab_socket).
import os, sys
import utime as native  # the built-in module (a `utime.py` never shadows it here)

EPOCH = native.time()
SIMULATED = False
_t0 = native.time_ns()
_pins = {}
_ANSWERS = {"adc_read": 30000, "i2c_scan": [], "uart_read": b"", "uart_any": 0, "time_pulse_us": -2,
            "dht_read": [23.5, 45.0], "mcu_temperature": 41.0, "reset_cause": 1}


def call(op, *args):
    if op == "pin_write":
        _pins[args[0]] = args[1]
    elif op == "pin_read":
        return _pins.get(args[0], 0)
    elif op == "pin_edges":
        return [0] * len(args[0])
    elif op in ("i2c_write", "i2c_read"):
        raise OSError(19)  # ENODEV: nobody answers on the bus
    elif op in ("spi_transfer", "uart_write"):
        return b"\xff" * len(args[1]) if op == "spi_transfer" else len(args[1])
    elif op == "profile":
        return {"name": "rp2040", "platform": "rp2", "chip": "RP2040", "freq": 125000000,
                "modules": ["rp2"], "led": "LED"}
    elif op == "text":
        return args[0]
    return _ANSWERS.get(op)


def now():
    return (native.time_ns() - _t0) / 1000000000


def sleep(s):
    # In microseconds, a second at most at a time: a sleep lasts at least its time, as on a
    # board (the unix port's sleep_ms counts its millisecond ticks: sleep_ms(5) took 4.4 ms)
    us = int(s * 1000000 + 0.5)
    while us > 0:
        native.sleep_us(min(us, 1000000))
        us -= 1000000


def end(kind, ms=0):
    # The board stops, as when its power goes.
    try:
        sys.stdout.flush()
    except Exception:
        pass
    os.system("kill -9 $PPID")
    while True:
        pass


def reset_cause():
    return 1
