"""The offline bundle installs the kit with the network cut, and the lock pins everything.

The slow test builds the wheelhouse once per session (minutes; YOUTHLAB_TEST_BUNDLE=<folder>
reuses one already built by `make bundle`), copies the checkout (git's HEAD) to a temp dir
and runs the Makefile's own install path inside a network namespace with loopback only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import pytest

from youthlab import bundle
from youthlab.paths import project_root

ROOT = project_root()
LOCK = ROOT / "requirements.lock"


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"unpinned line in requirements.lock: {line!r}"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_lock_pins_every_package_the_kit_installs():
    """Every distribution in the venv (but youthlab and pip's own) is pinned to what runs."""
    pins = _locked()
    installed = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in metadata.distributions()}
    for name in ("youthlab", "pip", "setuptools", "wheel"):
        installed.pop(name, None)
    missing = {n: v for n, v in installed.items() if n not in pins}
    assert not missing, f"installed but not in requirements.lock (refresh it): {missing}"
    differs = {n: (pins[n], v) for n, v in installed.items() if pins[n] != v}
    assert not differs, f"lock and venv differ: {differs}"


def test_lock_agrees_with_every_pin_of_pyproject():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _locked()
    wanted = list(project["dependencies"]) + [d for ds in project["optional-dependencies"].values() for d in ds]
    for req in wanted:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^]]*\])?\s*==\s*([^;\s]+)", req)
        if m:
            name = m.group(1).lower().replace("_", "-")
            assert pins.get(name) == m.group(2), f"{req} but requirements.lock has {name}=={pins.get(name)}"


def test_manifest_catches_a_damaged_file(tmp_path):
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "a-1.0-py3-none-any.whl").write_bytes(b"x" * 100)
    (tmp_path / "requirements.lock").write_text("a==1.0\n")
    bundle.write_manifest(tmp_path)
    assert bundle.verify(tmp_path) == []
    (tmp_path / "wheels" / "a-1.0-py3-none-any.whl").write_bytes(b"y" * 100)
    assert bundle.verify(tmp_path) == ["wheels/a-1.0-py3-none-any.whl"]
    (tmp_path / "requirements.lock").unlink()
    assert "requirements.lock" in bundle.verify(tmp_path)


def test_make_takes_the_offline_path_when_a_bundle_is_given(tmp_path):
    out = subprocess.run(["make", "-n", "-B", "python-deps", "node-deps", f"YOUTHLAB_BUNDLE={tmp_path}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"--no-index --find-links {tmp_path}/wheels" in out.stdout
    assert "npm install" not in out.stdout and "install-node" in out.stdout
    online = subprocess.run(["make", "-n", "-B", "python-deps", "node-deps"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if k != "YOUTHLAB_BUNDLE"})
    if not (ROOT / "bundle").exists():
        assert "--no-index" not in online.stdout and "npm install" in online.stdout


@pytest.fixture(scope="session")
def built_bundle():
    given = os.environ.get("YOUTHLAB_TEST_BUNDLE")
    if given:
        yield Path(given)
        return
    dest = Path(tempfile.mkdtemp(prefix="ylt-bundle-"))
    try:
        bundle.build(dest, LOCK)
        yield dest
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def _no_network() -> bool:
    return shutil.which("unshare") is not None and os.geteuid() == 0


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_fresh_checkout_installs_from_the_bundle_with_the_network_cut(built_bundle):
    if not _no_network():
        pytest.skip("needs root and unshare (a network namespace with loopback only)")
    assert bundle.verify(built_bundle) == []
    work = Path(tempfile.mkdtemp(prefix="ylt-offline-"))
    try:
        # the checkout as it stands (tracked and new files, not ignored ones: no .venv, no node_modules)
        files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                               capture_output=True, check=True).stdout
        subprocess.run(["tar", "-c", "--null", "--ignore-failed-read", "-T", "-", "-f", str(work / "src.tar")],
                       input=files, cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-f", str(work / "src.tar"), "-C", str(work)], check=True)
        (work / "src.tar").unlink()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
        env.update(YOUTHLAB_BUNDLE=str(built_bundle), PYTHON="python3",
                   PIP_NO_CACHE_DIR="1", HOME=str(work / "home"))
        script = ("ip link set lo up 2>/dev/null; "
                  "python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 443), timeout=3)' "
                  "2>/dev/null && { echo NETWORK-NOT-CUT; exit 9; }; "
                  "make python-deps node-deps")
        run = subprocess.run(["unshare", "-n", "sh", "-c", script], cwd=work, env=env,
                             capture_output=True, text=True, timeout=1700)
        assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
        py = work / ".venv" / "bin" / "python"
        check = subprocess.run(
            ["unshare", "-n", str(py), "-c",
             "import youthlab, jupyterhub, nbgrader, voila, mpremote, esptool, pygame, trimesh; "
             "import helm_python, kubernetes_validate; print('ok')"],
            cwd=work, capture_output=True, text=True, timeout=300)
        assert check.stdout.strip().endswith("ok"), check.stderr[-2000:]
        chp = subprocess.run(["unshare", "-n", str(work / "node_modules" / ".bin" / "configurable-http-proxy"),
                              "--version"], capture_output=True, text=True, timeout=120)
        assert chp.returncode == 0 and chp.stdout.strip(), chp.stderr
        cli = subprocess.run(["unshare", "-n", str(work / ".venv" / "bin" / "youthlab"), "--help"],
                             cwd=work, capture_output=True, text=True, timeout=120)
        assert cli.returncode == 0 and "k8s" in cli.stdout, cli.stderr[-2000:]
    finally:
        shutil.rmtree(work, ignore_errors=True)
