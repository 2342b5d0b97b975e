"""The in-process transport: the board's MicroPython modules run in this Python.

The fast grader's way. The very files a virtual board runs (``machine.py``, ``time.py``,
``neopixel.py`` … in :data:`youthlab.boards.simulator.MPY_DIR`) are loaded into fresh module
objects whose ``_ylab_io`` seam calls a :class:`~youthlab.boards.simulator.BoardSimulator`
directly: no process, no pipe, and with the simulator's virtual clock a 3-minute program
runs in about a second. A program sees them through its own ``__import__``
(:class:`Sandbox`), so this Python's ``time`` and ``machine`` are never touched.
"""

from __future__ import annotations

import builtins
import time
import types
from pathlib import Path
from typing import Any, Callable, Iterable

from youthlab.boards.simulator import MPY_DIR, BoardSimulator

# Board-side files that belong to other run modes (transports, the virtual board's boot).
_NOT_HERE = {"_ylab_boot", "_ylab_run", "_ylab_socket", "_ylab_pipe", "_ylab_local", "_ylab_fs", "_ylab_frozen",
             "_ylab_power", "_ylab_io_transport"}


_code_cache: dict[tuple[str, int], types.CodeType] = {}


def _compiled(path: Path) -> types.CodeType:
    """A board module's code, compiled once per version of the file (graders run many programs)."""
    key = (str(path), path.stat().st_mtime_ns)
    code = _code_cache.get(key)
    if code is None:
        code = _code_cache[key] = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    return code


class InProcessTransport:
    """The seam's host end: ``call`` / ``sleep`` / ``now`` / ``end`` on a simulator.

    ``after`` runs after every operation and sleep (a grader's time limit, its "task
    done" test); it may raise a ``BaseException`` to stop the program.
    """

    def __init__(self, sim: BoardSimulator, after: Callable[[], None] | None = None) -> None:
        self.sim = sim
        self.after = after

    def call(self, op: str, *args: Any) -> Any:
        r = self.sim.handle(op, args)
        if self.after is not None:
            self.after()
        return r

    def _fast_call(self) -> Callable[..., Any]:
        """:meth:`call` with its lookups done once (it runs for every pin operation)."""
        handle, after = self.sim.handle, self.after or (lambda: None)

        def call(op: str, *args: Any) -> Any:
            r = handle(op, args)
            after()
            return r

        return call

    def sleep(self, seconds: float) -> None:
        self.sim.sleep(max(0.0, float(seconds)))
        if self.after is not None:
            self.after()

    def now(self) -> float:
        return self.sim.now()

    def end(self, kind: str, ms: int = 0) -> None:
        raise SystemExit(0)  # the program ends here, as on a board that resets

    def reset_cause(self) -> int:
        return self.sim.reset_cause()

    def module(self) -> types.ModuleType:
        m = types.ModuleType("_ylab_transport")
        m.call, m.sleep, m.end, m.reset_cause = self._fast_call(), self.sleep, self.end, self.reset_cause
        m.now = self.sim.now
        m.native, m.EPOCH, m.SIMULATED = time, 0, True
        return m


def micropython_module() -> types.ModuleType:
    """MicroPython's ``micropython`` module, as far as it means something in CPython."""
    m = types.ModuleType("micropython")
    m.const = lambda x: x
    m.schedule = lambda f, arg: f(arg)
    m.alloc_emergency_exception_buf = lambda n: None
    m.mem_info = lambda *a: None
    m.opt_level = lambda *a: 0
    m.native = m.viper = lambda f: f
    return m


class Sandbox:
    """An ``__import__`` that serves the board's modules, then ``lib_dirs`` (board
    libraries, found as ``<name>.py``), then this Python's own modules."""

    def __init__(self, transport: InProcessTransport, lib_dirs: Iterable[Path] = (),
                 modules: dict[str, types.ModuleType] | None = None) -> None:
        self.modules: dict[str, types.ModuleType] = {
            "_ylab_transport": transport.module(), "micropython": micropython_module(), **(modules or {})}
        self.dirs = [MPY_DIR, *lib_dirs]
        self.builtins = dict(vars(builtins))
        self.builtins["__import__"] = self._import
        self._real = builtins.__import__

    def _import(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                level: int = 0) -> Any:
        if level == 0:
            if name == "utime":
                name = "time"
            mod = self.modules.get(name)
            if mod is None and "." not in name and name not in _NOT_HERE:
                mod = self._load(name)
            if mod is not None:
                return mod
        return self._real(name, globals, locals, fromlist, level)

    def _load(self, name: str) -> types.ModuleType | None:
        for folder in self.dirs:
            path = folder / f"{name}.py"
            if path.is_file():
                break
        else:
            return None
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        mod.__dict__["__builtins__"] = self.builtins
        self.modules[name] = mod
        try:
            exec(_compiled(path), mod.__dict__)
        except BaseException:
            del self.modules[name]
            raise
        return mod

    def run(self, source: str, filename: str) -> None:
        """Run a program as ``__main__`` (after ``machine`` and ``time``, as a board boots)."""
        self._import("machine")
        code = compile(source, filename, "exec")
        exec(code, {"__name__": "__main__", "__file__": filename, "__builtins__": self.builtins})
