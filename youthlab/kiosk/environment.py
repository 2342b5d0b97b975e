"""What the kiosk service and its visitors' kernels may see of the hub's environment.

Visitors' kernels inherit the kiosk server's environment. Passing "every ``YOUTHLAB_*``
but the teacher PIN" handed them the flight token, printer keys and whatever an operator
adds next; so both lists here are allow-lists: a new secret stays out unless someone
adds it on purpose.
"""

from __future__ import annotations

import os
import sys
from typing import Mapping

# Settings the kiosk server reads (hub_config/jupyterhub_config.py passes only these).
KIOSK_SERVICE_VARS = (
    "YOUTHLAB_LANG", "YOUTHLAB_KIOSK_LANG", "YOUTHLAB_KIOSK_IDLE", "YOUTHLAB_KIOSK_MAX_KERNELS",
    "YOUTHLAB_KIOSK_POOL", "YOUTHLAB_KIOSK_CULL", "YOUTHLAB_KIOSK_PUBLIC_URL", "YOUTHLAB_KIOSK_PIN",
    "YOUTHLAB_ROOT", "YOUTHLAB_LABS_DIR", "YOUTHLAB_DATA_DIR", "YOUTHLAB_PRINT_URL", "YOUTHLAB_PRINT_TOKEN",
    "YOUTHLAB_KIOSK_PRINTING", "YOUTHLAB_KIOSK_POOL_LANGS", "YOUTHLAB_KIOSK_MATH",
    "YOUTHLAB_KIOSK_FRONTEND_EXTENSIONS",
)
# What a visitor's kernel keeps: the system basics and the YouthLab settings apps use.
KERNEL_VARS = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM", "VIRTUAL_ENV",
    "PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONIOENCODING", "MPLBACKEND", "MPLCONFIGDIR", "SDL_VIDEODRIVER",
    "JUPYTER_PATH", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_PATH",
    "JUPYTER_PLATFORM_DIRS", "YOUTHLAB_LANG", "YOUTHLAB_KIOSK_LANG", "YOUTHLAB_ROOT", "YOUTHLAB_LABS_DIR",
    "YOUTHLAB_DATA_DIR", "YOUTHLAB_PRINTERS", "YOUTHLAB_STAMP_TEST_MODE", "YOUTHLAB_PRINT_URL",
    "YOUTHLAB_PRINT_TOKEN", "YOUTHLAB_KIOSK_PRINTING", "YOUTHLAB_MEM_LIMIT",
})
KERNEL_PREFIXES = ("LC_", "XDG_")


def kiosk_service_environment(environ: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The kiosk service's environment under the hub: its own settings, nothing else."""
    env = {k: environ[k] for k in KIOSK_SERVICE_VARS if k in environ}
    env.update(extra or {})
    if "PATH" in environ:
        env["PATH"] = environ["PATH"]
    return env


def kernel_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The part of ``environ`` a visitor's kernel may inherit."""
    return {k: v for k, v in environ.items() if k in KERNEL_VARS or k.startswith(KERNEL_PREFIXES)}


def restrict_for_kernels(environ: "os._Environ[str] | dict[str, str]") -> None:  # noqa: F821
    """Drop, in place, everything a visitor's kernel must not inherit (call it once the
    server has read its own settings, before the first kernel starts)."""
    keep = kernel_environment(environ)
    for key in list(environ):
        if key not in keep:
            del environ[key]


PIN_FD_VAR = "_YOUTHLAB_KIOSK_PIN_FD"
SERVICE_VARS = ("JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_SERVICE_NAME")


def exec_without_secrets(module: str, argv: list[str]) -> None:
    """Start this server again (same PID) with only the kernels' allow-list in its
    environment, handing the staff PIN over a pipe.

    ``/proc/<pid>/environ`` shows the environment a process *started* with, whatever it
    removes later, and visitors' kernels run as the same system user as their server:
    they could read the PIN and the hub token there. After this, there is nothing to read.
    """
    env = kernel_environment(os.environ)
    env.update({k: os.environ[k] for k in SERVICE_VARS if k in os.environ})
    # the kiosk's own settings (idle time, pool, public URL …) — all but its PIN
    env.update({k: os.environ[k] for k in KIOSK_SERVICE_VARS if k in os.environ and k != "YOUTHLAB_KIOSK_PIN"})
    read, write = os.pipe()
    os.write(write, os.environ.get("YOUTHLAB_KIOSK_PIN", "").encode())
    os.close(write)
    os.set_inheritable(read, True)
    env[PIN_FD_VAR] = str(read)
    os.execve(sys.executable, [sys.executable, "-m", module, *argv], env)


def handed_over_pin() -> str | None:
    """The PIN :func:`exec_without_secrets` passed on (read once), or None when not re-executed."""
    fd = os.environ.pop(PIN_FD_VAR, None)
    if fd is None:
        return None
    with os.fdopen(int(fd), "rb") as f:
        return f.read().decode()
