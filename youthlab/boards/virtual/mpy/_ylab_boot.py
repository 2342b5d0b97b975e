# Runs INSIDE the MicroPython unix port (`micropython -i _ylab_boot.py`) at every
# (soft) boot of a virtual board. It plays the part of a real board's firmware start-up:
# import the `machine` shim while the host path is still reachable, then make the
# board's folder the root filesystem, then run boot.py (always) and main.py (only when
# the supervisor says the board boots into the friendly REPL, as real ports do).
import os, sys

_fs = os.getenv("YLAB_FS")
import machine  # the shim on MICROPYPATH (shadows the unix port's own module)

if os.getenv("YLAB_SPARE") == "1":
    # A warm spare (supervisor.Interpreter(spare=True)): started ahead, it waits here
    # until a soft reset makes it the board; the supervisor's one byte says whether
    # this boot runs main.py ("1", friendly REPL) or not ("0", raw REPL).
    _run_main = sys.stdin.read(1) == "1"
else:
    _run_main = os.getenv("YLAB_RUN_MAIN") == "1"

if _fs:
    __import__("_ylab_fs").mount(_fs, int(os.getenv("YLAB_FS_BYTES") or 2097152))
sys.path[:] = ["", "/lib", ".frozen"]
sys.argv[:] = []  # a board's sys.argv is empty (here it named the boot script)


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
if _run_main:
    _ylab_run("main.py")
del _ylab_run, _fs, _run_main
