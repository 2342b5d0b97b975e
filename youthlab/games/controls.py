"""What the player asks for this frame, whatever the device: keyboard, touch or a board.

Each device writes into one :class:`Controls`; a game reads ``dx``/``dy`` (-1..1) and
``action`` (a press waiting to be taken) and never knows where they came from.
"""

from __future__ import annotations

import threading
import time
from typing import Any

DEADZONE = 0.25


class Controls:
    """Directions held per source (keyboard, pointer, board), merged when read."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[float, float]] = {}
        self._actions = 0
        self._taps_x = 0  # sideways pushes not yet taken (a quick key tap between frames counts)
        self._lock = threading.Lock()
        self.last_input = time.monotonic()

    def set_direction(self, source: str, dx: float, dy: float) -> None:
        dx = max(-1.0, min(1.0, float(dx)))
        dy = max(-1.0, min(1.0, float(dy)))
        with self._lock:
            old = self._held.get(source, (0.0, 0.0))
            if (dx, dy) != old:
                self.last_input = time.monotonic()
            if dx and not old[0]:
                self._taps_x += 1 if dx > 0 else -1
            self._held[source] = (dx, dy)

    def press_action(self) -> None:
        with self._lock:
            self._actions += 1
            self.last_input = time.monotonic()

    def touch(self) -> None:
        """Any input counts against the idle reset."""
        self.last_input = time.monotonic()

    def take_action(self) -> bool:
        """True once per press (the game consumes it)."""
        with self._lock:
            if self._actions:
                self._actions -= 1
                return True
            return False

    def take_taps_x(self) -> int:
        """Sideways pushes since the last call (+ right, - left): one step each."""
        with self._lock:
            n, self._taps_x = self._taps_x, 0
            return n

    def clear(self) -> None:
        with self._lock:
            self._held.clear()
            self._actions = 0
            self._taps_x = 0

    @property
    def dx(self) -> float:
        with self._lock:
            return max(-1.0, min(1.0, sum(v[0] for v in self._held.values())))

    @property
    def dy(self) -> float:
        """Positive is *up* on the screen."""
        with self._lock:
            return max(-1.0, min(1.0, sum(v[1] for v in self._held.values())))


def board_reading(controls: Controls, row: dict[str, Any], source: str = "board") -> None:
    """Apply one data-channel reading of ``hardware/micropython/controller.py``:
    ``{"x": -1..1, "y": -1..1, "a": 0/1, "b": 0/1}`` (``a`` pressed = action)."""
    try:
        x = float(row.get("x", 0.0))
        y = float(row.get("y", 0.0))
    except (TypeError, ValueError):
        return
    x = 0.0 if abs(x) < DEADZONE else x
    y = 0.0 if abs(y) < DEADZONE else y
    controls.set_direction(source, x, y)
    pressed = bool(row.get("a")) or bool(row.get("b"))
    was = getattr(controls, "_board_pressed", False)
    if pressed and not was:
        controls.press_action()
    controls._board_pressed = pressed  # type: ignore[attr-defined]
