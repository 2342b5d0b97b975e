"""The hub's proxy class: configurable-http-proxy whose pid file is made 0600.

JupyterHub writes the proxy's pid file readable by everyone (0644); in a hall, the hub's
files are readable by the hub alone (see :mod:`youthlab.hub.datadir`). Its own module, so
that what only needs the data folder's names does not import JupyterHub.
"""

from __future__ import annotations

from pathlib import Path

from jupyterhub.proxy import ConfigurableHTTPProxy

from youthlab.hub.datadir import create_private


class PrivateFilesProxy(ConfigurableHTTPProxy):
    """configurable-http-proxy whose pid file is made 0600 (JupyterHub's is 0644)."""

    def _write_pid_file(self):
        path = Path(self.pid_file)
        path.unlink(missing_ok=True)
        create_private(path, str(self.proxy_process.pid).encode())
