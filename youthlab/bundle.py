"""The offline bundle: everything `make up` / `make test` fetch from the network, in one folder.

A hall without internet installs from it (Makefile: ``YOUTHLAB_BUNDLE=<folder>`` or a
``bundle/`` folder in the checkout). Layout::

    bundle/
      wheels/                 every wheel of requirements.lock (+ pip, setuptools, wheel)
      requirements.lock       the lock the wheelhouse was made from
      node_modules.tar.gz     the JupyterHub proxy (package-lock.json's tree)
      firmware/               verified firmware of hardware/firmware.yaml (if cached)
      MANIFEST.json           sha256 and size of every file, checked by `verify`

Debian packages (fonts-nanum, fonts-noto-cjk, chromium …) come from the hall's Debian
media or mirror: every Korean font the kit uses is a Debian package.
Run with ``python -m youthlab.bundle`` (the Makefile does) — it must work before the
venv holds anything but the standard library and pip, so it uses only those.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ["pip", "setuptools", "wheel"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_wheels(dest: Path, lock: Path) -> None:
    """The locked set as wheels: downloaded, or built here from sdists (esptool, …), so the
    hall installs without a compiler or build dependencies from the network."""
    wheels = dest / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheels),
                    "-r", str(lock), *BOOTSTRAP], check=True)
    shutil.copy(lock, dest / "requirements.lock")


def build_node(dest: Path, root: Path = ROOT) -> None:
    modules = root / "node_modules"
    if not modules.is_dir():
        raise SystemExit(f"{modules} is missing: run `make node-deps` first")
    with tarfile.open(dest / "node_modules.tar.gz", "w:gz") as tf:
        tf.add(modules, arcname="node_modules",
               filter=lambda ti: None if ti.name.endswith("/.installed") else ti)


def build_firmware(dest: Path) -> list[str]:
    """Copy the verified firmware files from the cache; returns the families left out."""
    try:
        from youthlab.boards.flash.catalog import load_catalog, verified_file
    except Exception as exc:  # catalog code absent or broken: the bundle is still useful
        print(f"firmware skipped: {exc}")
        return ["*"]
    missing = []
    out = dest / "firmware"
    out.mkdir(parents=True, exist_ok=True)
    for family, fw in load_catalog().items():
        try:
            shutil.copy(verified_file(fw), out / fw.file)
        except Exception:
            missing.append(family)
    if missing:
        print("firmware not in the bundle (not cached and verified here; "
              f"`youthlab flash fetch` on a connected machine first): {', '.join(missing)}")
    return missing


def write_manifest(dest: Path) -> dict[str, dict[str, object]]:
    files = {str(p.relative_to(dest)): {"sha256": _sha256(p), "size": p.stat().st_size}
             for p in sorted(dest.rglob("*")) if p.is_file() and p.name != "MANIFEST.json"}
    (dest / "MANIFEST.json").write_text(json.dumps(files, indent=1, sort_keys=True))
    return files


def verify(dest: Path) -> list[str]:
    """Files whose sha256 or size differ from the manifest (or are missing)."""
    manifest = json.loads((dest / "MANIFEST.json").read_text())
    bad = []
    for name, meta in manifest.items():
        p = dest / name
        if not p.is_file() or p.stat().st_size != meta["size"] or _sha256(p) != meta["sha256"]:
            bad.append(name)
    return bad


def build(dest: Path, lock: Path = ROOT / "requirements.lock") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    build_wheels(dest, lock)
    build_node(dest)
    build_firmware(dest)
    write_manifest(dest)
    return dest


def install_node(bundle: Path, root: Path = ROOT) -> None:
    with tarfile.open(bundle / "node_modules.tar.gz") as tf:
        tf.extractall(root, filter="data")


def install_firmware(bundle: Path, cache: Path) -> int:
    src = bundle / "firmware"
    if not src.is_dir():
        return 0
    cache.mkdir(parents=True, exist_ok=True)
    n = 0
    for f in src.iterdir():
        shutil.copy(f, cache / f.name)
        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m youthlab.bundle", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write the bundle folder")
    b.add_argument("dest", type=Path)
    v = sub.add_parser("verify", help="check every file against MANIFEST.json")
    v.add_argument("bundle", type=Path)
    n = sub.add_parser("install-node", help="unpack the proxy's node_modules into the checkout")
    n.add_argument("bundle", type=Path)
    f = sub.add_parser("install-firmware", help="copy the bundle's firmware into the firmware cache")
    f.add_argument("bundle", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "build":
        print(build(args.dest.resolve()))
    elif args.cmd == "verify":
        bad = verify(args.bundle)
        if bad:
            print("bundle damaged (sha256/size differ): " + ", ".join(bad), file=sys.stderr)
            return 1
        print(f"{args.bundle}: ok")
    elif args.cmd == "install-node":
        install_node(args.bundle)
    elif args.cmd == "install-firmware":
        from youthlab.boards.flash.catalog import cache_dir

        print(f"firmware files: {install_firmware(args.bundle, cache_dir())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
