# Runs INSIDE the virtual board's MicroPython: how board code ends the interpreter the
# way a board's reset does. The supervisor (youthlab.boards.virtual.supervisor) tells
# the causes apart by the signal that ended the process and boots the board again with
# the banner a real board prints; machine.reset_cause() reads YLAB_RESET_CAUSE after it.
import os, sys

HARD_RESET_SIGNAL = 9  # SIGKILL: machine.reset() and crashes -> hard reset
DEEPSLEEP_SIGNAL = 10  # SIGUSR1: machine.deepsleep() -> wake from deep sleep


def _end(sig):
    try:
        sys.stdout.flush()
    except Exception:
        pass
    # The unix port has no os.kill: a shell kills its parent, the interpreter.
    os.system("kill -%d $PPID" % sig)
    while True:  # the signal is on its way; nothing after reset() runs
        pass


def reset():
    _end(HARD_RESET_SIGNAL)


def deepsleep(ms=0):
    if ms:
        import utime
        utime.sleep_ms(ms)  # asleep: no REPL, no program; then wake with a reset
    _end(DEEPSLEEP_SIGNAL)


def reset_cause(default=1):
    try:
        return int(os.getenv("YLAB_RESET_CAUSE") or default)
    except ValueError:
        return default
