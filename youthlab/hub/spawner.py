"""The spawner for one machine: per-user homes, labs copied in, a memory limit.

``YouthLabSpawner`` is JupyterHub's ``SimpleLocalProcessSpawner`` (every user's server
runs as the hub's own system user, in ``<data>/homes/<name>``) with:

- the labs copied into the home at each start (new labs only; student work is kept),
- JupyterLab in Korean by default (the user can switch in Settings → Language),
- ``--allow-root`` only when the hub really runs as root,
- ``mem_limit`` enforced per process with ``RLIMIT_DATA`` (the server and each kernel),
  since a plain local process has no cgroup.

It gives no file isolation between users: fine for a demo or a single class on trusted
stations. For real isolation use system users (``c.JupyterHub.spawner_class =
"youthlab.hub.spawner.YouthLabSystemUserSpawner"``, see hub_config/jupyterhub_config.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import time
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from traitlets import Bool, Unicode

from youthlab.hub.labs import copy_labs

IPYTHON_KERNEL_CONFIG = Path(".ipython/profile_default/ipython_kernel_config.py")
LAB_LOCALE_SETTINGS = Path(".jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings")


def _prepare_home(home: Path, labs_dir: str, locale: str) -> list[str]:
    home.mkdir(parents=True, exist_ok=True)
    settings = home / LAB_LOCALE_SETTINGS
    if locale and not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps({"locale": locale}, indent=2))
    kernel_config = home / IPYTHON_KERNEL_CONFIG
    if not kernel_config.exists():  # friendly YouthLab errors and magics in every kernel
        kernel_config.parent.mkdir(parents=True, exist_ok=True)
        kernel_config.write_text('c.InteractiveShellApp.extensions = ["youthlab"]\n')
    return copy_labs(Path(labs_dir), home) if labs_dir else []


class _YouthLabSpawnerMixin(LocalProcessSpawner):
    labs_dir = Unicode("", config=True, help="Folder of lab folders copied into each home.")
    default_locale = Unicode("ko_KR", config=True, help="JupyterLab language for new users.")
    allow_root_when_root = Bool(True, config=True, help="Pass --allow-root if the hub runs as root.")

    def _youthlab_args(self) -> list[str]:
        args = list(self.args)
        if self.allow_root_when_root and os.geteuid() == 0 and "--allow-root" not in args:
            args.append("--allow-root")
        return args

    def get_args(self) -> list[str]:
        saved = self.args
        self.args = self._youthlab_args()
        try:
            return super().get_args()
        finally:
            self.args = saved

    def _limit_memory(self) -> None:
        if self.mem_limit:
            resource.setrlimit(resource.RLIMIT_DATA, (int(self.mem_limit), int(self.mem_limit)))

    def make_preexec_fn(self, name):
        parent = super().make_preexec_fn(name)

        def preexec():
            parent()
            self._limit_memory()

        return preexec

    async def _wait_listening(self, ip: str, port: int) -> None:
        """Return as soon as the server accepts connections (it then answers within ms).

        JupyterHub polls a new server with exponential backoff (random waits up to
        0.2, 0.4, 0.8 … 5 s), which adds about a second to every start; a class of 30
        then waits for idle seconds. The server binds its port only when its event
        loop runs, so a cheap TCP connect every 50 ms tells when it is up.
        """
        deadline = time.monotonic() + max(1.0, self.start_timeout - 5)
        while time.monotonic() < deadline and self.proc is not None and self.proc.poll() is None:
            try:
                _, writer = await asyncio.open_connection(ip or "127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return

    async def start(self):
        ip, port = await super().start()
        await self._wait_listening(ip, port)
        return ip, port

    def get_env(self) -> dict:
        env = super().get_env()
        if self.mem_limit:
            env["YOUTHLAB_MEM_LIMIT"] = str(int(self.mem_limit))
        return env


class YouthLabSpawner(_YouthLabSpawnerMixin, SimpleLocalProcessSpawner):
    home_dir_template = Unicode("/tmp/youthlab-homes/{username}", config=True)

    async def start(self):
        copied = _prepare_home(Path(self.home_dir), self.labs_dir, self.default_locale)
        if copied:
            self.log.info("YouthLab: copied labs %s into %s", copied, self.home_dir)
        return await super().start()


class YouthLabSystemUserSpawner(_YouthLabSpawnerMixin):
    """One system user per student (real isolation); pair with
    ``LocalAuthenticator.create_system_users`` or pre-created accounts."""

    async def start(self):
        import pwd
        import shutil

        home = Path(pwd.getpwnam(self.user.name).pw_dir)
        _prepare_home(home, self.labs_dir, self.default_locale)
        shutil.chown(home, self.user.name)
        for path in home.rglob("*"):
            shutil.chown(path, self.user.name)
        return await super().start()
