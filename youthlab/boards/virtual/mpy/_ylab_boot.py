# Runs INSIDE the MicroPython unix port (`micropython -i _ylab_boot.py`) at every
# (soft) boot of a virtual board. It plays the part of a real board's firmware start-up:
# import the `machine` shim while the host path is still reachable, then make the
# board's folder the root filesystem, then run boot.py (always) and main.py (only when
# the supervisor says the board boots into the friendly REPL, as real ports do).
import os, sys

_fs = os.getenv("YLAB_FS")
import machine  # the shim on MICROPYPATH (shadows the unix port's own module)

if _fs:
    os.mount(os.VfsPosix(_fs), "/")
    os.chdir("/")
sys.path[:] = ["", "/lib", ".frozen"]


def _ylab_run(name):
    try:
        os.stat(name)
    except OSError:
        return
    try:
        exec(open(name).read(), {"__name__": "__main__"})
    except KeyboardInterrupt as e:
        sys.print_exception(e)
    except SystemExit:
        raise
    except Exception as e:
        sys.print_exception(e)


_ylab_run("boot.py")
if os.getenv("YLAB_RUN_MAIN") == "1":
    _ylab_run("main.py")
del _ylab_run, _fs
