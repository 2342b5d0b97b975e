"""The virtual board: what a student plugs in, switches on and resets.

:class:`VirtualBoard` puts together the board's parts: a profile (which real board it
stands in for, :mod:`.profiles`), its flash filesystem (a host folder, sized like the
board's), its interpreter (:mod:`.supervisor`), its USB port (:mod:`.relay`) and the
pin simulator (:class:`youthlab.boards.simulator.BoardSimulator`). It decides what a reset
does, as the real board would:

* **soft reset** (Ctrl-D, ``sys.exit()``): ``MPY: soft reboot``, the REPL mode the board
  was in (raw stays raw, so mpremote's soft-reset path works), ``main.py`` when
  friendly;
* **hard reset** (``machine.reset()``, a crash) and **wake from deep sleep**: the USB
  port re-enumerates, as on boards with native USB (Pico, ESP32-S3): a program
  following the output (``mpremote run``) sees the port go instead of waiting for ever;
  the board comes back on a new port name with the same serial number, at the friendly
  REPL with its power-on banner, after running ``boot.py`` and ``main.py``;
* **unplug/replug**: :meth:`unplug` pulls the cable, :meth:`plug` brings it back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from youthlab.boards.errors import VirtualBoardError
from youthlab.boards.repl import SOFT_REBOOT
from youthlab.boards.simulator import BoardSimulator, SimServer
from youthlab.boards.virtual.profiles import BoardProfile, profile as find_profile
from youthlab.boards.virtual.relay import Relay
from youthlab.boards.virtual.supervisor import SOFT, Interpreter
from youthlab.paths import own_data_dir


def virtual_dir() -> Path:
    """Where virtual boards keep their filesystems and port files."""
    return own_data_dir("boards/virtual")


class VirtualBoard:
    """One virtual MicroPython board (see the module docstring)."""

    def __init__(
        self,
        name: str = "virtual",
        *,
        fs_dir: str | os.PathLike | None = None,
        baud: int | None = None,
        simulator: BoardSimulator | None = None,
        heapsize: str | None = None,
        publish: bool = True,
        profile: str | BoardProfile | None = None,
    ) -> None:
        self.name = name
        # A virtual board belongs to whoever started it: in a hub every student's
        # `virtual` is their own board (own serial number, lock and filesystem).
        user = os.environ.get("JUPYTERHUB_USER")
        self.key = f"{user}-{name}" if user else name
        self.serial_number = f"VIRT-{self.key}"
        self.fs_dir = Path(fs_dir) if fs_dir else virtual_dir() / self.key / "fs"
        self.baud = baud
        self.simulator = simulator or BoardSimulator()
        self.heapsize = heapsize
        self.publish = publish
        self.profile = profile if isinstance(profile, BoardProfile) else find_profile(profile)
        self.boots = 0
        self._cause = 1  # machine.reset_cause(): PWRON_RESET until a reset
        self.resets: list[str] = []  # how each life of the interpreter ended
        self._sim_server: SimServer | None = None
        self._spare: Interpreter | None = None  # the next soft reset's interpreter, warm
        self._relay = Relay(name, baud, self._on_end, self.profile.board_banner)

    # -- public ----------------------------------------------------------------------
    @property
    def port(self) -> str | None:
        """The board's port now (a new name after each replug or hard reset)."""
        return self._relay.port

    def start(self, timeout: float = 10) -> "VirtualBoard":
        """Power the board on; returns when its REPL is up. The port is ``self.port``."""
        self.fs_dir.mkdir(parents=True, exist_ok=True)
        self._sim_server = SimServer(self.simulator)
        self.plug(timeout=timeout)
        return self

    def plug(self, timeout: float = 10) -> str:
        """Plug the cable in (a new port appears) and boot as at power-on."""
        relay = self._relay
        with relay.lock:
            if relay.host_master is not None:
                return relay.port or ""
            relay.open_port()
            self._power_on("power")
            relay.start()
        if not relay.ready.wait(timeout):
            raise VirtualBoardError(detail="no REPL prompt")
        self._write_state()
        return relay.port

    def unplug(self) -> None:
        """Pull the cable: the port disappears and the board loses power."""
        with self._relay.lock:
            self._drop_spare()
            self._relay.drop_interpreter()
            self._close_port()

    def stop(self) -> None:
        """Unplug and stop the relay thread and the simulator server."""
        self._relay.stop()
        self.unplug()
        if self._sim_server is not None:
            self._sim_server.close()
            self._sim_server = None
        if self.publish:
            try:
                self._state_file().unlink()
            except OSError:
                pass

    def wait_ready(self, timeout: float = 10) -> bool:
        """Wait until the board shows a REPL prompt (after a boot or reset)."""
        return self._relay.ready.wait(timeout)

    @property
    def pid(self) -> int | None:
        """PID of the running interpreter (changes at every reset)."""
        interp = self._relay.interp
        return interp.pid if interp else None

    @property
    def running(self) -> bool:
        return self._relay.host_master is not None

    def __enter__(self) -> "VirtualBoard":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<VirtualBoard {self.name} {self.profile.name} port={self.port} baud={self.baud}>"

    # -- power -----------------------------------------------------------------------
    def _power_on(self, how: str, raw: bool = False) -> None:
        """Start the interpreter after a start of kind ``how`` (power, soft, hard, …)."""
        if how != SOFT:  # a soft reboot leaves the chip's reset cause as it was
            self._cause = self.profile.cause(how)
        env = {"YLAB_FS": str(self.fs_dir.resolve()), "YLAB_SERIAL": self.serial_number,
               "YLAB_RESET_CAUSE": str(self._cause), **self.profile.env()}
        if self._sim_server is not None:
            env["YLAB_SIM_PORT"] = str(self._sim_server.port)
        spare, self._spare = self._spare, None
        if how == SOFT and spare is not None and spare.alive() and spare.env == env:
            interp = spare
            interp.go(run_main=not raw)
        else:
            if spare is not None:
                spare.close()
            interp = Interpreter(env, heapsize=self.heapsize, run_main=not raw)
        self._relay.boot(interp, raw=raw)
        self.boots += 1
        if how == SOFT:
            # A board that was soft-reset once is soft-reset again (mpremote, the test
            # runners, Thonny do it before every command): keep the next life warm.
            self._spare = Interpreter(env, heapsize=self.heapsize, spare=True)

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.close()

    def _on_end(self, how: str) -> None:
        """The interpreter ended (relay thread, under the relay's lock): reboot."""
        relay = self._relay
        self.resets.append(how)
        if relay.host_master is None:
            return
        if how == SOFT:
            relay.queue_host(SOFT_REBOOT)
            self._power_on(SOFT, raw=relay.mode == "raw")
            return
        # Hard reset or wake from deep sleep: the USB port re-enumerates.
        relay.drain()
        self._close_port()
        relay.open_port()
        self._power_on(how)
        self._write_state()

    def _close_port(self) -> None:
        """The port goes: unpublish it first. Its pty name is free once closed and the
        next pty anyone opens (the interpreter's own, another board's) may take it; a
        host looking for this board by serial number must find no port, not that one."""
        self._write_state(port=None)
        self._relay.close_port()

    # -- state file (so `youthlab board list` and reconnect-by-serial find us) ---------
    def _state_file(self) -> Path:
        return virtual_dir() / f"{self.key}.json"

    def _write_state(self, **override: object) -> None:
        if not self.publish:
            return
        path = self._state_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {"name": self.name, "port": self.port, "serial_number": self.serial_number,
                 "owner_pid": os.getpid(), "fs_dir": str(self.fs_dir), "baud": self.baud,
                 "profile": self.profile.name, **override}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, path)


def running_virtual_boards() -> list[dict]:
    """Virtual boards published by live processes on this machine (name, port, serial)."""
    out = []
    folder = virtual_dir()
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            state = json.loads(path.read_text())
            os.kill(int(state["owner_pid"]), 0)
        except (OSError, ValueError, KeyError):
            continue
        out.append(state)
    return out
