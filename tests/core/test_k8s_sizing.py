"""The chart's per-student guarantees come from the load test's figures (youthlab/k8s.py)."""

from __future__ import annotations

import yaml

from youthlab.k8s import MEASURED, StudentSizing, build_values, z2jh_dir


def test_guarantees_follow_the_formula_from_measured_figures():
    s = StudentSizing(rss_mib=188, start_cpu_s=1.9, lesson_cpu=0.01)
    assert s.memory_guarantee() == "256M"  # 188 × 1.25 = 235 → 4 × 64 MiB
    assert s.cpu_guarantee() == 0.04  # a start of 1.9 CPU-s within 60 s: 0.032 → 0.04
    # a student who computes all lesson long needs more than a start does
    assert StudentSizing(rss_mib=100, start_cpu_s=1.0, lesson_cpu=0.2).cpu_guarantee() == 0.2
    # a bigger student server moves the memory guarantee up by 64 MiB steps
    assert StudentSizing(rss_mib=300, start_cpu_s=1.9, lesson_cpu=0.01).memory_guarantee() == "384M"


def test_students_per_node_is_the_tighter_of_cpu_and_memory():
    s = StudentSizing(rss_mib=188, start_cpu_s=1.9, lesson_cpu=0.01)
    assert s.students_per_node(cores=2, memory_gib=24) == 50  # CPU: 2 / 0.04
    assert s.students_per_node(cores=16, memory_gib=8) == 32  # memory: 8192 / 256


def test_generated_values_carry_the_measured_guarantees_and_the_limits():
    values = build_values()
    su = values["singleuser"]
    assert su["memory"] == {"limit": "1G", "guarantee": MEASURED.memory_guarantee()}
    assert su["cpu"] == {"limit": 1, "guarantee": round(MEASURED.cpu_guarantee(), 2)}
    written = yaml.safe_load((z2jh_dir() / "values.yaml").read_text(encoding="utf-8"))
    assert written["singleuser"]["memory"] == su["memory"] and written["singleuser"]["cpu"] == su["cpu"], \
        "hub_config/z2jh/values.yaml is stale: run `youthlab k8s values --write`"
