"""The one interface every flight backend offers: Tello SDK text in, replies out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable


@dataclass
class Telemetry:
    """What we know about the drone now (cm, degrees, percent, seconds)."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    yaw: float = 0.0
    battery: float = 100.0
    flying: bool = False
    t: float = 0.0
    crashed: bool = False


class FlightBackend(ABC):
    """A drone we can talk to in the Tello SDK's words.

    ``send`` takes one SDK command (``"forward 100"``) and returns the drone's reply
    (``"ok"``, ``"out of range"`` …) when the command has finished. ``emergency`` must
    work from any thread, also while ``send`` is waiting.
    """

    name: str = "backend"
    real: bool = False  # True: a physical drone, the simulate-first rule applies
    simulated_world: bool = False  # True: takes a mission's world (wind, terrain …) as options

    def connect(self) -> None:
        """Open the link and enter SDK mode."""

    def close(self) -> None:
        """Close the link (does not land: the safety layer does that first)."""

    @abstractmethod
    def send(self, command: str) -> str: ...

    @abstractmethod
    def telemetry(self) -> Telemetry: ...

    @abstractmethod
    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass while hovering (keeping the link alive)."""

    @abstractmethod
    def emergency(self) -> None:
        """Stop the motors now."""

    def drop(self) -> dict:
        """Release the payload; returns where (cm) it was released."""
        tel = self.telemetry()
        return {"x": tel.x, "y": tel.y, "z": tel.z, "t": tel.t}

    def set_guard(self, guard: Callable[[Telemetry], str | None] | None) -> None:
        """A check to run *during* long commands; a non-empty answer stops the command."""
        self._guard = guard

    _guard: Callable[[Telemetry], str | None] | None = None

    def elapsed(self) -> float:
        """Flight clock in seconds (simulated time for the simulator)."""
        return self.telemetry().t
