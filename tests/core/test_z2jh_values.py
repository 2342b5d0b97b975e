"""The Kubernetes values render with the pinned Z2JH chart, validate, and match one machine.

The chart is hub_config/z2jh/chart/jupyterhub-4.4.0.tgz (packaged from the chart's 4.4.0
tag, see hub_config/z2jh/chart/README.md); helm-python-sdk renders it offline and
kubernetes-validate checks every manifest in strict mode.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from youthlab.k8s import build_values, companion_manifests, values_text, z2jh_dir
from youthlab.paths import hub_config_dir, project_root

helm = pytest.importorskip("helm_python")
kv = pytest.importorskip("kubernetes_validate")

CHART = z2jh_dir() / "chart" / "jupyterhub-4.4.0.tgz"
KUBE = "1.33"

SECOND_PLAN = """\
operator: {username: boss}
teachers:
  - {username: kim, classes: [c1, c2]}
  - {username: lee, classes: [c2]}
classes:
  c1: {title: {ko: "1반", en: "Class 1"}, students: [s1, s2]}
  c2: {title: {ko: "2반", en: "Class 2"}, students: [s3]}
club_mentors: [lee, s3]
"""


@pytest.fixture(scope="module")
def chart():
    return helm.Chart.load(str(CHART))


def render(chart, values: dict) -> list[dict]:
    chart.validate_schema(values)
    out = chart.render(values, name="youthlab", namespace="youthlab", is_install=True)
    return [d for path, text in out.items() if path.endswith(".yaml")
            for d in yaml.safe_load_all(text) if d]


def test_committed_values_are_the_generated_ones():
    """values.yaml is derived, never hand-edited: a drift from base/accounts fails here."""
    assert (z2jh_dir() / "values.yaml").read_text(encoding="utf-8") == values_text(build_values())


def test_chart_is_the_pinned_release(chart):
    assert chart.metadata["version"] == "4.4.0"
    assert chart.metadata["appVersion"] == "5.5.0"


def test_values_render_and_every_manifest_validates_strictly(chart):
    docs = render(chart, build_values())
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Secret", "NetworkPolicy", "PersistentVolumeClaim"} <= kinds
    for doc in docs + companion_manifests():
        kv.validate(doc, KUBE, strict=True)


def test_a_typod_key_is_refused(chart):
    values = build_values()
    values["singleuser"]["memroy"] = {"limit": "1G"}
    with pytest.raises(helm.HelmError, match="memroy"):
        chart.validate_schema(values)


def _containers(docs: list[dict]):
    for d in docs:
        spec = d.get("spec", {})
        pod = spec.get("template", {}).get("spec", {}) if "template" in spec else spec
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            yield d["metadata"]["name"], c["image"]


def test_every_image_is_pinned(chart):
    docs = render(chart, build_values())
    images = dict(_containers(docs))
    assert images, "no containers rendered"
    for name, image in images.items():
        repo, _, tag = image.rpartition(":")
        assert repo and "/" not in tag and tag not in ("", "latest") and "chartpress" not in tag, (name, image)
    # our two images too (singleuser pods are made by the spawner, not the chart)
    values = build_values()
    for part in ("hub", "singleuser"):
        tag = str(values[part]["image"]["tag"])
        assert tag and tag != "latest"


def test_an_unpinned_image_is_caught(chart):
    values = build_values()
    values["hub"]["image"]["tag"] = "latest"
    images = dict(_containers(render(chart, values)))
    assert any(i.endswith(":latest") for i in images.values())


def _hub_secret(docs: list[dict]) -> dict:
    import base64

    secret = next(d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"] == "hub")
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_kiosk_and_flight_run_as_hub_services_with_tokens(chart):
    secret = _hub_secret(render(chart, build_values()))
    hub = yaml.safe_load(secret["values.yaml"])["hub"]
    for name in ("kiosk", "flight"):
        assert name in hub["services"], name
        assert hub["services"][name]["url"].startswith("http://127.0.0.1:")
        assert len(secret.get(f"hub.services.{name}.apiToken", "")) >= 32, f"chart gave {name} no token"


def test_network_policies_open_the_station_bridge_and_the_drones_only(chart):
    docs = render(chart, build_values())
    pols = {d["metadata"]["name"]: d for d in docs if d["kind"] == "NetworkPolicy"}
    single = json.dumps(pols["singleuser"]["spec"]["egress"])
    assert '"port": 4000' in single and '"TCP"' in single
    assert "0.0.0.0/0" not in single  # no internet from a student's pod
    hub = json.dumps(pols["hub"]["spec"]["egress"])
    assert '"port": 8889' in hub and '"UDP"' in hub


def test_first_passwords_reach_the_hub_through_a_secret_it_mounts(chart, tmp_path):
    """An operator on Kubernetes gets every account's first password, as `make up` gives
    them on one machine: the hashes in a Secret the hub pod mounts where the
    authenticator reads them, the plain passwords only in a new private file."""
    import bcrypt

    from youthlab.hub.accounts import load_plan

    cli = [str(Path(sys.executable).parent / "youthlab"), "--lang", "en", "k8s", "seeds"]
    sheet = tmp_path / "passwords.csv"
    r = subprocess.run([*cli, "--passwords", str(sheet)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    secret = yaml.safe_load(r.stdout)
    kv.validate(secret, KUBE, strict=True)
    seeds = json.loads(secret["stringData"]["seeds.json"])
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    plan = load_plan(hub_config_dir() / "accounts.yaml")
    assert {row["username"] for row in rows} == set(seeds) == {n for n, _ in plan.all_accounts()}
    for row in rows:
        assert bcrypt.checkpw(row["password"].encode(), seeds[row["username"]].encode()), row["username"]
        assert row["password"] not in r.stdout + r.stderr
    assert (sheet.stat().st_mode & 0o777) == 0o600
    assert str(sheet) in r.stderr and "kubectl apply" in r.stderr

    # Run again onto the same sheet: refused, the only copy of the passwords kept.
    before = sheet.read_bytes()
    again = subprocess.run([*cli, "--passwords", str(sheet)], capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "already exists" in again.stderr and not again.stdout
    assert sheet.read_bytes() == before
    # A student added later: only their account, a name not in accounts.yaml is refused.
    later = tmp_path / "later.csv"
    one = subprocess.run([*cli, "--passwords", str(later), "--only", rows[-1]["username"]],
                         capture_output=True, text=True, timeout=120)
    assert one.returncode == 0 and list(json.loads(yaml.safe_load(one.stdout)["stringData"]["seeds.json"])) == [
        rows[-1]["username"]]
    typo = subprocess.run([*cli, "--passwords", str(tmp_path / "x.csv"), "--only", "nobody-here"],
                          capture_output=True, text=True, timeout=120)
    assert typo.returncode != 0 and "nobody-here" in typo.stderr and not (tmp_path / "x.csv").exists()

    # The rendered hub pod mounts that Secret where the authenticator's seed_file points.
    docs = render(chart, build_values())
    hub = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "hub")
    pod = hub["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v.get("secret", {}).get("secretName") == secret["metadata"]["name"])
    mount = next(m for c in pod["containers"] for m in c.get("volumeMounts", []) if m["name"] == volume["name"])
    seed_file = build_values()["hub"]["config"]["YouthLabAuthenticator"]["seed_file"]
    assert seed_file == f"{mount['mountPath']}/seeds.json"


def test_a_read_only_seed_file_makes_the_accounts_and_the_hub_starts(tmp_path, monkeypatch):
    """A Secret is mounted read-only: the authenticator imports it and does not fail
    trying to delete it; at the next start the accounts are there and nothing changes."""
    import errno

    from jupyterhub import orm
    from nativeauthenticator.orm import UserInfo

    from youthlab.hub.authenticator import YouthLabAuthenticator

    seed_file = tmp_path / "seeds.json"
    seed_file.write_text(json.dumps({"s1": "$2b$04$" + "a" * 53}))
    unlink = Path.unlink

    def read_only(path, *args, **kwargs):  # what a Secret volume answers (root included)
        if path == seed_file:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", read_only)
    db = orm.new_session_factory(f"sqlite:///{tmp_path / 'hub.sqlite'}")()
    for start in (1, 2):
        auth = YouthLabAuthenticator(db=db, seed_file=str(seed_file))
        assert UserInfo.find(auth.db, "s1") is not None, start
    assert seed_file.exists()


def test_profiles_storage_culling_and_sized_resources():
    v = build_values()
    su = v["singleuser"]
    assert [p["slug"] for p in su["profileList"]] == ["student", "teacher", "club-mentor"]
    assert su["storage"]["type"] == "dynamic"
    assert v["cull"]["enabled"] and v["cull"]["timeout"] > 0
    assert su["memory"]["guarantee"] and su["memory"]["limit"]
    assert su["extraEnv"]["YOUTHLAB_LANG"] == "ko"


def _one_machine_config(accounts: Path) -> dict:
    """hub_config/jupyterhub_config.py itself, loaded in a child with the given accounts."""
    data = tempfile.mkdtemp(prefix="ylt-k8s-")
    code = (
        "import json,sys\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        f"c = PyFileConfigLoader('jupyterhub_config.py', path={str(hub_config_dir())!r}).load_config()\n"
        "print(json.dumps({'roles': c.JupyterHub.load_roles, 'groups': c.JupyterHub.load_groups,\n"
        " 'scopes': c.JupyterHub.custom_scopes, 'admins': sorted(c.Authenticator.admin_users),\n"
        " 'auth': c.JupyterHub.authenticator_class}))\n"
    )
    env = {**os.environ, "YOUTHLAB_DATA_DIR": data, "YOUTHLAB_ACCOUNTS": str(accounts),
           "YOUTHLAB_SPAWNER": "demo", "YOUTHLAB_HUB_SERVICES": "", "YOUTHLAB_LIMITS": "rlimits"}
    try:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             timeout=120, cwd=project_root())
    finally:
        subprocess.run(["rm", "-rf", data], check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("plan", ["shipped", "second"])
def test_groups_roles_and_admin_are_those_of_the_one_machine_config(plan, tmp_path):
    accounts = hub_config_dir() / "accounts.yaml"
    if plan == "second":
        accounts = tmp_path / "accounts.yaml"
        accounts.write_text(SECOND_PLAN, encoding="utf-8")
    one = _one_machine_config(accounts)
    v = build_values(accounts_file=accounts)
    cfg = v["hub"]["config"]
    assert cfg["JupyterHub"]["authenticator_class"] == one["auth"]
    assert cfg["JupyterHub"]["load_groups"] == one["groups"]
    assert cfg["JupyterHub"]["custom_scopes"] == one["scopes"]
    assert cfg["Authenticator"]["admin_users"] == one["admins"]
    account_roles = {r["name"]: r for r in one["roles"] if not r.get("services")}  # culler: the chart's
    k8s_roles = v["hub"]["loadRoles"]
    assert set(k8s_roles) == set(account_roles)
    for name, role in account_roles.items():
        assert sorted(k8s_roles[name]["scopes"]) == sorted(role["scopes"]), name
        assert k8s_roles[name].get("groups") == role.get("groups"), name
    if plan == "second":
        assert "teacher-c2" in k8s_roles and "club-mentor" in k8s_roles
