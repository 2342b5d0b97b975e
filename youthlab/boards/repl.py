"""What a MicroPython board says on its REPL: the byte markers host and board agree on.

One definition for both sides: :mod:`youthlab.boards.session` reads these markers and
the virtual board (:mod:`youthlab.boards.virtual`) prints them, as a real board does.
"""

from __future__ import annotations

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"  # after Ctrl-A
RAW_PROMPT = RAW_BANNER + b">"  # the raw REPL waiting for code
FRIENDLY_PROMPT = b">>> "
SOFT_REBOOT = b"MPY: soft reboot\r\n"  # Ctrl-D, sys.exit(): the interpreter restarts
EOT = b"\x04"  # ends each of the raw REPL's two output sections

__all__ = ["RAW_BANNER", "RAW_PROMPT", "FRIENDLY_PROMPT", "SOFT_REBOOT", "EOT"]
