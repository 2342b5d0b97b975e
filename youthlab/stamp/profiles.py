"""Printer profiles (PrusaSlicer .ini files in ``hardware/printers``): bed, nozzle, filament."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from youthlab.paths import hardware_dir
from youthlab.stamp.errors import StampError

DEFAULT_PROFILE = "hall-i3.ini"


@dataclass(frozen=True)
class PrinterProfile:
    path: Path
    bed_width: float = 250.0
    bed_depth: float = 210.0
    max_height: float = 210.0
    nozzle: float = 0.4
    layer_height: float = 0.2
    filament_diameter: float = 1.75
    filament_density: float = 1.24  # g/cm³
    filament_cost: float = 25.0  # per kg

    @property
    def bed_center(self) -> tuple[float, float]:
        return self.bed_width / 2, self.bed_depth / 2


def printers_dir() -> Path:
    return hardware_dir() / "printers"


def read_ini(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        k, v = line.split("=", 1)
        values[k.strip()] = v.strip()
    return values


def load_profile(name_or_path: str | Path | None = None) -> PrinterProfile:
    """A profile by file name in ``hardware/printers`` or by path."""
    p = Path(name_or_path or DEFAULT_PROFILE)
    if not p.is_file():
        p = printers_dir() / p
        if p.suffix != ".ini":
            p = p.with_suffix(".ini")
    if not p.is_file():
        raise StampError(detail=f"printer profile not found: {name_or_path}")
    v = read_ini(p)
    xs, ys = [], []
    for pt in v.get("bed_shape", "0x0,250x0,250x210,0x210").split(","):
        x, y = pt.split("x")
        xs.append(float(x))
        ys.append(float(y))

    def num(key: str, default: float) -> float:
        try:
            return float(v.get(key, default).split(",")[0].rstrip("%"))
        except ValueError:
            return default

    return PrinterProfile(
        path=p.resolve(),
        bed_width=max(xs) - min(xs),
        bed_depth=max(ys) - min(ys),
        max_height=num("max_print_height", 210),
        nozzle=num("nozzle_diameter", 0.4),
        layer_height=num("layer_height", 0.2),
        filament_diameter=num("filament_diameter", 1.75),
        filament_density=num("filament_density", 1.24),
        filament_cost=num("filament_cost", 25),
    )
