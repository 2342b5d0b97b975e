"""JupyterHub configuration for YouthLab on one machine.

This is the real configuration: `youthlab up` starts `jupyterhub -f` this file, and its
embedded defaults (SQLite, demo accounts, loopback ports) come from here. Every setting
an operator may want to change is read from an environment variable with a safe
default, so the same file serves a laptop, a test run and the hall's server:

  YOUTHLAB_DATA_DIR        state: hub database, cookie secret, student homes (./var)
  YOUTHLAB_HUB_IP          public address of the proxy (127.0.0.1; 0.0.0.0 for the hall)
  YOUTHLAB_HUB_PORT        public port (8000)
  YOUTHLAB_HUB_API_PORT    hub's internal API port (8081)
  YOUTHLAB_PROXY_API_PORT  proxy's REST API port (8001)
  YOUTHLAB_SSL_CERT, YOUTHLAB_SSL_KEY  HTTPS certificate and key (PEM); `youthlab up --ssl`
                           makes a self-signed one in <data>/tls/. Required on any address
                           but loopback, unless YOUTHLAB_INSECURE_HTTP_ON_NETWORK=accepted
                           (`youthlab up --insecure-http-on-network`)
  YOUTHLAB_ACCOUNTS        accounts/classes plan (hub_config/accounts.yaml)
  YOUTHLAB_MEM_LIMIT       memory per account: its server, kernels and terminals together (1G)
  YOUTHLAB_PIDS_LIMIT      processes (and threads) per account; stops a fork bomb (256)
  YOUTHLAB_CPU_WEIGHT      an account's CPU share when busy, 100 = normal (100)
  YOUTHLAB_LIMITS          auto (cgroup v2, else v1, else rlimits), cgroup2, cgroup1, rlimits
  YOUTHLAB_CULL_IDLE       seconds before an idle student server is stopped (3600; 0 = never)
  YOUTHLAB_SPAWNER         "system-users" (isolated: one system user yl-<account> each; the
                           default when the hub runs as root) or "demo" (demo mode: every
                           account runs as the hub's own user, per-user homes, no isolation;
                           the default without root). `youthlab up` resolves it once and
                           passes it here and to every server explicitly.
  YOUTHLAB_SYSTEM_USER_PREFIX  prefix of the accounts' system users and groups (yl-)
  YOUTHLAB_RUNTIME_DIR     where the runtime the accounts run from is mirrored when the
                           checkout, venv or Python are closed to other users (/opt/youthlab)
  YOUTHLAB_RUNTIME_MIRROR  "auto" (mirror only then) or "always" (servers never run the checkout)

On Kubernetes use hub_config/z2jh/values.yaml instead.
"""

import os
import sys
from pathlib import Path

from youthlab.hub.accounts import SEED_FILE, load_plan
from youthlab.paths import data_dir, labs_dir, node_bin, project_root

c = get_config()  # noqa: F821 (provided by JupyterHub)

DATA = data_dir()
DATA.mkdir(parents=True, exist_ok=True)
VENV_BIN = Path(sys.executable).parent
PLAN = load_plan(Path(os.environ.get("YOUTHLAB_ACCOUNTS", project_root() / "hub_config" / "accounts.yaml")))

# --- network: loopback unless the operator opens it ------------------------------
c.JupyterHub.ip = os.environ.get("YOUTHLAB_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("YOUTHLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("YOUTHLAB_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('YOUTHLAB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(node_bin() / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(DATA / "jupyterhub-proxy.pid")
# HTTPS (`youthlab up --ssl` or --ssl-cert/--ssl-key, youthlab/hub/tls.py): the proxy
# serves it; the hub's own API and the servers behind the proxy stay on loopback. A
# non-loopback address without a certificate is refused here too (jupyterhub started
# by hand) unless `youthlab up --insecure-http-on-network` said the operator accepts it.
if os.environ.get("YOUTHLAB_SSL_CERT") or os.environ.get("YOUTHLAB_SSL_KEY"):
    c.JupyterHub.ssl_cert = os.environ.get("YOUTHLAB_SSL_CERT", "")
    c.JupyterHub.ssl_key = os.environ.get("YOUTHLAB_SSL_KEY", "")
from youthlab.hub.tls import require_https_on_network  # noqa: E402

require_https_on_network(c.JupyterHub.ip, "ssl_cert" in c.JupyterHub,
                         os.environ.get("YOUTHLAB_INSECURE_HTTP_ON_NETWORK") == "accepted")

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
c.NativeAuthenticator.enable_signup = os.environ.get("YOUTHLAB_SIGNUP", "off").strip().lower() == "on"
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
    c.YouthLabSpawner.allow_root = os.environ.get("YOUTHLAB_DEMO_RUNS_STUDENTS_AS_ROOT") == "accepted"
    SERVER_BIN, SERVER_ROOT = VENV_BIN, project_root()
c.JupyterHub.proxy_class = "youthlab.hub.datadir.PrivateFilesProxy"  # its pid file 0600 too
c.Spawner.cmd = [str(SERVER_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.labs_dir = str(labs_dir())
# Limits per ACCOUNT (server + kernels + terminals together), youthlab/hub/limits.py: a
# cgroup per account (v2 or v1, detected) when the hub may make one, else rlimits.
c.Spawner.mem_limit = os.environ.get("YOUTHLAB_MEM_LIMIT", "1G")
c.Spawner.pids_limit = int(os.environ.get("YOUTHLAB_PIDS_LIMIT", "256"))
c.Spawner.cpu_weight = int(os.environ.get("YOUTHLAB_CPU_WEIGHT", "100"))
c.Spawner.limits_backend = os.environ.get("YOUTHLAB_LIMITS", "auto")
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
cull_after = int(os.environ.get("YOUTHLAB_CULL_IDLE", "3600"))
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

# --- print service: the hall's print queue behind the hub (issues 12, 13) -----------
#   YOUTHLAB_PRINT (on/off), YOUTHLAB_PRINT_PORT (a free loopback port when unset),
#   YOUTHLAB_PRINT_PER_USER (3 waiting jobs), YOUTHLAB_PRINT_TOTAL (100),
#   YOUTHLAB_PRINT_KIOSK_LIMIT (10), YOUTHLAB_PRINT_MAX_BYTES (20 MB per model),
#   YOUTHLAB_PRINT_USER (run it as this system user, not the hub's; the hub must be root).
#   The service owns the queue (<data>/print-service, 0700) and knows each caller from
#   their hub token: students see and cancel their own jobs, teachers their class's,
#   staff all; students send STL/3MF, the service checks and slices them.
PRINT_ON = os.environ.get("YOUTHLAB_PRINT", "on") != "off"
PRINT_SCOPES = ["access:services!service=print"] if PRINT_ON else []
KIOSK_PRINT_ENV = {}
if PRINT_ON:
    import secrets  # noqa: E402

    from youthlab.stamp.print_service import free_loopback_port, print_service_environment  # noqa: E402

    print_port = int(os.environ.get("YOUTHLAB_PRINT_PORT") or free_loopback_port())
    print_url = f"http://127.0.0.1:{print_port}/services/print/"
    services.append(
        {
            "name": "print",
            "url": f"http://127.0.0.1:{print_port}",
            "command": [sys.executable, "-m", "youthlab.stamp.print_service", "--port", str(print_port)],
            "environment": print_service_environment(os.environ, DATA),
        }
    )
    if os.environ.get("YOUTHLAB_PRINT_USER"):  # its own system user: student files never parsed as root
        from youthlab.stamp.print_service import prepare_service_folder  # noqa: E402

        _print_folder = prepare_service_folder(DATA, os.environ["YOUTHLAB_PRINT_USER"])
        services[-1].update(user=os.environ["YOUTHLAB_PRINT_USER"], cwd=str(_print_folder),
                            command=[str(SERVER_BIN / "python"), *services[-1]["command"][1:]])
        services[-1]["environment"]["HOME"] = str(_print_folder)
    # The kiosk prints as "kiosk" with a token that can do nothing else (made at each start).
    KIOSK_PRINT_ENV = {"YOUTHLAB_PRINT_URL": print_url, "YOUTHLAB_PRINT_TOKEN": secrets.token_hex(32)}
    services.append({"name": "kiosk-print", "api_token": KIOSK_PRINT_ENV["YOUTHLAB_PRINT_TOKEN"]})
    c.JupyterHub.load_roles.append(
        {
            "name": "printer-user",  # every account may queue, list and cancel (as the service allows)
            "scopes": PRINT_SCOPES,
            "users": [name for name, _ in PLAN.all_accounts()],
            "services": ["kiosk-print"],
        }
    )
    c.Spawner.environment["YOUTHLAB_PRINT_URL"] = print_url

# --- kiosk: visitors' touch apps at /services/kiosk/, no login --------------------
#   YOUTHLAB_KIOSK_PORT (8866), YOUTHLAB_KIOSK_IDLE (90 s), YOUTHLAB_KIOSK_MAX_KERNELS (8),
#   YOUTHLAB_KIOSK_POOL (1 preheated kernel per app), YOUTHLAB_KIOSK_LANG (ko),
#   YOUTHLAB_KIOSK_PIN  staff exit PIN: at least 6 characters, not 000000/123456; unset:
#                       8 digits made once, kept in <data>/kiosk/staff-pin (0600) and shown
#                       by `youthlab up`; "off": no staff exit. 5 wrong tries per device
#                       (the address the proxy saw), 20 for the hall, lock it out (1 min,
#                       doubling up to 1 h); every miss is logged with the device's address.
#   YOUTHLAB_KIOSK_PUBLIC_URL  origin visitors' phones open from the QR codes, e.g.
#                       http://192.168.0.10:8000 (no path). Unset: http://<hub ip>:<hub port>
#                       (for --ip 0.0.0.0 this machine's main address). Never taken from a
#                       request's Host header.
# Kiosk screens should reach only /services/kiosk/: the launcher never links to /hub/ and
# its pages forbid framing and foreign scripts (Content-Security-Policy), but a browser
# can still type a URL. In the hall, put the screens behind a rule of the reverse proxy or
# firewall that passes only /services/kiosk/ from the screens' addresses (README: Kiosks).
if os.environ.get("YOUTHLAB_KIOSK", "on") != "off":
    from youthlab.kiosk.environment import kiosk_service_environment  # noqa: E402
    from youthlab.kiosk.public_url import public_url  # noqa: E402

    kiosk_port = int(os.environ.get("YOUTHLAB_KIOSK_PORT", "8866"))
    _kiosk_scheme = "https" if "ssl_cert" in c.JupyterHub else "http"
    KIOSK_PUBLIC_ENV = {"YOUTHLAB_KIOSK_PUBLIC_URL": public_url(
        os.environ.get("YOUTHLAB_KIOSK_PUBLIC_URL", ""), c.JupyterHub.ip, c.JupyterHub.port, _kiosk_scheme)}
    services.append(
        {
            "name": "kiosk",
            "url": f"http://127.0.0.1:{kiosk_port}",
            "command": [sys.executable, "-m", "youthlab.kiosk.server"],
            "display": True,  # listed in the hub's Services menu
            # An allow-list (youthlab/kiosk/environment.py): no hub, flight or printer
            # secrets; the PIN is read by the server and never reaches visitors' kernels.
            "environment": kiosk_service_environment(
                os.environ, {"YOUTHLAB_DATA_DIR": str(DATA), "YOUTHLAB_ROOT": str(project_root()),
                             **KIOSK_PRINT_ENV, **KIOSK_PUBLIC_ENV}),
        }
    )

# --- flight service: the only process that flies the real drone (issue 4) ---------
#   YOUTHLAB_FLIGHT (on/off), YOUTHLAB_FLIGHT_PORT (8870), YOUTHLAB_FLIGHT_DRONE
#   ("emulator": a virtual Tello on loopback; or the real Tello's address, 192.168.10.1),
#   YOUTHLAB_FLIGHT_STATE_PORT (8890), YOUTHLAB_FLIGHT_USER (run it as this system user;
#   the hub must be root). Students' kernels never fly a real drone
#   themselves: they send programs here (`youthlab drone fly … --backend tello`), the
#   service checks them in the simulator and flies them with its own safety layer.
#   YOUTHLAB_FLIGHT_STATION: URL of a separate flight station (`youthlab drone service`
#   on the machine that is on the drone's Wi-Fi) instead of the local service; its
#   YOUTHLAB_FLIGHT_TOKEN is then given to students' servers.
FLIGHT_STATION = os.environ.get("YOUTHLAB_FLIGHT_STATION", "")
from youthlab.drone.service import hub_runs_flight_service  # noqa: E402

FLIGHT_ON = hub_runs_flight_service()
if FLIGHT_STATION:
    c.Spawner.environment["YOUTHLAB_FLIGHT_URL"] = FLIGHT_STATION
    c.Spawner.environment["YOUTHLAB_FLIGHT_TOKEN"] = os.environ.get("YOUTHLAB_FLIGHT_TOKEN", "")
if FLIGHT_ON:
    flight_port = int(os.environ.get("YOUTHLAB_FLIGHT_PORT", "8870"))
    services.append(
        {
            "name": "flight",
            "url": f"http://127.0.0.1:{flight_port}",
            "command": [str(SERVER_BIN / "youthlab"), "drone", "service", "--port", str(flight_port)],
            "environment": {k: v for k, v in os.environ.items()  # not the kiosk's PIN: not its secret
                            if k.startswith("YOUTHLAB_") and k not in ("YOUTHLAB_FLIGHT_URL", "YOUTHLAB_KIOSK_PIN")},
        }
    )
    if os.environ.get("YOUTHLAB_FLIGHT_USER"):  # its own system user: see `youthlab drone firewall`
        from youthlab.drone.service import prepare_service_folder

        services[-1]["user"] = os.environ["YOUTHLAB_FLIGHT_USER"]
        services[-1]["cwd"] = str(prepare_service_folder(DATA, os.environ["YOUTHLAB_FLIGHT_USER"]))
    c.JupyterHub.load_roles.append(
        {
            "name": "pilot",  # everyone may send a program and press the stop button
            "scopes": ["access:services!service=flight"],
            "users": [name for name, _ in PLAN.all_accounts()],
        }
    )
    c.Spawner.environment["YOUTHLAB_FLIGHT_URL"] = f"http://127.0.0.1:{flight_port}/services/flight/"

c.JupyterHub.services = services

# --- teaching: nbgrader courses, exchange, formgrader for teachers only (issue 7) ---
# Courses are made by `youthlab course create <curriculum> --class <class>` in
# <data>/courses/<class>; classes and teachers still come from accounts.yaml (roles
# can only be made here, at start). Each server gets a per-role Jupyter config folder
# (students: no formgrader, no create-assignment) plus hub_config/ on JUPYTER_CONFIG_PATH,
# where hub_config/nbgrader_config.py points it at its class's course and exchange.
from youthlab.grading.hubwiring import config_path_for, write_role_configs  # noqa: E402

write_role_configs(DATA)
_ACCOUNTS_FILE = os.environ.get("YOUTHLAB_ACCOUNTS", str(project_root() / "hub_config" / "accounts.yaml"))
c.Spawner.environment.update({
    "YOUTHLAB_DATA_DIR": str(DATA),
    "YOUTHLAB_ACCOUNTS": str(Path(_ACCOUNTS_FILE).resolve()),
    "JUPYTER_CONFIG_PATH": lambda spawner: config_path_for(PLAN, DATA, SERVER_ROOT / "hub_config",
                                                           spawner.user.name),
})
# --- grading service: autograde from a teacher's own server, sandboxed (issue 12) ----
#   YOUTHLAB_GRADING_SERVICE (auto: on in isolated mode; on/off), YOUTHLAB_GRADING_PORT
#   (a free loopback port when unset), YOUTHLAB_GRADING_MAX_JOBS (classes graded at once, 2).
#   A teacher's server is not root, so it cannot run submissions as sandbox users; the
#   service (root, the hub's user) runs the same autograde as root's CLI for a caller whose
#   hub token shows they teach the class. Teachers' and the operator's tokens only
#   (teachers' server tokens "inherit" their rights); `youthlab course autograde` in their
#   servers finds it through YOUTHLAB_GRADING_URL.
from youthlab.grading.service import grading_service_environment, hub_runs_grading_service  # noqa: E402

if hub_runs_grading_service():
    from youthlab.stamp.print_service import free_loopback_port  # noqa: E402

    grading_port = int(os.environ.get("YOUTHLAB_GRADING_PORT") or free_loopback_port())
    c.JupyterHub.services = [*c.JupyterHub.services, {
        "name": "grading",
        "url": f"http://127.0.0.1:{grading_port}",
        "command": [sys.executable, "-m", "youthlab.grading.service", "--port", str(grading_port)],
        "environment": grading_service_environment(os.environ, DATA),
    }]
    c.JupyterHub.load_roles.append({
        "name": "grader",
        "scopes": ["access:services!service=grading"],
        "users": [PLAN.operator, *PLAN.teachers],
    })
    c.Spawner.environment["YOUTHLAB_GRADING_URL"] = f"http://127.0.0.1:{grading_port}/services/grading/"

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
    PLAN, spawner.user.name, extra=(["access:services!service=flight"] if FLIGHT_ON else []) + PRINT_SCOPES)
