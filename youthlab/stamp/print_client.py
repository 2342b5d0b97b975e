"""Talk to the hub's print service (``YOUTHLAB_PRINT_URL``) as the server's own hub user.

The token is the server's own (``JUPYTERHUB_API_TOKEN``; the kiosk passes its print
token): the service knows who is asking from it, so nothing here can pick an owner.
Files are read without following symlinks, and only their bytes are sent.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import requests

from youthlab.stamp.errors import StampError
from youthlab.stamp.print_errors import PrintServiceUnreachable
from youthlab.stamp.printers.gcode_file import open_regular_nofollow
from youthlab.service_answer import AnsweredError
from youthlab.stamp.settings import PrintClientSettings


class PrintServiceRefused(AnsweredError, StampError):
    """The service said no; its answer carries the message in both languages."""

    key = "print.error.bad_request"

    def __init__(self, answer: dict[str, Any], status: int) -> None:
        self.answer, self.status = answer, status
        super().__init__(detail=str(answer.get("error") or f"HTTP {status}"))


def service_url(url: str | None = None) -> str | None:
    """The print service's URL, or None when there is none (local no-hub mode)."""
    url = url or PrintClientSettings.from_env().url
    return url.rstrip("/") + "/" if url else None


def _call(method: str, path: str, url: str | None = None, token: str | None = None, timeout: float = 30,
          **kw: Any) -> dict[str, Any]:
    base = service_url(url)
    if base is None:
        raise PrintServiceUnreachable(detail="YOUTHLAB_PRINT_URL is not set")
    token = token or PrintClientSettings.from_env().token or os.environ.get("JUPYTERHUB_API_TOKEN") or ""
    try:
        r = requests.request(method, base + path, headers={"Authorization": f"token {token}"}, timeout=timeout, **kw)
    except requests.RequestException as exc:
        raise PrintServiceUnreachable(detail=type(exc).__name__) from None
    try:
        answer = r.json()
    except ValueError:
        raise PrintServiceUnreachable(detail=f"HTTP {r.status_code}") from None
    if not r.ok:
        raise PrintServiceRefused(answer if isinstance(answer, dict) else {}, r.status_code)
    return answer


def submit_file(path: str | Path, url: str | None = None, token: str | None = None) -> dict[str, Any]:
    """Send an STL/3MF (G-code: staff only) to the queue; the answer has the job."""
    with os.fdopen(open_regular_nofollow(path), "rb") as f:
        data = f.read()
    return _call("POST", "api/jobs", url, token, timeout=300, params={"name": Path(path).name}, data=data)


def submit_stamp(stamp: Any, url: str | None = None, token: str | None = None) -> dict[str, Any]:
    """Save a designed stamp as STL and send it (the service checks and slices it)."""
    from youthlab.stamp.export import save

    with tempfile.TemporaryDirectory(prefix="stamp-") as tmp:
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in (getattr(stamp, "name", "") or "stamp"))[:40]
        return submit_file(save(stamp, Path(tmp) / f"{name or 'stamp'}.stl"), url, token)


def list_jobs(url: str | None = None, token: str | None = None) -> dict[str, Any]:
    return _call("GET", "api/jobs", url, token)


def cancel_job(job_id: int, url: str | None = None, token: str | None = None) -> dict[str, Any]:
    return _call("DELETE", f"api/jobs/{int(job_id)}", url, token)
