"""The Kubernetes values stay valid for the chart and in step with accounts.yaml."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from youthlab.hub.accounts import load_plan
from youthlab.paths import hub_config_dir, project_root

SCHEMA = project_root().parent / "shared" / "data" / "z2jh" / "values.schema.yaml"
VALUES = hub_config_dir() / "z2jh" / "values.yaml"


def merged(defaults: dict, overrides: dict) -> dict:
    """What Helm validates: the chart's defaults with our values laid over them."""
    out = dict(defaults)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def test_values_match_the_chart_schema():
    if not SCHEMA.exists():
        pytest.skip(f"chart schema not found at {SCHEMA} (../shared/ is absent)")
    schema = yaml.safe_load(SCHEMA.read_text())
    defaults = yaml.safe_load((SCHEMA.parent / "values.yaml").read_text())
    values = yaml.safe_load(VALUES.read_text())
    jsonschema.validate(merged(defaults, values), schema)
    # …and a typo is caught, so the check is real
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(merged(defaults, {"singleuser": {"memroy": {"limit": "1G"}}}), schema)


def test_values_have_the_same_groups_and_teacher_roles_as_one_machine():
    values = yaml.safe_load(VALUES.read_text())
    plan = load_plan(hub_config_dir() / "accounts.yaml")
    assert values["hub"]["config"]["JupyterHub"]["load_groups"] == plan.groups()
    roles = {r["name"]: r for r in plan.roles()}
    for name, role in values["hub"]["loadRoles"].items():
        assert sorted(role["scopes"]) == sorted(roles[name]["scopes"])
        assert role["groups"] == roles[name]["groups"]
    assert values["hub"]["config"]["Authenticator"]["admin_users"] == [plan.operator]
