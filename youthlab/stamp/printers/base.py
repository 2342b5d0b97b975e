"""What the print queue needs from a printer, whatever talks to it (OctoPrint, PrusaLink …).

A kind of printer is one :class:`Printer` subclass registered under the entry-point group
``youthlab.printers`` and chosen by the ``kind:`` of each printer in ``printers.yaml``
(see :mod:`youthlab.stamp.printers`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping, Protocol


@dataclass(frozen=True)
class PrinterConfig:
    """One printer of ``printers.yaml``: its name, kind and the kind's own options."""

    name: str
    url: str | None = None
    api_key: str | None = None
    profile: str = "hall-i3.ini"
    kind: str = "octoprint"
    options: Mapping[str, Any] = field(default_factory=dict)  # every other key, for the kind to read


@dataclass
class JobProgress:
    """What a printer is doing now (OctoPrint's state words are the common language)."""

    state: str  # Operational, Printing, Paused, Cancelling, Offline, …
    file: str | None
    completion: float | None  # percent
    print_time: int | None
    print_time_left: int | None

    @property
    def printing(self) -> bool:
        return self.state.startswith(("Printing", "Paused", "Pausing", "Cancelling", "Starting", "Resuming"))


class PrinterLike(Protocol):
    """The queue's view of a printer (a :class:`Printer`, or a test's stand-in)."""

    name: str

    def is_ready(self) -> bool: ...
    def is_virtual(self) -> bool: ...
    def job(self) -> JobProgress: ...
    def upload(self, gcode: str | Path, select: bool = True, print_: bool = False,
               remote_name: str | None = None) -> dict: ...
    def cancel(self) -> None: ...


class Printer(ABC):
    """A printer the hall's queue can send G-code to. Errors are
    :class:`~youthlab.stamp.errors.PrinterError` (and its :class:`PrinterBusy`) with codes,
    never a library's exception."""

    kind: ClassVar[str] = ""
    name: str

    @classmethod
    @abstractmethod
    def from_config(cls, cfg: PrinterConfig) -> "Printer":
        """The printer described by one entry of ``printers.yaml``."""

    @classmethod
    def is_configured(cls, cfg: PrinterConfig) -> bool:
        """Whether the operator gave all it needs to print (kiosks offer printing only then)."""
        return bool(cfg.url)

    @abstractmethod
    def is_virtual(self) -> bool:
        """True when nothing would really print (a simulated printer)."""

    @abstractmethod
    def job(self) -> JobProgress:
        """The current job and its progress."""

    @abstractmethod
    def upload(self, gcode: str | Path, select: bool = True, print_: bool = False,
               remote_name: str | None = None) -> dict:
        """Send a G-code file (opened with :func:`~youthlab.stamp.printers.gcode_file.open_regular_nofollow`)
        and, with ``print_``, start it."""

    @abstractmethod
    def cancel(self) -> None:
        """Stop the current job."""

    def is_ready(self) -> bool:
        """Connected, idle and able to take a job."""
        p = self.job()
        return p.state.startswith("Operational") and not p.printing

    def start(self) -> None:
        """Start the selected file (kinds that upload and start in one step need not)."""
        raise NotImplementedError
