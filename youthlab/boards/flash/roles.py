"""Who may flash: in the hub, the club mentor role; outside a hub, whoever runs it.

In a hub the kernel asks the hub who its user is: ``GET $JUPYTERHUB_API_URL/user`` with
the server's own token (``JUPYTERHUB_API_TOKEN``). The answer lists the token's scopes;
flashing needs the custom scope ``custom:youthlab:flash``, which the hub gives to the
``club-mentor`` role (group ``club-mentors``) and puts in mentors' server tokens only.
A student's token has no such scope, so the refusal does not depend on a name or an
environment variable the student could set. (The serial device's group membership is
what finally keeps a port out of a kernel's reach; this is the user-facing gate.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from youthlab.boards.flash.errors import FlashRefused
from youthlab.errors import ConfigError, HubError
from youthlab.hub.accounts import load_plan

FLASH_SCOPE = "custom:youthlab:flash"
MENTOR_GROUP = "club-mentors"
MENTOR_ROLE = "club-mentor"


def hub_scopes(environ: Mapping[str, str] | None = None, timeout: float = 10) -> tuple[str, list[str]] | None:
    """(user name, token scopes) from the hub, or None when not running under a hub."""
    env = os.environ if environ is None else environ
    url, token = env.get("JUPYTERHUB_API_URL"), env.get("JUPYTERHUB_API_TOKEN")
    if not url or not token:
        return None
    import requests

    try:
        resp = requests.get(url.rstrip("/") + "/user", headers={"Authorization": f"token {token}"},
                            timeout=timeout)
        resp.raise_for_status()
        model = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise HubError(detail=f"{url}/user: {exc}") from exc
    return model.get("name", "?"), list(model.get("scopes") or [])


def require_flash_role(environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`FlashRefused` for a hub user without the mentor role's scope."""
    found = hub_scopes(environ)
    if found is None:
        return  # a club laptop or the operator's terminal: not a hub kernel
    user, scopes = found
    if FLASH_SCOPE not in scopes:
        raise FlashRefused(user=user, group=MENTOR_GROUP)


def mentors_from(accounts_file: Path) -> list[str]:
    """``club_mentors:`` of the accounts plan (accounts that may flash boards)."""
    import yaml

    try:
        data = yaml.safe_load(Path(accounts_file).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    return [str(m) for m in (data.get("club_mentors") or [])]


def configure_mentor_role(c: Any, accounts_file: Path) -> list[str]:
    """Hub config for the mentor role: the custom scope, the ``club-mentors`` group and
    ``club-mentor`` role, and the scope in mentors' server tokens (a teacher's token
    already inherits all their rights). Returns the mentors."""
    mentors = mentors_from(accounts_file)
    known = {name for name, _ in load_plan(Path(accounts_file)).all_accounts()}
    unknown = [m for m in mentors if m not in known]
    if unknown:  # a group member the hub would create without a password or class
        raise ConfigError(detail=f"{accounts_file}: club_mentors {unknown} are not accounts of the plan")
    scopes = dict(c.JupyterHub.custom_scopes or {}) if "custom_scopes" in c.JupyterHub else {}
    scopes[FLASH_SCOPE] = {"description": "Flash firmware onto club boards (youthlab flash)"}
    c.JupyterHub.custom_scopes = scopes
    if not mentors:
        return mentors
    groups = dict(c.JupyterHub.load_groups) if "load_groups" in c.JupyterHub else {}
    groups[MENTOR_GROUP] = {"users": mentors}
    c.JupyterHub.load_groups = groups
    roles = list(c.JupyterHub.load_roles) if "load_roles" in c.JupyterHub else []
    roles.append({"name": MENTOR_ROLE, "description": "Robotics club mentors: may flash boards",
                  "scopes": [FLASH_SCOPE], "groups": [MENTOR_GROUP]})
    c.JupyterHub.load_roles = roles
    previous = c.Spawner.server_token_scopes if "server_token_scopes" in c.Spawner else None

    def token_scopes(spawner: Any) -> list[str]:
        base = previous(spawner) if callable(previous) else list(previous or [])
        base = list(base)
        if spawner.user.name in mentors and "inherit" not in base and FLASH_SCOPE not in base:
            base.append(FLASH_SCOPE)
        return base

    c.Spawner.server_token_scopes = token_scopes
    return mentors
