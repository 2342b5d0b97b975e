"""Autograde through the hub's grading service (``YOUTHLAB_GRADING_URL``) as the
server's own hub user: what ``youthlab course autograde`` does inside a teacher's server,
where it is not root and could not put submissions in a sandbox itself."""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import requests
from traitlets import Unicode

from youthlab.config import EnvConfigurable, knob
from youthlab.grading.service_errors import GradingServiceRefused, GradingServiceUnreachable


class GradingClientSettings(EnvConfigurable):
    """Where a teacher's server finds the hub's grading service (the hub sets it)."""

    url = knob(Unicode(""), "YOUTHLAB_GRADING_URL")


def service_url() -> str | None:
    """The service's URL when this process should use it: in a hub server (its token in
    the environment), not as root (root sandboxes submissions itself)."""
    url = GradingClientSettings.setting("url").strip()
    if not url or not os.environ.get("JUPYTERHUB_API_TOKEN") or os.geteuid() == 0:
        return None
    return url.rstrip("/") + "/"


def _call(method: str, path: str, url: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"token {os.environ.get('JUPYTERHUB_API_TOKEN', '')}"}
    try:
        r = requests.request(method, url + path, headers=headers, timeout=30, **kw)
    except requests.RequestException as exc:
        raise GradingServiceUnreachable(url=url, detail=type(exc).__name__) from None
    try:
        answer = r.json()
    except ValueError:
        raise GradingServiceUnreachable(url=url, detail=f"HTTP {r.status_code}") from None
    if not r.ok or not isinstance(answer, dict):
        raise GradingServiceRefused(answer if isinstance(answer, dict) else {}, r.status_code)
    return r.status_code, answer


def remote_autograde(cls: str, lab: str, url: str, workers: int | None = None, timeout: int | None = None,
                     progress: Callable[[int, int | None], None] = lambda done, total: None,
                     poll: float = 1.0):
    """Start the job, follow its progress, return the report (an AutogradeReport)."""
    from youthlab.grading.autograde import AutogradeReport

    body: dict[str, Any] = {"class": cls, "lab": lab, "wait": False}
    if workers is not None:
        body["workers"] = workers
    if timeout is not None:
        body["timeout"] = timeout
    _, job = _call("POST", "api/autograde", url, json=body)
    while job.get("state") == "running":
        progress(job.get("done") or 0, job.get("total"))
        time.sleep(poll)
        _, job = _call("GET", f"api/autograde/{cls}/{lab}", url)
    if job.get("state") != "done" or not isinstance(job.get("report"), dict):
        raise GradingServiceRefused(job.get("error") or {}, 500)
    progress(job.get("done") or 0, job.get("total"))
    return AutogradeReport(**job["report"])
