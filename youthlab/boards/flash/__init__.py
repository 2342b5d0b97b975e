"""Put MicroPython on club boards, safely: pinned firmware, checked before it is written.

``flash_board("esp32", "/dev/ttyUSB0")`` (or ``youthlab flash write esp32 --port …``)
checks who asks (hub mentor role), takes the pinned file from the cache (sha256), checks
it is for that chip / UF2 family, writes it (esptool 5's Python API, UF2 or DAPLink
drive copy) with progress, and ends by reading ``sys.implementation`` and
``os.uname()`` from the board. :mod:`youthlab.boards.flash.bench` runs many boards.
"""

from __future__ import annotations

from youthlab.boards.flash.catalog import Firmware, cache_dir, fetch, firmware_for, load_catalog  # noqa: F401
from youthlab.boards.flash.flow import FlashResult, flash_board  # noqa: F401
