"""Rebuild jupyterhub-4.4.0.tgz from a checkout of jupyterhub/zero-to-jupyterhub-k8s.

    python hub_config/z2jh/chart/build_chart.py /path/to/zero-to-jupyterhub-k8s

Does what the chart's release (chartpress + tools/generate-json-schema.py) does to tag
4.4.0: sets the chart version and the chart's own image tags to 4.4.0 and packages
values.schema.json (without descriptions) so Helm validates values. The chart repository
https://hub.jupyter.org/helm-chart/ serves the same; this path needs no network beyond git.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

TAG = "4.4.0"


def clean(schema: dict) -> None:
    schema.pop("description", None)
    for value in (schema.get("properties") or {}).values():
        if isinstance(value, dict):
            clean(value)


def build(repo: Path, dest: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(repo), "archive", TAG, "jupyterhub", "LICENSE"],
                                 check=True, capture_output=True).stdout
        tar = Path(tmp) / "src.tar"
        tar.write_bytes(archive)
        with tarfile.open(tar) as tf:
            tf.extractall(tmp, filter="data")
        chart = Path(tmp) / "jupyterhub"
        shutil.copy(Path(tmp) / "LICENSE", chart / "LICENSE")
        meta = chart / "Chart.yaml"
        meta.write_text(meta.read_text().replace("0.0.1-set.by.chartpress", TAG))
        values = chart / "values.yaml"
        values.write_text(values.read_text().replace('"set-by-chartpress"', f'"{TAG}"'))
        schema = yaml.safe_load((chart / "values.schema.yaml").read_text())
        clean(schema)
        (chart / "values.schema.json").write_text(json.dumps(schema))
        import helm_python

        return Path(helm_python.package(str(chart), destination=str(dest)))


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(__file__).resolve().parent))
