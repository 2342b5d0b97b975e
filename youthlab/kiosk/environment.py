"""What the kiosk service and its visitors' kernels may see of the hub's environment.

Visitors' kernels inherit the kiosk server's environment. Passing "every ``YOUTHLAB_*``
but the teacher PIN" handed them the flight token, printer keys and whatever an operator
adds next; so both lists here are allow-lists: a new secret stays out unless someone
adds it on purpose.
"""

from __future__ import annotations

from typing import Mapping

# Settings the kiosk server reads (hub_config/jupyterhub_config.py passes only these).
KIOSK_SERVICE_VARS = (
    "YOUTHLAB_LANG", "YOUTHLAB_KIOSK_LANG", "YOUTHLAB_KIOSK_IDLE", "YOUTHLAB_KIOSK_MAX_KERNELS",
    "YOUTHLAB_KIOSK_POOL", "YOUTHLAB_KIOSK_CULL", "YOUTHLAB_KIOSK_PUBLIC_URL", "YOUTHLAB_KIOSK_PIN",
    "YOUTHLAB_ROOT", "YOUTHLAB_LABS_DIR", "YOUTHLAB_DATA_DIR", "YOUTHLAB_PRINT_URL", "YOUTHLAB_PRINT_TOKEN",
    "YOUTHLAB_KIOSK_PRINTING",
)
# Read by the kiosk server and removed before any kernel starts.
SERVER_ONLY_VARS = ("YOUTHLAB_KIOSK_PIN", "JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN", "JUPYTERHUB_CLIENT_ID",
                    "JUPYTERHUB_OAUTH_CALLBACK_URL", "JUPYTERHUB_OAUTH_SCOPES", "JUPYTERHUB_OAUTH_ACCESS_SCOPES",
                    "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES")
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
