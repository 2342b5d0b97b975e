"""Board targets are plug-ins: a new kind of address is one module + one entry-point line."""

from __future__ import annotations

import sys

import pytest

from youthlab.boards import registry
from youthlab.boards.targets import TargetUnavailable, targets

EXAMPLE = '''
from youthlab.boards.targets import BoardTarget, Resolved

BENCH = {}  # bench seat -> port (a club's board farm would read its own inventory)


class BenchTarget(BoardTarget):
    def matches(self, target):
        return target.startswith("bench:")

    def resolve(self, target, **options):
        port = BENCH[target.split(":", 1)[1]]
        return Resolved(port, port, None, {"name": target})
'''


def _distribution(folder, module: str, entry: str, source: str | None) -> None:
    """A test-only installed distribution: dist-info with an entry point, on sys.path."""
    if source is not None:
        (folder / f"{module}.py").write_text(source)
    info = folder / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[youthlab.board_targets]\n{entry}\n")


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    targets.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    targets.cache_clear()
    registry.disconnect_all()


def test_a_new_target_is_one_module_and_one_entry_point(plugin_path, vboard):
    _distribution(plugin_path, "ylab_bench_target", "bench = ylab_bench_target:BenchTarget", EXAMPLE)
    import ylab_bench_target

    ylab_bench_target.BENCH["4"] = vboard.port
    session = registry.connect("bench:4", quiet=True, notify=lambda m: None)
    assert session.name == "bench:4" and session.port == vboard.port
    assert session.eval("6 * 7") == 42
    # The built-in kinds still answer, and the catch-all port target is asked last.
    kinds = [type(t).__name__ for t in targets()]
    assert kinds[-1] == "PortTarget" and "BenchTarget" in kinds and "VirtualTarget" in kinds
    sys.modules.pop("ylab_bench_target", None)


def test_a_registered_target_whose_module_is_missing_fails_loudly(plugin_path):
    _distribution(plugin_path, "ylab_gone_target", "gone = ylab_gone_target:GoneTarget", None)
    with pytest.raises(TargetUnavailable) as info:
        registry.connect("/dev/ttyACM9", quiet=True)
    assert "gone" in info.value.message("en") and "ylab_gone_target" in info.value.message("en")
    assert "gone" in info.value.message("ko")
