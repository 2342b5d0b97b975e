"""Slice with PrusaSlicer's command line and read time and filament from the G-code."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from youthlab.stamp.errors import SlicerError, SlicerNotInstalled
from youthlab.stamp.profiles import PrinterProfile, load_profile

SLICER_NAMES = ("prusa-slicer", "PrusaSlicer", "prusaslicer")
TIMEOUT_S = 180


@dataclass(frozen=True)
class SliceResult:
    gcode: Path
    time_s: int  # estimated printing time (normal mode)
    filament_mm: float
    filament_cm3: float
    filament_g: float
    cost: float | None
    layers: int

    @property
    def time_text(self) -> str:
        h, rest = divmod(self.time_s, 3600)
        m, s = divmod(rest, 60)
        return (f"{h}h " if h else "") + f"{m}m {s}s"


def find_slicer() -> str:
    for name in SLICER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise SlicerNotInstalled()


_TIME_RE = re.compile(r"^; estimated printing time \(normal mode\) = (.+)$", re.M)
_NUM = r"([-+0-9.eE]+)"


def parse_duration(text: str) -> int:
    """``"1d 2h 3m 4s"`` → seconds."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)\s*([dhms])", text)
    if not parts:
        raise SlicerError(detail=f"cannot read time {text!r}")
    return sum(int(n) * units[u] for n, u in parts)


def parse_gcode_summary(text: str) -> dict[str, float]:
    """Time (s), filament (mm, cm³, g), cost and layer count from PrusaSlicer's G-code comments."""
    m = _TIME_RE.search(text)
    if not m:
        raise SlicerError(detail="no '; estimated printing time (normal mode)' in the G-code")
    out: dict[str, float] = {"time_s": parse_duration(m.group(1))}
    for key, pat in (("filament_mm", r"^; filament used \[mm\] = " + _NUM),
                     ("filament_cm3", r"^; filament used \[cm3\] = " + _NUM),
                     ("filament_g", r"^; (?:total )?filament used \[g\] = " + _NUM),
                     ("cost", r"^; (?:total )?filament cost = " + _NUM)):
        mm = re.search(pat, text, re.M)
        out[key] = float(mm.group(1)) if mm else 0.0
    return out


def slice_file(model: str | Path, out: str | Path | None = None,
               profile: str | PrinterProfile | None = None, timeout: float = TIMEOUT_S) -> SliceResult:
    """Slice an STL/3MF headless with the printer profile; returns the G-code and its figures."""
    prof = profile if isinstance(profile, PrinterProfile) else load_profile(profile)
    model = Path(model).resolve()
    if not model.is_file():
        raise SlicerError(detail=f"{model.name}: file not found")
    out = Path(out) if out else model.with_suffix(".gcode")
    out.parent.mkdir(parents=True, exist_ok=True)
    cx, cy = prof.bed_center
    cmd = [find_slicer(), "--load", str(prof.path), "--center", f"{cx:g},{cy:g}",
           "--export-gcode", str(model), "--output", str(out.resolve())]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SlicerError(detail=f"timed out after {timeout:.0f} s") from None
    if proc.returncode != 0 or not out.is_file():
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip() and "[trace]" not in ln]
        raise SlicerError(detail=(lines[-1] if lines else f"exit code {proc.returncode}")[:300])
    info = parse_gcode_summary(_head_and_tail(out))
    return SliceResult(gcode=out, time_s=int(info["time_s"]), filament_mm=info["filament_mm"],
                       filament_cm3=info["filament_cm3"], filament_g=info["filament_g"],
                       cost=info["cost"] or None, layers=_count_layers(out))


def slice_stamp(stamp, out: str | Path | None = None, profile: str | PrinterProfile | None = None) -> SliceResult:
    """Save the stamp (or a bare mesh) as STL in a temporary folder and slice it."""
    mesh = stamp.mesh if hasattr(stamp, "mesh") else stamp
    with tempfile.TemporaryDirectory(prefix="stamp-") as tmp:
        stl = Path(tmp) / "stamp.stl"
        mesh.export(stl, file_type="stl")
        out = Path(out) if out else Path(tmp).parent / f"{getattr(stamp, 'name', 'stamp') or 'stamp'}.gcode"
        return slice_file(stl, out=out, profile=profile)


def _head_and_tail(path: Path, tail: int = 400_000) -> str:
    """PrusaSlicer writes its summary at the end of the file; read only that part."""
    size = path.stat().st_size
    with path.open("rb") as f:
        if size > tail:
            f.seek(size - tail)
        return f.read().decode("utf-8", "replace")


def _count_layers(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.startswith(b";LAYER_CHANGE"))
