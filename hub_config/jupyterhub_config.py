"""JupyterHub configuration for YouthLab on one machine.

This is the real configuration: `youthlab up` starts `jupyterhub -f` this file, and its
embedded defaults (SQLite, demo accounts, loopback ports) come from here. Every setting
an operator may want to change is a documented trait read once from its environment
variable (youthlab/hub/settings.py for the hub; each service's own settings class for
the kiosk, print queue, flight and grading services): `youthlab config` lists every
variable with its default, current value and help in Korean or English.

`youthlab up` resolves the spawner mode (YOUTHLAB_SPAWNER) and the services that run
(YOUTHLAB_HUB_SERVICES) once and passes them here explicitly.

On Kubernetes use hub_config/z2jh/values.yaml instead.
"""

import os
import sys
from pathlib import Path

from youthlab.hub.accounts import SEED_FILE, load_plan
from youthlab.hub.settings import HubSettings
from youthlab.paths import data_dir, labs_dir, node_bin, project_root

c = get_config()  # noqa: F821 (provided by JupyterHub)

# A stopping hub exits without a last garbage-collection sweep of its large heap (~5 s on
# a busy machine, within `youthlab up`'s stop grace): everything is freed with the process.
import atexit  # noqa: E402
import gc  # noqa: E402

atexit.register(gc.freeze)

HUB = HubSettings.from_env(config=c)  # every YOUTHLAB_* knob of the hub, read once (`youthlab config`)
DATA = data_dir()
DATA.mkdir(parents=True, exist_ok=True)
VENV_BIN = Path(sys.executable).parent
ACCOUNTS_FILE = Path(HUB.accounts or project_root() / "hub_config" / "accounts.yaml").resolve()
PLAN = load_plan(ACCOUNTS_FILE)

# --- network: loopback unless the operator opens it ------------------------------
c.JupyterHub.ip = HUB.ip
c.JupyterHub.port = HUB.port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB.hub_api_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{HUB.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [str(node_bin() / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(DATA / "jupyterhub-proxy.pid")
# HTTPS (`youthlab up --ssl` or --ssl-cert/--ssl-key, youthlab/hub/tls.py): the proxy
# serves it; the hub's own API and the servers behind the proxy stay on loopback. A
# non-loopback address without a certificate is refused here too (jupyterhub started
# by hand) unless `youthlab up --insecure-http-on-network` said the operator accepts it.
if HUB.ssl_cert or HUB.ssl_key:
    c.JupyterHub.ssl_cert = HUB.ssl_cert
    c.JupyterHub.ssl_key = HUB.ssl_key
from youthlab.hub.tls import require_https_on_network  # noqa: E402

require_https_on_network(c.JupyterHub.ip, "ssl_cert" in c.JupyterHub, HUB.https_accepted_insecure)

# --- state: SQLite and secrets in the data folder ----------------------------------
c.JupyterHub.db_url = f"sqlite:///{DATA / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(DATA / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(DATA / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # Ctrl-C stops every student server too
c.JupyterHub.cleanup_proxy = True

# --- accounts: NativeAuthenticator, demo accounts seeded at first start -----------
c.JupyterHub.authenticator_class = "youthlab.hub.authenticator.YouthLabAuthenticator"
c.YouthLabAuthenticator.seed_file = str(DATA / SEED_FILE)
c.Authenticator.admin_users = {PLAN.operator}
c.Authenticator.allow_all = True  # NativeAuthenticator itself only lets authorized accounts in
# Sign-up is off (/hub/signup answers 404): accounts come from hub_config/accounts.yaml,
# and an anonymous visitor at a kiosk must not create one. YOUTHLAB_SIGNUP=on turns the
# page on; even then every new account waits for the operator's approval (/hub/authorize).
c.NativeAuthenticator.enable_signup = HUB.signup
c.NativeAuthenticator.open_signup = False
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.allowed_failed_logins = 5
c.NativeAuthenticator.seconds_before_next_try = 60

# Classes become groups; teachers get group-scoped rights over their class, not admin.
c.JupyterHub.load_groups = PLAN.groups()
c.JupyterHub.load_roles = PLAN.roles()

# --- student servers ------------------------------------------------------------------
from youthlab.hub import identity  # noqa: E402
from youthlab.hub.datadir import prepare_data_dir  # noqa: E402

MODE = identity.spawner_mode()  # `youthlab up` sets YOUTHLAB_SPAWNER explicitly
if MODE == identity.ISOLATED:
    # Each account runs as its own system user (yl-<name>, made at first start; the
    # hub must run as root). The data folder is then closed to them (traverse only), the
    # hub's files private, and the boards' lock folder shared (sticky, like /tmp).
    from youthlab.hub.spawner import share_with_system_users

    c.JupyterHub.spawner_class = "youthlab.hub.spawner.YouthLabSystemUserSpawner"
    c.YouthLabSystemUserSpawner.system_user_prefix = identity.system_user_prefix()
    share_with_system_users(DATA)
    # Servers run from a runtime every system user may run (youthlab/hub/runtime.py:
    # the checkout itself, or its mirror under /opt/youthlab), built by `youthlab up`.
    if os.environ.get("YOUTHLAB_SERVER_BIN"):
        SERVER_BIN = Path(os.environ["YOUTHLAB_SERVER_BIN"])
        SERVER_ROOT = Path(os.environ["YOUTHLAB_SERVER_ROOT"])
    else:  # jupyterhub started without `youthlab up`
        from youthlab.hub.runtime import student_runtime

        _runtime = student_runtime()
        SERVER_BIN, SERVER_ROOT = _runtime.bin, _runtime.root
else:
    # Demo mode: every server runs as the hub's own user. As root that would make every
    # student root: the spawner refuses unless `youthlab up --demo-runs-students-as-root`.
    prepare_data_dir(DATA, isolated=False)
    c.JupyterHub.spawner_class = "youthlab.hub.spawner.YouthLabSpawner"
    c.YouthLabSpawner.home_dir_template = str(DATA / "homes" / "{username}")
    c.YouthLabSpawner.allow_root = HUB.demo_as_root_accepted
    SERVER_BIN, SERVER_ROOT = VENV_BIN, project_root()
c.JupyterHub.proxy_class = "youthlab.hub.private_proxy.PrivateFilesProxy"  # its pid file 0600 too
# jupyterhub-singleuser without ~2 CPU-s of imports no student uses (youthlab/hub/singleuser.py)
c.Spawner.cmd = [str(SERVER_BIN / "youthlab-jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.labs_dir = str(labs_dir())
# Limits per ACCOUNT (server + kernels + terminals together), youthlab/hub/limits.py: a
# cgroup per account (v2 or v1, detected) when the hub may make one, else rlimits.
c.Spawner.mem_limit = HUB.mem_limit
c.Spawner.pids_limit = HUB.pids_limit
c.Spawner.cpu_weight = HUB.cpu_weight
c.Spawner.limits_backend = HUB.limits
# Groups are youthlab/<hash of the data folder>/<account>/<server>: two hubs never share one.
import hashlib  # noqa: E402

from youthlab.hub.limits import make_backend  # noqa: E402

c.CgroupBackend.hub_id = hashlib.sha256(str(DATA.resolve()).encode()).hexdigest()[:8]
make_backend(c.Spawner.limits_backend, config=c).cleanup_stale()  # empty groups of an earlier run
c.Spawner.environment = {
    "YOUTHLAB_ROOT": str(SERVER_ROOT),
    "PATH": os.pathsep.join([str(SERVER_BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
}
# A single-user server takes 3–8 s on 2 cores, much longer when a class starts at once.
c.Spawner.http_timeout = 180
c.Spawner.start_timeout = 180
c.JupyterHub.concurrent_spawn_limit = 20

# --- idle culler: stop servers nobody used for a while ------------------------------
services = []
cull_after = HUB.cull_idle
if cull_after > 0:
    services.append(
        {
            "name": "idle-culler",
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={cull_after}"],
        }
    )
    c.JupyterHub.load_roles.append(
        {
            "name": "idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    )

# --- the labs' services: kiosk, print queue, flight, grading … (youthlab/hub/services.py) ---
# The hub knows no lab: each area registers its service under the entry-point group
# `youthlab.hub_services`; `youthlab up` decided which run (YOUTHLAB_HUB_SERVICES) and each
# adds its `services` entry, roles, and what the accounts' servers need to reach it.
# `youthlab config` lists their settings (YOUTHLAB_KIOSK, YOUTHLAB_PRINT, YOUTHLAB_FLIGHT,
# YOUTHLAB_GRADING_SERVICE, their ports, system users, PINs …); README: Kiosks, Drones,
# 3-D printing, Teachers. Kiosk screens should reach only /services/kiosk/: put them behind
# a rule of the reverse proxy or firewall that passes only that path (README: Kiosks).
from youthlab.hub.services import HubWiring, decide  # noqa: E402

WIRING = HubWiring(environ=os.environ, data=DATA, accounts=[name for name, _ in PLAN.all_accounts()],
                   graders=[PLAN.operator, *PLAN.teachers], server_bin=SERVER_BIN,
                   hub_ip=c.JupyterHub.ip, hub_port=c.JupyterHub.port, https="ssl_cert" in c.JupyterHub)
for _service in decide():
    _service.configure(WIRING)
# JupyterHub starts the services one after the other and waits for each to answer (30 s by
# default) before it adds its own routes, and exits if one never does: a small hall machine's
# first start (cold disk, Voila's imports) may need longer. `youthlab up` waits for them all.
for _entry in WIRING.services:
    _entry.setdefault("timeout", 120)
services += WIRING.services
c.JupyterHub.load_roles.extend(WIRING.roles)
c.Spawner.environment.update(WIRING.spawner_environment)
c.JupyterHub.services = services

# --- teaching: nbgrader courses, exchange, formgrader for teachers only (issue 7) ---
# Courses are made by `youthlab course create <curriculum> --class <class>` in
# <data>/courses/<class>; classes and teachers still come from accounts.yaml (roles
# can only be made here, at start). Each server gets a per-role Jupyter config folder
# (students: no formgrader, no create-assignment) plus hub_config/ on JUPYTER_CONFIG_PATH,
# where hub_config/nbgrader_config.py points it at its class's course and exchange.
from youthlab.grading.hubwiring import config_path_for, write_role_configs  # noqa: E402

write_role_configs(DATA)
c.Spawner.environment.update({
    "YOUTHLAB_DATA_DIR": str(DATA),
    "YOUTHLAB_ACCOUNTS": str(ACCOUNTS_FILE),
    "JUPYTER_CONFIG_PATH": lambda spawner: config_path_for(PLAN, DATA, SERVER_ROOT / "hub_config",
                                                           spawner.user.name),
})
# A teacher's server token carries the teacher's (group-scoped) rights, so the class
# page (~/courses/<class>/dashboard.ipynb) can warm up and stop their class.
from youthlab.grading.hubwiring import server_token_scopes  # noqa: E402

# A teacher of several classes adds a server named after each class (hub home → "Add new
# server"): that server's formgrader grades that class. Nobody else gets extra servers.
from youthlab.grading.hubwiring import refuse_named_server_hook  # noqa: E402

c.JupyterHub.allow_named_servers = True
c.JupyterHub.named_server_limit_per_user = max([len(v) for v in PLAN.teachers.values()] + [1])
c.Spawner.pre_spawn_hook = refuse_named_server_hook(PLAN)
c.Spawner.server_token_scopes = lambda spawner: server_token_scopes(
    PLAN, spawner.user.name, extra=WIRING.server_token_scopes)

# Robotics club mentors (accounts.yaml `club_mentors`) may flash boards: a custom scope in
# their role and in their server's token, which `youthlab flash` checks (youthlab/boards/flash/roles.py).
from youthlab.boards.flash.roles import configure_mentor_role  # noqa: E402

configure_mentor_role(c, ACCOUNTS_FILE)
