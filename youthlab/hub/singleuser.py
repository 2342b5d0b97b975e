"""``youthlab-jupyterhub-singleuser``: JupyterHub's single-user server, started cheaper.

Every account's server is ``jupyterhub.singleuser``; this entry point only keeps work
out of its start that no student ever uses:

- ``jsonschema`` (through ``jupyter_events``) imports ``rfc3987_syntax`` for the ``iri``
  formats, which builds ~35 Earley parsers at import time: about 2 CPU-s of a ~4 CPU-s
  server start measured here, for formats no Jupyter schema uses
  (jupyter-server/jupyter_server#1559, python-jsonschema/jsonschema#1428). Marked as not
  importable, ``jsonschema`` skips those two format checks, as it does wherever the
  package is not installed.
- JupyterLab asks yarn for the npm registry (``node yarn.js config --json``, a Node.js
  process of ~0.6 CPU-s) each time it makes its app options: once when ``jupyterlab.labapp``
  is imported (to know the app's version) and again at every build check. The registry is
  used only to install extensions from npm, which a hall's servers never do (their
  extension manager is read-only, ``hub_config/jupyter_server_config.py``). The app options
  take yarn's default registry instead, without asking Node.

Kernels are their own processes and are not affected. The script's name keeps
``jupyterhub-singleuser`` in the process's command line (what ``youthlab.hub.recovery``
looks for).
"""

from __future__ import annotations

import sys

SKIPPED_IMPORTS = ("rfc3987_syntax",)


def _registry_without_node() -> None:
    from jupyterlab import commands
    from traitlets import default

    if getattr(commands.AppOptions, "_youthlab_no_node", False):
        return

    class AppOptions(commands.AppOptions):
        _youthlab_no_node = True

        @default("registry")
        def _default_registry(self) -> str:
            return commands.YARN_DEFAULT_REGISTRY

    # jupyterlab.labapp binds the name when it is imported, which is after this
    commands.AppOptions = AppOptions


def skip_unused_imports() -> None:
    """Keep :data:`SKIPPED_IMPORTS` out of this process: ``import name`` raises ImportError."""
    for name in SKIPPED_IMPORTS:
        sys.modules.setdefault(name, None)


def prepare() -> None:
    """Everything this entry point changes, before JupyterHub's server is imported."""
    skip_unused_imports()
    _registry_without_node()


def main() -> int | None:
    prepare()
    from jupyterhub.singleuser import main as singleuser_main

    return singleuser_main()


if __name__ == "__main__":
    sys.exit(main())
