"""OctoPrint printers (``kind: octoprint``, the default): its REST API with an ``X-Api-Key``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests

from youthlab.stamp.errors import PrinterBusy, PrinterError
from youthlab.stamp.printers.base import JobProgress, Printer, PrinterConfig
from youthlab.stamp.printers.gcode_file import open_regular_nofollow

VIRTUAL_PORT = "VIRTUAL"  # the port name of OctoPrint's bundled Virtual Printer


class OctoPrintClient(Printer):
    """A small client for OctoPrint's REST API (``X-Api-Key`` authentication)."""

    kind = "octoprint"

    def __init__(self, url: str, api_key: str | None, name: str = "printer", timeout: float = 10.0) -> None:
        if not url:
            raise PrinterError(printer=name, detail="no OctoPrint URL configured")
        self.url = url.rstrip("/")
        self.name = name
        self.timeout = timeout
        self.session = requests.Session()
        if api_key:
            self.session.headers["X-Api-Key"] = api_key

    @classmethod
    def from_config(cls, cfg: PrinterConfig) -> "OctoPrintClient":
        return cls(cfg.url or "", cfg.api_key, name=cfg.name)

    @classmethod
    def is_configured(cls, cfg: PrinterConfig) -> bool:
        return bool(cfg.url and cfg.api_key)

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            r = self.session.request(method, self.url + path, timeout=kw.pop("timeout", self.timeout), **kw)
        except requests.RequestException as exc:
            raise PrinterError(printer=self.name, detail=type(exc).__name__) from None
        if r.status_code in (401, 403) or (r.status_code == 400 and "CSRF" in r.text):
            # a wrong key makes OctoPrint treat us as an anonymous browser (CSRF check)
            raise PrinterError(printer=self.name, detail=f"HTTP {r.status_code}: API key rejected")
        if r.status_code == 409:
            raise PrinterBusy(printer=self.name, state=_short(r.text))
        if not r.ok:
            raise PrinterError(printer=self.name, detail=f"HTTP {r.status_code}: {_short(r.text)}")
        return r.json() if r.content and "json" in r.headers.get("Content-Type", "") else None

    def version(self) -> dict:
        return self._call("GET", "/api/version")

    def connection(self) -> dict:
        return self._call("GET", "/api/connection")["current"]

    def is_virtual(self) -> bool:
        """True when OctoPrint talks to its bundled Virtual Printer, not real hardware."""
        return (self.connection().get("port") or "") == VIRTUAL_PORT

    def job(self) -> JobProgress:
        j = self._call("GET", "/api/job")
        prog = j.get("progress") or {}
        f = (j.get("job") or {}).get("file") or {}
        return JobProgress(state=j.get("state", "Unknown"), file=f.get("name"),
                           completion=prog.get("completion"), print_time=prog.get("printTime"),
                           print_time_left=prog.get("printTimeLeft"))

    def is_ready(self) -> bool:
        """Connected, idle and able to take a job."""
        st = self.connection().get("state", "")
        return st.startswith("Operational") and not self.job().printing

    def upload(self, gcode: str | Path, select: bool = True, print_: bool = False,
               remote_name: str | None = None) -> dict:
        gcode = Path(gcode)
        with os.fdopen(open_regular_nofollow(gcode), "rb") as f:
            return self._call("POST", "/api/files/local",
                              files={"file": (remote_name or gcode.name, f, "application/octet-stream")},
                              data={"select": str(select).lower(), "print": str(print_).lower()},
                              timeout=max(self.timeout, 60))

    def start(self) -> None:
        self._call("POST", "/api/job", json={"command": "start"})

    def cancel(self) -> None:
        self._call("POST", "/api/job", json={"command": "cancel"})


def _short(text: str) -> str:
    return " ".join(text.split())[:160]
