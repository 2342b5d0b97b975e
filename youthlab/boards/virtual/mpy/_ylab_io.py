# The seam between the board's modules (machine, time, neopixel, …) and whatever plays
# the hardware (youthlab.boards.simulator.BoardSimulator on the host):
#   call(op, *args)  one operation; `op` is a BoardSimulator method (OSError on failure)
#   sleep(s), now()  the board's clock (real time, or the simulated one of a grader)
#   end(kind, ms)    the board stops at once (reset, deep sleep, watchdog)
#   reset_cause()    why the board last booted (machine.reset_cause())
#   SIMULATED        True when the clock is simulated (the graders), False in real time
# One transport per run mode: the fast grader puts `_ylab_transport` in place (this
# very Python); the virtual board gives YLAB_SIM_PORT (a loopback socket); the
# MicroPython grader YLAB_SIM_PIPE (lines on stdout/stdin); else the board keeps pin
# states itself.
try:
    from _ylab_transport import call, sleep, now, end, reset_cause, native, EPOCH, SIMULATED
except ImportError:
    import os

    if os.getenv("YLAB_SIM_PORT"):
        from _ylab_socket import call, sleep, now, end, reset_cause, native, EPOCH, SIMULATED
    elif os.getenv("YLAB_SIM_PIPE"):
        from _ylab_pipe import call, sleep, now, end, reset_cause, native, EPOCH, SIMULATED
    else:
        from _ylab_local import call, sleep, now, end, reset_cause, native, EPOCH, SIMULATED

_profile = []


def profile():
    """What board this is: {"name", "platform", "chip", "freq", "modules", "led"}."""
    if not _profile:
        try:
            import os
            name = os.getenv("YLAB_PROFILE")  # the virtual board's profile, if it has one
        except ImportError:
            name = None
        _profile.append(call("profile", name))
    return _profile[0]


def text(key, **params):
    """A user message (ko/en catalogue, in the host's language)."""
    return call("text", key, params)


def needs_profile(module):
    # For modules only some boards have (esp32, rp2): an ImportError that says so.
    p = profile()
    if module not in p["modules"]:
        raise ImportError(text("machine.not_on_this_board", module=module, board=p["name"]))
