# The virtual board's built-in modules. At boot the board's own folder becomes "/" and
# this folder goes out of reach, as a board's firmware is not in its filesystem: so the
# modules a board has built in (neopixel, dht, network, and esp32/esp or rp2 by profile)
# are imported now, while `machine` is, and an import of one a real board has but this
# one cannot (bluetooth, espnow, the other profile's) raises an ImportError that says so.
import os, sys
import _ylab_io

if os.getenv("YLAB_FS") and sys.implementation.name == "micropython":
    import builtins

    _prof = _ylab_io.profile()
    for _name in ["neopixel", "dht", "network"] + [m for m in ("esp32", "esp", "rp2") if m in _prof["modules"]]:
        __import__(_name)
    _missing = {"bluetooth": ("machine.needs_hardware", {}), "espnow": ("machine.needs_hardware", {})}
    for _name in ("esp32", "esp", "rp2"):
        if _name not in _prof["modules"]:
            _missing[_name] = ("machine.not_on_this_board", {"board": _prof["name"]})
    _builtin_import = builtins.__import__

    # `time` is built in on a board: out of sys.modules, without a host __file__; a
    # time.py on sys.path extends it (and imports it with an empty sys.path), utime is
    # always the built-in one, as MicroPython does for its extensible built-ins.
    _time = sys.modules.pop("time")
    sys.modules.pop("utime", None)
    _time.__dict__.pop("__file__", None)

    def _time_on_path():
        for folder in sys.path:
            for name in ("time.py", "time.mpy", "time"):
                try:
                    os.stat(folder + "/" + name if folder else name)
                    return True
                except OSError:
                    pass
        return False

    def _import(name, *args):
        if name in _missing and name not in sys.modules:
            key, params = _missing[name]
            raise ImportError(_ylab_io.text(key, module=name, **params))
        if name == "vfs" and (len(args) < 4 or not args[3]):
            board_vfs = sys.modules.get("_ylab_vfs")
            if board_vfs is not None and getattr(board_vfs, "_folder", [None])[0]:
                return board_vfs
        if (name == "utime" or name == "time") and (len(args) < 4 or not args[3]):
            if name == "utime" or not sys.path:
                return _time
            if "time" not in sys.modules and not _time_on_path():
                return _time
        return _builtin_import(name, *args)

    builtins.__import__ = _import
