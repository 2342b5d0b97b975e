"""The spawners for one machine: per-user homes, labs copied in, per-account limits.

Two modes (:mod:`youthlab.hub.identity`): ``YouthLabSystemUserSpawner`` (*isolated*, the
default when the hub runs as root; every account is its own system user ``yl-<account>``,
and no server ever runs as root) and ``YouthLabSpawner`` (*demo mode*: JupyterHub's
``SimpleLocalProcessSpawner``, every account's server runs as the hub's own system user,
in ``<data>/homes/<name>``; for a laptop without root — as root it refuses to start a
server unless the operator explicitly accepted that every student is root, which
``youthlab up --demo-runs-students-as-root`` turns into ``allow_root``). Both with:

- the labs copied into the home at each start (new labs only; student work is kept),
  except the labs the student's class grades: those are fetched (nbgrader's layout,
  ``~/<class>/<lab>``) once released, so each lab has one copy, the one that is submitted
  (:mod:`youthlab.hub.student_home`),
- JupyterLab in Korean by default (the user can switch in Settings → Language),
- ``YOUTHLAB_SPAWNER`` in the server's environment (code in a teacher's server asks
  ``identity.isolated_mode()``),
- limits for the whole account (``mem_limit``, ``pids_limit``, ``cpu_weight``: the server,
  its kernels and terminals together) from ``youthlab.hub.limits``: a cgroup per account
  when the hub may make one, else per-process rlimits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from traitlets import Bool, Integer, List, Unicode, default

from youthlab.errors import YouthLabError
from youthlab.hub import identity
from youthlab.hub.datadir import prepare_data_dir
from youthlab.hub.groups import add_to_groups, device_groups, ensure_groups_for_spawn, run_account_tool
from youthlab.hub.limits import AccountLimits, LimitsBackend, make_backend
from youthlab.hub.settings import HubSettings
from youthlab.hub.student_home import HomeReport, prepare_home
from youthlab.paths import accounts_file, data_dir


class RootServerRefused(YouthLabError):
    """A student's server would have run as root: refused."""

    key = "spawner.root_refused"
    hint_key = "spawner.root_refused.hint"


def _student_classes(username: str) -> list[str]:
    """Classes ``username`` studies in, from the hub's accounts plan (none if unreadable)."""
    from youthlab.hub.accounts import load_plan

    try:
        plan = load_plan(accounts_file())
    except Exception:  # noqa: BLE001 — no plan: no classes, every lab is copied as before
        return []
    return sorted(cls for cls, students in plan.classes.items() if username in students)


def share_with_system_users(data: Path) -> None:
    """Permissions of the data folder when every account is its own system user.

    Students may pass through it (their servers read a few shared files by full path)
    but not list it; the hub database is private (an empty file is a valid new SQLite
    database, so it can be made before the hub opens it); the boards' locks are shared.
    """
    prepare_data_dir(data, isolated=True)  # 0711; database, secret, pid files 0600
    locks = data / "boards" / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    (data / "boards").chmod(0o755)
    locks.chmod(0o1777)
    config = data / "jupyter-config"
    if config.is_dir():
        for path in [config, *config.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from ``/proc/<pid>/stat``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class _YouthLabSpawnerMixin(LocalProcessSpawner):
    labs_dir = Unicode("", config=True, help="Folder of lab folders copied into each home.")
    default_locale = Unicode("ko_KR", config=True, help="JupyterLab language for new users.")
    youthlab_mode = identity.DEMO  # what servers are told in YOUTHLAB_SPAWNER

    def _youthlab_args(self) -> list[str]:
        return [a for a in self.args if a != "--allow-root"]

    def _prepare_home(self, home: Path, owner: tuple[int, int] | None = None) -> HomeReport:
        """Settings, labs and the class's released assignments (youthlab.hub.student_home)."""
        data = self.environment.get("YOUTHLAB_DATA_DIR") if isinstance(self.environment, dict) else None
        report = prepare_home(home, self.labs_dir, self.default_locale, Path(data) if data else data_dir(),
                              _student_classes(self.user.name), owner)
        if report.copied or report.fetched:
            self.log.info("YouthLab: into %s copied labs %s, fetched assignments %s", home, report.copied,
                          report.fetched)
        if report.carried:
            self.log.info("YouthLab: answers begun before the class got the lab carried over: %s", report.carried)
        if report.skipped:
            self.log.warning("YouthLab: left alone in %s (a link or file in the way): %s", home, report.skipped)
        return report

    def get_args(self) -> list[str]:
        saved = self.args
        self.args = self._youthlab_args()
        try:
            return super().get_args()
        finally:
            self.args = saved

    # --- per-account limits (youthlab.hub.limits): mem_limit is for the whole account ---
    pids_limit = Integer(256, config=True, help="""Most processes an account may run at once (its
        server, kernels, terminals and what they start; threads count too). Stops a fork bomb.""")
    cpu_weight = Integer(100, config=True, help="""The account's CPU share when the machine is busy,
        relative to other accounts: 100 is normal, 50 half, 200 double (cgroup cpu.weight).""")
    limits_backend = Unicode("auto", config=True, help="""How limits are applied: 'auto' (detect),
        'cgroup2', 'cgroup1' or 'rlimits' (per process only). See youthlab/hub/limits.py.""")
    start_cpu_weight = Integer(25, config=True, help="""The account's CPU weight while its server
        starts, raised to cpu_weight as soon as the server answers (cgroup backends; only
        when the account has nothing else running). A start costs ~1.5–2 CPU-s whatever its
        share; at a low weight it only yields to the students already working, so a class
        arriving does not stall their cells. The machine is never left idle for it (CPU
        weights only count when the CPU is busy). 0: starts run at cpu_weight. Default from
        YOUTHLAB_START_CPU_WEIGHT (youthlab.hub.settings).""")
    _own_system_user = False  # the server runs as the account's own uid (isolated mode)
    _placement = None
    _reweigh_to: int | None = None  # the weight to give the account once its server answers

    @default("start_cpu_weight")
    def _default_start_cpu_weight(self) -> int:
        return HubSettings.from_env().start_cpu_weight

    def account_limits(self) -> AccountLimits:
        """This account's budget: server, kernels and terminals together."""
        return AccountLimits(memory_bytes=int(self.mem_limit) if self.mem_limit else None,
                             max_processes=self.pids_limit or None, cpu_weight=self.cpu_weight or None)

    def limits(self) -> LimitsBackend:
        return make_backend(self.limits_backend, parent=self)

    def _starting_limits(self, backend: LimitsBackend, limits: AccountLimits) -> AccountLimits:
        """The limits to start with: a lower CPU weight while the server starts (see
        ``start_cpu_weight``), unless another server of the account is already running."""
        normal = limits.cpu_weight or 100
        self._reweigh_to = None
        if (backend.reweighs and self.start_cpu_weight and self.start_cpu_weight < normal
                and not backend.processes(self.user.name)):
            self._reweigh_to = normal
            return dataclasses.replace(limits, cpu_weight=self.start_cpu_weight)
        return limits

    def _prepare_limits(self) -> None:
        """Make the account's group (as root, in the hub) before the server's Popen."""
        backend = self.limits()
        limits = self._starting_limits(backend, self.account_limits())
        self._placement = backend.prepare(self.user.name, self.name, limits, self._own_system_user)
        self.log.info("YouthLab: %s/%s runs under %s limits %s", self.user.name, self.name or "-",
                      backend.label, self.account_limits())

    def _end_start_weight(self) -> None:
        """The server answers (or its start ended): the account gets its normal CPU weight."""
        if self._reweigh_to is None:
            return
        weight, self._reweigh_to = self._reweigh_to, None
        try:
            self.limits().set_cpu_weight(self.user.name, weight)
        except Exception:  # noqa: BLE001 — the server runs; only its share stays low
            self.log.exception("YouthLab: could not give %s its CPU weight %s", self.user.name, weight)

    async def _release_limits(self) -> None:
        """A stopped server leaves nothing behind: kill what is left in its group, remove it."""
        try:
            await asyncio.to_thread(self.limits().release, self.user.name, self.name)
        except Exception:
            self.log.exception("YouthLab: could not clean up the limits group of %s", self.user.name)

    def make_preexec_fn(self, name):
        parent = super().make_preexec_fn(name)
        placement = self._placement

        def preexec():
            if placement is not None:
                placement.join(os.getpid())  # still root: into the account's group (children inherit)
            parent()  # drops privileges (system-users mode)
            if placement is not None:
                placement.restrict()  # per-process limits (rlimits backend) may only go down

        return preexec

    async def stop(self, now=False):
        await super().stop(now=now)
        await self._release_limits()

    def run_post_stop_hook(self):
        # Also when the server died by itself (the hub then does not call stop()).
        parent = super().run_post_stop_hook()

        async def release_then_hook():
            await self._release_limits()
            if parent is not None and hasattr(parent, "__await__"):
                await parent

        return release_then_hook()

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
            self._log_start_cost()
            return

    def _log_start_cost(self) -> None:
        """One line per start: how long it took and the CPU the server spent on it
        (utime + stime from /proc, seconds) — what a class start costs the machine."""
        pid = self.proc.pid if self.proc is not None else None
        cpu = server_cpu_seconds(pid) if pid else None
        self.log.info("YouthLab: server of %s ready in %.2f s, server CPU %s s, hub-side preparation %.2f s",
                      self.user.name, time.monotonic() - getattr(self, "_start_t0", time.monotonic()),
                      f"{cpu:.2f}" if cpu is not None else "?", getattr(self, "_prepare_seconds", 0.0))

    async def start(self):
        self._prepare_limits()
        try:
            ip, port = await super().start()
            await self._wait_listening(ip, port)
        finally:
            self._end_start_weight()
        return ip, port

    def get_env(self) -> dict:
        env = super().get_env()
        if self.mem_limit:
            env["YOUTHLAB_MEM_LIMIT"] = str(int(self.mem_limit))
        env["YOUTHLAB_SPAWNER"] = self.youthlab_mode
        return env


class YouthLabSpawner(_YouthLabSpawnerMixin, SimpleLocalProcessSpawner):
    """Demo mode: every account's server runs as the hub's own system user."""

    home_dir_template = Unicode("/tmp/youthlab-homes/{username}", config=True)
    allow_root = Bool(False, config=True,
                      help="Run servers as root when the hub is root (then every student is root: "
                           "only when the operator explicitly accepted it).")

    def _youthlab_args(self) -> list[str]:
        args = super()._youthlab_args()
        if os.geteuid() == 0 and self.allow_root:
            args.append("--allow-root")
        return args

    async def start(self):
        if os.geteuid() == 0 and not self.allow_root:
            raise RootServerRefused(user=self.user.name)
        self._start_t0 = time.monotonic()
        await asyncio.to_thread(self._prepare_home, Path(self.home_dir))
        self._prepare_seconds = time.monotonic() - self._start_t0
        return await super().start()


class YouthLabSystemUserSpawner(_YouthLabSpawnerMixin):
    """One system user per account: real isolation between students, and from the hub.

    Account ``student1`` runs as system user ``yl-student1`` (the prefix keeps hub names
    apart from the machine's own users: an account called ``operator`` or ``root`` must
    never become that user). The system user is made at the first start (``useradd``,
    home ``/home/yl-student1``, mode 0700) unless ``create_system_users`` is off. A
    student's processes then cannot read other homes or the hub's database, or signal
    the hub's services (the flight service among them).
    """

    youthlab_mode = identity.ISOLATED
    system_user_prefix = Unicode(config=True, help="Prefix of the system user made for each account.")
    create_system_users = Bool(True, config=True, help="Make missing system users with useradd.")
    system_user_shell = Unicode("/bin/bash", config=True, help="Login shell (JupyterLab terminals use it).")
    device_groups = List(Unicode(), config=True, help="""Supplementary groups for the station's
        serial devices (USB boards are root:dialout 0660), added to each account's system
        user; default from YOUTHLAB_DEVICE_GROUPS, else ['dialout'].""")

    @default("device_groups")
    def _default_device_groups(self) -> list[str]:
        return device_groups()

    @default("system_user_prefix")
    def _default_prefix(self) -> str:
        return identity.system_user_prefix()

    @property
    def system_user(self) -> str:
        return identity.system_user_for(self.user.name, self.system_user_prefix)

    def _ensure_system_user(self):
        import pwd
        import subprocess

        try:
            return pwd.getpwnam(self.system_user)
        except KeyError:
            if not self.create_system_users:
                raise
        # another useradd (a hub or tool) may hold /etc/passwd's lock: run_account_tool waits
        r = run_account_tool(["useradd", "--create-home", "--shell", self.system_user_shell,
                              "--comment", f"YouthLab account {self.user.name}", self.system_user])
        if r.returncode not in (0, 9):  # 9: made meanwhile by another start of the same account
            raise subprocess.CalledProcessError(r.returncode, r.args, r.stdout, r.stderr)
        self.log.info("YouthLab: made system user %s for %s", self.system_user, self.user.name)
        return pwd.getpwnam(self.system_user)

    _own_system_user = True

    def make_preexec_fn(self, name):
        return super().make_preexec_fn(self.system_user)

    def user_env(self, env):
        import pwd

        entry = pwd.getpwnam(self.system_user)
        env.update(USER=self.system_user, HOME=entry.pw_dir, SHELL=entry.pw_shell)
        return env

    def get_env(self) -> dict:
        env = super().get_env()
        env["YOUTHLAB_SYSTEM_USER_PREFIX"] = self.system_user_prefix
        return env

    def _prepare_account(self):
        """The hub's work before the server starts (root; in a thread, so the hub keeps
        answering while a class starts): the system user, its groups, the home."""
        entry = self._ensure_system_user()
        if entry.pw_uid == 0 or entry.pw_gid == 0:  # e.g. a hand-made user in group root
            raise RootServerRefused(user=self.user.name)
        try:  # class groups (course folder, exchange) before the server takes its groups
            ensure_groups_for_spawn(self.user.name, self.system_user_prefix)
        except Exception:  # noqa: BLE001 — the server still starts; grading says what is missing
            self.log.exception("YouthLab: could not set the class groups of %s", self.user.name)
        try:  # a student's kernel may open the station's board (youthlab.hub.groups.device_groups)
            add_to_groups(self.system_user, self.device_groups)
        except Exception:  # noqa: BLE001 — the server still starts; `%board connect` says what is missing
            self.log.exception("YouthLab: could not add %s to %s", self.system_user, self.device_groups)
        home = Path(entry.pw_dir)
        self._prepare_home(home, owner=(entry.pw_uid, entry.pw_gid))
        os.chown(home, entry.pw_uid, entry.pw_gid)  # made just now if the home was missing
        os.chmod(home, 0o700)
        return entry

    async def start(self):
        self._start_t0 = time.monotonic()
        await asyncio.to_thread(self._prepare_account)
        self._prepare_seconds = time.monotonic() - self._start_t0
        return await super().start()
