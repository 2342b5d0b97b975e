"""ESP32-family boards through esptool 5's Python API (``esptool.cmds``).

The sequence is mpflash's (which also builds on ``esptool.cmds``): detect the chip,
refuse the wrong one before anything is erased, load the stub (faster, compressed
writes), optionally erase, ``write_flash`` (compressed; esptool checks the MD5 of what
landed before it returns), hard reset. esptool's log is a process-wide singleton, so a
thread-aware logger routes each board's progress bar to that board's callback and keeps
parallel flashes apart.
"""

from __future__ import annotations

import threading
from typing import Any

from traitlets import Bool, Int, Unicode

from youthlab.boards.flash.base import FlashMethod, Progress
from youthlab.boards.flash.catalog import Firmware
from youthlab.boards.flash.errors import FlashFailed, FlashInterrupted, PortUnavailable, WrongChip
from youthlab.boards.flash.images import check_esp_image, esp_chip_key

_local = threading.local()
_install_lock = threading.Lock()
_installed = False


def _install_logger() -> None:
    """Route esptool's output: a thread inside :meth:`EspFlash.write` gets its board's
    progress callback; any other caller (esptool used directly) gets esptool's own logger."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from esp_pylib.logger import EspLog
        from esptool.logger import TemplateLogger, log

        previous = EspLog.instance

        def ours() -> bool:
            return getattr(_local, "progress", None) is not None

        class ThreadLogger(TemplateLogger):
            def print(self, *args: Any, **kwargs: Any) -> None:
                if not ours():
                    previous.print(*args, **kwargs)

            def note(self, message: str) -> None:
                if not ours():
                    previous.note(message)

            def warning(self, message: str) -> None:
                if not ours():
                    previous.warn(message)

            def error(self, message: str) -> None:
                if not ours():
                    previous.err(message)

            def stage(self, finish: bool = False) -> None:
                if not ours():
                    previous.stage(finish=finish)

            def progress_bar(self, cur_iter: int, total_iters: int, prefix: str = "",
                             suffix: str = "", bar_length: int = 30) -> None:
                if ours():
                    _local.progress("write", cur_iter, total_iters)
                else:
                    previous.progress_bar(cur_iter, total_iters, prefix=prefix, suffix=suffix,
                                          bar_length=bar_length)

            def set_verbosity(self, verbosity: str) -> None:
                previous.set_verbosity(verbosity)

        log.set_logger(ThreadLogger())
        _installed = True


class EspFlash(FlashMethod):
    """ESP32 / ESP32-S2 / S3 / C3 / … and ESP8266 through the serial ROM bootloader."""

    name = "esptool"
    baud = Int(460800, help="Baud rate for writing (with the stub). The ROM is reached at 115200.").tag(config=True)
    connect_mode = Unicode("default-reset", help="esptool's --before: default-reset (DTR/RTS into the "
                           "bootloader), usb-reset, no-reset (board already in the bootloader).").tag(config=True)
    stub = Bool(True, help="Load esptool's flasher stub (faster; off for ROM-only links).").tag(config=True)
    erase = Bool(False, help="Erase the whole flash first (a clean filesystem).").tag(config=True)
    connect_attempts = Int(3, help="How often esptool tries to reach the bootloader.").tag(config=True)

    def check(self, fw: Firmware, data: bytes) -> None:
        check_esp_image(data, fw.chip or "")

    def write(self, fw: Firmware, data: bytes, port: str | None, progress: Progress,
              serial_number: str | None = None) -> str | None:
        import serial
        from esptool import FatalError
        from esptool import cmds

        if not port:
            raise FlashFailed(detail="an ESP board needs its serial port")
        _install_logger()
        _local.progress = progress
        stage = "connect"
        try:
            progress("connect", 0, 1)
            with cmds.detect_chip(port, connect_mode=self.connect_mode,
                                  connect_attempts=self.connect_attempts) as esp:
                if esp_chip_key(esp.CHIP_NAME) != esp_chip_key(fw.chip or ""):
                    from esptool.targets import CHIP_DEFS

                    named = CHIP_DEFS.get(esp_chip_key(fw.chip or ""))
                    raise WrongChip(firmware=named.CHIP_NAME if named else fw.chip, board=esp.CHIP_NAME)
                if self.stub:
                    esp = cmds.run_stub(esp)
                    if self.baud != esp._port.baudrate:
                        esp.change_baud(self.baud)
                if self.erase:
                    stage = "erase"
                    progress("erase", 0, 1)
                    cmds.erase_flash(esp)
                stage = "write"
                cmds.attach_flash(esp)
                cmds.write_flash(esp, [(fw.offset, data)], compress=True)
                stage = "reset"
                progress("reset", 0, 1)
                cmds.reset_chip(esp, "hard-reset")
        except WrongChip:
            raise
        except (serial.SerialException, OSError, ConnectionError) as exc:
            if stage == "connect":  # nothing was started: the port is not there (or not ours)
                raise PortUnavailable(port=port, detail=str(exc)[:200]) from exc
            raise FlashInterrupted(port=port, stage=stage, detail=str(exc)[:200]) from exc
        except FatalError as exc:
            text = str(exc)
            if stage == "connect" and "could not open" in text.lower():
                raise PortUnavailable(port=port, detail=text.splitlines()[-1][:200]) from exc
            lost = stage in ("write", "erase") and ("timed out" in text.lower() or "no serial data" in text.lower()
                                                     or "disconnected" in text.lower())
            if lost:
                raise FlashInterrupted(port=port, stage=stage, detail=text[:200]) from exc
            raise FlashFailed(detail=f"{stage}: {text[:300]}") from exc
        finally:
            _local.progress = None
        return port
