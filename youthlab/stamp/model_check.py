"""Check an uploaded STL/3MF in a child process with a time and memory budget.

Parsing a mesh someone else made is the riskiest thing the print service does (a 3MF is a
zip: it can be a zip bomb; an STL can claim millions of faces), so it happens in a child
process limited to ``MEMORY_BYTES`` of address space and ``CPU_SECONDS`` of CPU, killed
after ``WALL_SECONDS``. The child prints one JSON line: the mesh's figures or the reason
it cannot be printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from youthlab.errors import YouthLabError
from youthlab.stamp.print_errors import BadModel

MEMORY_BYTES = 1536 * 1024 * 1024
CPU_SECONDS = 30
WALL_SECONDS = 60
MAX_FACES = 400_000
MAX_SIZE_MM = 200.0


def check_model(path: str | Path) -> dict[str, Any]:
    """Load and check a mesh in this process: a closed solid that fits the printer."""
    from youthlab.stamp.export import load_mesh
    from youthlab.stamp.mesh import check_solid

    mesh = load_mesh(path)
    if len(mesh.faces) > MAX_FACES:
        raise BadModel(detail=f"{len(mesh.faces)} faces (at most {MAX_FACES})")
    check_solid(mesh)
    size = [float(x) for x in mesh.extents]
    if max(size) > MAX_SIZE_MM or min(size) <= 0:
        raise BadModel(detail="size " + " × ".join(f"{x:.1f}" for x in size) + f" mm (at most {MAX_SIZE_MM:g} mm)")
    return {"faces": int(len(mesh.faces)), "size_mm": [round(x, 2) for x in size],
            "volume_mm3": round(float(mesh.volume), 1)}


def _limits() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the check writes no file


def check_in_subprocess(path: str | Path) -> dict[str, Any]:
    """:func:`check_model` in a limited child process; :class:`BadModel` with the reason."""
    try:
        proc = subprocess.run([sys.executable, "-m", "youthlab.stamp.model_check", str(path)],
                              capture_output=True, text=True, timeout=WALL_SECONDS, preexec_fn=_limits,
                              stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin", "YOUTHLAB_LANG": "en"})
    except subprocess.TimeoutExpired:
        raise BadModel(detail=f"checking took more than {WALL_SECONDS} s") from None
    lines = proc.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except ValueError:
        answer = None
    if proc.returncode != 0 or not isinstance(answer, dict) or not answer.get("ok"):
        detail = (answer or {}).get("detail") if isinstance(answer, dict) else None
        raise BadModel(detail=detail or f"the check stopped (exit {proc.returncode}: too big or too complex)")
    return answer["model"]


def main(argv: list[str]) -> int:
    try:
        model = check_model(argv[0])
    except YouthLabError as exc:
        print(json.dumps({"ok": False, "detail": exc.message("en")}))
        return 1
    except MemoryError:
        print(json.dumps({"ok": False, "detail": "too big to read"}))
        return 1
    except Exception as exc:  # noqa: BLE001 — anything a hostile file triggers is a refusal
        print(json.dumps({"ok": False, "detail": f"cannot read it ({type(exc).__name__})"}))
        return 1
    print(json.dumps({"ok": True, "model": model}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
