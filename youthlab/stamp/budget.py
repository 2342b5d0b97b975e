"""A hard time and memory budget for stamp work on untrusted input (uploads, visitors' text).

The algorithms refuse what is too complex before they allocate (``image.py``,
``printability.py``); this is the last line: the work runs in a child process with an
address-space limit (``RLIMIT_AS``: the child's size at start + ``memory_mb``), a CPU limit
and a wall-clock timeout, and a design over budget is refused with a ko/en message instead
of taking the kiosk, the notebook or the machine down with it::

    stamp = run_limited(image_stamp, data, width=30)

Children come from a *forkserver* (a clean single-threaded process that has imported the
stamp modules once): forking a Jupyter kernel's threads is unsafe, and a fresh interpreter
per keystroke in a designer would be slow. Limits: ``YOUTHLAB_STAMP_MEMORY_MB`` (default
1024), ``YOUTHLAB_STAMP_SECONDS`` (default 60).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from traitlets import Float, Int

from youthlab.config import EnvConfigurable, knob
from youthlab.errors import YouthLabError
from youthlab.stamp.errors import StampError

PRELOAD = ["youthlab.stamp.compose", "youthlab.stamp.image", "youthlab.stamp.printability",
           "youthlab.stamp.text", "youthlab.stamp.export"]
# Designers rebuild on every keystroke: their forkserver builds one stamp first, so each child
# starts with fonts parsed. A command that builds once (the CLI) turns this off.
warm_start = True
_lock = threading.Lock()
_context: Any = None


class OverBudget(StampError):
    """The work needed more memory or time than a stamp may use."""

    key = "stamp.budget.memory"
    hint_key = "stamp.budget.hint"


@dataclass
class Usage:
    """What the last budgeted run used (for the benchmark and the log)."""

    seconds: float = 0.0
    peak_mb: float = 0.0  # the child's peak resident memory
    outcome: str = ""  # ok | error | memory | time | crashed


last_usage = Usage()


class StampBudgetSettings(EnvConfigurable):
    """What one stamp computation may use (``youthlab config --area stamp-budget``)."""

    memory_mb = knob(Int(1024, min=1), "YOUTHLAB_STAMP_MEMORY_MB")
    seconds = knob(Float(60.0, min=0.1), "YOUTHLAB_STAMP_SECONDS")


def memory_mb() -> int:
    return StampBudgetSettings.setting("memory_mb")


def wall_seconds() -> float:
    return StampBudgetSettings.setting("seconds")


def _ctx():
    global _context
    with _lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD + (["youthlab.stamp.warmup"] if warm_start else []))
            _context = ctx
        return _context


def start_in_background() -> None:
    """Start the forkserver now, off the caller's thread (a designer does this when it
    appears, so a visitor's first change does not wait for it)."""
    def start() -> None:
        try:
            _ctx()
            from multiprocessing import forkserver

            forkserver.ensure_running()
        except Exception:  # noqa: BLE001 - run_limited will try again and report
            pass
    threading.Thread(target=start, name="stamp-budget-forkserver", daemon=True).start()


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lower(which: int, value: int) -> None:
    """Lower a limit to ``value``; never raise one (an operator's or a cgroup's stricter
    limit stays as it is)."""
    soft, hard = resource.getrlimit(which)
    new_hard = value if hard == resource.RLIM_INFINITY else min(hard, value)
    new_soft = new_hard if soft == resource.RLIM_INFINITY else min(soft, new_hard)
    resource.setrlimit(which, (new_soft, new_hard))


def _child(conn, fn: Callable, args: tuple, kwargs: dict, budget_mb: int, cpu_seconds: int) -> None:
    _lower(resource.RLIMIT_AS, _vm_bytes() + budget_mb * 1024 * 1024)
    _lower(resource.RLIMIT_CPU, cpu_seconds)
    _lower(resource.RLIMIT_CORE, 0)
    try:
        result = fn(*args, **kwargs)
        conn.send(("ok", result, _peak_mb()))
    except YouthLabError as exc:
        conn.send(("error", (type(exc), exc.key, exc.hint_key, exc.params), _peak_mb()))
    except MemoryError:
        conn.send(("memory", None, _peak_mb()))
    except Exception as exc:  # noqa: BLE001 - GEOS and manifold report allocation failure their own way
        text = f"{type(exc).__name__}: {exc}"
        kind = "memory" if ("bad_alloc" in text or "memory" in text.lower()) else "crashed"
        conn.send((kind, type(exc).__name__, _peak_mb()))
    finally:
        conn.close()


def run_limited(fn: Callable, *args: Any, budget_mb: int | None = None, seconds: float | None = None,
                **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a limited child; its result, its own :class:`YouthLabError`,
    or :class:`OverBudget` when it ran out of memory or time. ``fn`` must be importable
    (a module-level function) and its result picklable."""
    budget_mb = budget_mb or memory_mb()
    seconds = seconds or wall_seconds()
    ctx = _ctx()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args, kwargs, budget_mb, int(seconds) + 1), daemon=True)
    start = time.monotonic()
    proc.start()
    send.close()
    answer = None
    try:
        if receive.poll(seconds):
            try:
                answer = receive.recv()
            except (EOFError, OSError):
                answer = None  # killed by the kernel (over the limit in native code) or crashed
    finally:
        if proc.is_alive() and answer is None:
            proc.kill()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        receive.close()
    elapsed = time.monotonic() - start
    global last_usage
    if answer is None:
        timed_out = elapsed >= seconds - 0.05
        outcome = "time" if timed_out else ("memory" if proc.exitcode in (-9, -6, -11) else "crashed")
        if proc.exitcode == -24:  # SIGXCPU: the CPU limit
            outcome = "time"
        last_usage = Usage(elapsed, 0.0, outcome)
        if outcome == "time":
            raise OverBudget(key="stamp.budget.time", seconds=f"{seconds:g}", limit=budget_mb)
        if outcome == "memory":
            raise OverBudget(limit=budget_mb, seconds=f"{seconds:g}")
        raise StampError(detail=f"exit {proc.exitcode}")
    kind, payload, peak = answer
    last_usage = Usage(elapsed, peak, kind)
    if kind == "ok":
        return payload
    if kind == "error":
        cls, key, hint_key, params = payload
        exc = cls.__new__(cls)
        YouthLabError.__init__(exc, key=key, hint_key=hint_key, **params)
        raise exc
    if kind == "memory":
        raise OverBudget(limit=budget_mb, seconds=f"{seconds:g}")
    raise StampError(detail=payload)
