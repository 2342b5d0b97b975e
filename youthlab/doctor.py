"""``youthlab doctor``: check the installation and say what to fix, in the user's language.

Tools installed by pip live in the project's venv; system tools (node, chromium, socat,
fonts) are looked up on ``PATH`` exactly as the hub and the tests will find them. The
isolation checks test exactly what a spawn needs: the mode `youthlab up` would use, and
in isolated mode ``useradd`` and that a user with no rights can run the accounts'
runtime (built or brought up to date here, as `youthlab up` does).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

import click

from youthlab.errors import YouthLabError
from youthlab.hub import identity, recovery, runtime
from youthlab.hub.limits import doctor_line as doctor_limits_line
from youthlab.i18n import t
from youthlab.paths import data_dir, node_bin, venv_bin


@dataclass
class Check:
    name: str  # message key suffix: doctor.check.<name> and doctor.check.<name>.fix
    required: bool
    probe: Callable[[], str | None]  # returns what was found, or None (or Missing) when missing


@dataclass
class Missing:
    """A failed check with what went wrong ({detail} in its fix line)."""

    detail: str


class Notice(str):
    """Found, but worth the operator's attention (printed in yellow with "!")."""


def _mode() -> str | Missing:
    try:
        mode = identity.spawner_mode()
    except ValueError as exc:
        return Missing(str(exc))
    if mode == identity.DEMO:
        return Notice(t("doctor.mode.demo") + (" " + t("doctor.mode.demo_root") if os.geteuid() == 0 else ""))
    if os.geteuid() != 0:
        return Missing(t("mode.isolated_needs_root"))
    return t("doctor.mode.isolated")


def _isolated() -> bool:
    try:
        return identity.isolated_mode() and os.geteuid() == 0
    except ValueError:
        return False


def _runtime() -> str | Missing:
    """Can a system user run the servers' runtime? Tried for real as ``nobody``."""
    try:
        found = runtime.student_runtime()
    except YouthLabError as exc:
        return Missing(exc.user_text())
    problem = runtime.try_as_unprivileged(found)
    if problem:
        return Missing(problem)
    return f"{found.bin} ({runtime.UNPRIVILEGED_USER})"


def isolation_checks() -> list[Check]:
    checks = [Check("mode", True, _mode)]
    if _isolated():
        checks += [Check("useradd", True, lambda: _which("useradd")), Check("runtime", True, _runtime)]
    return checks


def _which(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _venv_tool(name: str) -> str | None:
    candidate = venv_bin() / name
    return str(candidate) if candidate.exists() else _which(name)


def _python() -> str | None:
    return sys.version.split()[0] if sys.version_info >= (3, 11) else None


def _node() -> str | None:
    return _which("node", "nodejs")


def _proxy() -> str | None:
    local = node_bin() / "configurable-http-proxy"
    path = str(local) if local.exists() else _which("configurable-http-proxy")
    return path if path and _node() else None  # the proxy is a node program


def _hub() -> str | None:
    if not all(importlib.util.find_spec(m) for m in ("jupyterhub", "jupyterlab", "nativeauthenticator")):
        return None
    return _venv_tool("youthlab-jupyterhub-singleuser")  # what the spawner runs (youthlab/hub/singleuser.py)


def _nbgrader() -> str | None:
    # nbgrader runs `alembic` from PATH when it creates a gradebook.
    if importlib.util.find_spec("nbgrader") is None:
        return None
    return _venv_tool("alembic")


def _micropython() -> str | None:
    return _venv_tool("micropython")


def _fonts() -> str | None:
    fc_list = _which("fc-list")
    if fc_list:
        out = subprocess.run([fc_list, ":lang=ko", "family"], capture_output=True, text=True).stdout
        families = sorted({line.split(",")[0] for line in out.splitlines() if line.strip()})
        return ", ".join(families[:3]) if families else None
    from youthlab.plotting import use_korean_font

    return use_korean_font()


CHECKS = [
    Check("python", True, _python),
    Check("hub", True, _hub),
    Check("node", True, _node),
    Check("proxy", True, _proxy),
    Check("nbgrader", True, _nbgrader),
    Check("micropython", True, _micropython),
    Check("fonts", True, _fonts),
    Check("socat", False, lambda: _which("socat")),
    Check("chromium", False, lambda: _which("chromium", "chromium-browser")),
    Check("prusa", False, lambda: _which("prusa-slicer")),
    Check("limits", False, doctor_limits_line),  # cgroup v2 / v1, or rlimits only (the fix line says what that costs)
]


def _stale() -> str | Missing:
    """A hub of the data folder that died and left its proxy, services or servers running."""
    data = data_dir()
    found = recovery.find(data)
    if found.hub:
        if found.hub_alive_launcher:
            return Notice(t("doctor.stale.running", pid=found.hub, data=data))
        return Missing(t("doctor.stale.orphan_hub", pid=found.hub, data=data))
    if not found:
        return t("doctor.stale.none", data=data)
    parts = [f"proxy (PID {found.proxy})"] if found.proxy else []
    parts += [f"{name} (PID {pid})" for pid, name in sorted(found.services.items())]
    parts += [f"server {user} (PID {pid})" for pid, user in sorted(found.servers.items())]
    if found.others:
        parts.append(f"+{len(found.others)} (PID {', '.join(map(str, sorted(found.others)[:8]))})")
    return Missing(t("doctor.stale.found", data=data, what=", ".join(parts)))


def run_checks() -> list[tuple[Check, str | Missing | None]]:
    return [(check, check.probe()) for check in [*CHECKS, *isolation_checks(), Check("stale", True, _stale)]]


@click.command()
def doctor() -> None:
    """Check the installation (python, hub, node, proxy, fonts, micropython, chromium)."""
    click.secho(t("doctor.title"), bold=True)
    problems = optional_missing = 0
    for check, found in run_checks():
        label = t(f"doctor.check.{check.name}")
        detail = found.detail if isinstance(found, Missing) else ""
        if isinstance(found, Notice):
            click.secho(f"  ! {label}: {found}", fg="yellow", bold=True)
            continue
        if found and not detail:
            click.echo(f"  ✓ {label}: {found}")
            continue
        mark = "✗" if check.required else "–"
        click.secho(f"  {mark} {label}: {t('doctor.missing')}", fg="red" if check.required else "yellow")
        click.echo(f"      → {t(f'doctor.check.{check.name}.fix', detail=detail)}")
        if check.required:
            problems += 1
        else:
            optional_missing += 1
    if optional_missing:
        click.secho(t("doctor.optional", count=optional_missing), fg="yellow")
    if problems:
        click.secho(t("doctor.problems", count=problems), fg="red", bold=True)
        raise SystemExit(1)
    click.secho(t("doctor.ok"), fg="green", bold=True)
