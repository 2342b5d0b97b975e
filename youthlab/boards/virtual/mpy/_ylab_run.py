# Start of a program in the MicroPython grader: `micropython _ylab_run.py main.py`.
# `machine` and `time` first (so `import utime` finds ours too), then the program as
# __main__, with its own file name in tracebacks.
import sys
import machine

_path = sys.argv[1]
sys.argv[:] = sys.argv[1:]
with open(_path) as _f:
    _code = compile(_f.read(), _path, "exec")
del _f
exec(_code, {"__name__": "__main__", "__file__": _path})
