"""IPython magics: ``%board …`` (connect, deploy, reset, plot, …) and ``%%board`` cells.

``%load_ext youthlab.boards`` registers them. A ``%%board`` cell runs on the current
board through its persistent Session: output streams into the cell, the ■ button stops
the program on the board, and errors show as a short ko/en message (the board's own
traceback stays visible for code errors) instead of a Python traceback.
"""

from __future__ import annotations

import shlex
import sys

from youthlab.boards import registry
from youthlab.boards.discover import list_boards
from youthlab.boards.errors import BoardCodeError
from youthlab.boards.simulator import make_simulator
from youthlab.boards.stations import my_station
from youthlab.boards.widgets import BoardPicker, LivePlot, PixelStrip
from youthlab.errors import YouthLabError
from youthlab.i18n import t

USAGE = """%board connect [virtual | virtual:NAME | station[:ID] | id:SERIAL | PORT | URL] [--baud N] [--sim NAME]
%board list | deploy FOLDER [--delete] | reset | stop | plot [COLUMN …] | csv FILE | close
%board pixels [PIN] [--ring | --line]   (the virtual board's NeoPixel strips, live)
%%board [--timeout SECONDS]   (run the cell on the board)"""


def _show_error(exc: YouthLabError) -> None:
    """The ko/en error as a rich output in a notebook, as plain text elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display

        if getattr(get_ipython(), "kernel", None) is not None:  # a notebook's kernel
            display(exc)
            return
    except ImportError:
        pass
    print(exc.user_text(), file=sys.stderr)


def _session(auto: bool = False):
    """The current board; with ``auto``, connect one first (station's, USB, else virtual)."""
    s = registry.current()
    if s is None and auto:
        s = registry.connect("station" if my_station() else "auto")
    if s is None:
        print(t("boards.magic.no_board"), file=sys.stderr)
    return s


def board_line(line: str) -> object:
    """``%board`` line magic."""
    args = shlex.split(line)
    if not args:
        print(USAGE)
        return None
    cmd, rest = args[0], args[1:]
    try:
        if cmd == "connect":
            rest = [part for arg in rest for part in (arg.split("=", 1) if arg.startswith("--") else [arg])]
            target = rest[0] if rest and not rest[0].startswith("--") else "auto"
            kw = {}
            if rest and rest[-1] in ("--baud", "--sim"):  # an option without its value
                print(USAGE)
                return None
            if "--baud" in rest:
                if not rest[rest.index("--baud") + 1].isdigit():
                    print(USAGE)
                    return None
                kw["baud"] = int(rest[rest.index("--baud") + 1])
            if "--sim" in rest:
                if not (target == "virtual" or target.startswith("virtual:")):
                    print(t("boards.simulator.virtual_only"), file=sys.stderr)
                    return None
                sim_name = rest[rest.index("--sim") + 1]
                kw["simulator"] = make_simulator(sim_name)
                kw["profile"] = kw["simulator"].profile_name
                running = registry.virtual_board(target.split(":", 1)[1] if ":" in target else "virtual")
                if running is not None and running.running and type(running.simulator) is not type(kw["simulator"]):
                    # the running board keeps what is behind its pins: say so, not connect as if
                    print(t("boards.simulator.running", name=running.name, sim=sim_name), file=sys.stderr)
                    return None
            return registry.connect(target, **kw) and None
        if cmd == "list":
            for b in list_boards():
                print(f"{b.port} | {b.name} | {b.chip} | {b.serial_number or '-'}")
            return None
        if cmd == "picker":
            return BoardPicker()
        if cmd == "pixels":
            pins = [a for a in rest if not a.startswith("--")]
            pin = (int(pins[0]) if pins[0].isdigit() else pins[0]) if pins else None
            shape = "ring" if "--ring" in rest else "line" if "--line" in rest else "auto"
            return PixelStrip(registry.current(), pin=pin, shape=shape)
        s = _session()
        if s is None:
            return None
        if cmd == "deploy":
            result = s.deploy(rest[0], delete="--delete" in rest)
            print(result.summary())
        elif cmd == "reset":
            s.soft_reset()
            print(t("boards.recover.ok"))
        elif cmd == "stop":
            s.interrupt()
            print(t("boards.interrupted"))
        elif cmd == "plot":
            return LivePlot(s, columns=rest or None)
        elif cmd == "csv":
            s.data.to_csv(rest[0])
            print(t("boards.plot.saved", path=rest[0]))
        elif cmd == "close":
            s.close()
        else:
            print(USAGE)
    except YouthLabError as exc:
        _show_error(exc)
    return None


def _mark_run(session) -> None:
    """On a virtual board, start the record of this cell's run (what lab checks read)."""
    name = session.name.split(":", 1)[1] if session.name.startswith("virtual:") else None
    board = registry.virtual_board(name) if name else None
    if board is not None:
        board.simulator.start_run()


def board_cell(line: str, cell: str) -> None:
    """``%%board`` cell magic: run the cell on the current board."""
    args = shlex.split(line)
    timeout, target = None, None
    while args:
        a = args.pop(0)
        if a == "--timeout" and args:
            timeout = float(args.pop(0))
        elif not a.startswith("--"):
            target = a
    try:
        s = registry.connect(target, quiet=True) if target else _session(auto=True)
        if s is None:
            return
        _mark_run(s)
        s.exec(cell, timeout=timeout)
    except KeyboardInterrupt:
        pass  # the Session already said "■ Program stopped"; the board is ready again
    except BoardCodeError as exc:
        print(exc.traceback, file=sys.stderr, end="")
        _show_error(exc)
    except YouthLabError as exc:
        _show_error(exc)


def load_ipython_extension(ipython) -> None:
    ipython.register_magic_function(board_line, "line", "board")
    ipython.register_magic_function(board_cell, "cell", "board")
