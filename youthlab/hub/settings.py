"""The hub's own settings (ports, data folder, spawner mode, limits, TLS, accounts).

Read once from the environment by ``youthlab up`` and by ``hub_config/jupyterhub_config.py``
(see :mod:`youthlab.config`); ``youthlab config --area hub`` lists them. The labs'
services (kiosk, flight, print, grading) keep their settings in their own areas.
"""

from __future__ import annotations

from traitlets import Bool, CaselessStrEnum, Int, Unicode

from youthlab.config import EnvConfigurable


def _knob(trait, env: str, **tags):
    return trait.tag(config=True, env=env, help_key="config.help." + env.lower(), **tags)


class HubSettings(EnvConfigurable):
    """Where the hub listens, keeps its state, and how it runs the accounts' servers."""

    data_dir = _knob(Unicode("", help="State folder: hub database, secrets, homes (empty: ./var)."),
                     "YOUTHLAB_DATA_DIR")
    ip = _knob(Unicode("127.0.0.1", help="Public address of the proxy (0.0.0.0 opens it to the hall)."),
               "YOUTHLAB_HUB_IP")
    port = _knob(Int(8000, min=1, max=65535, help="Public port of the hub."), "YOUTHLAB_HUB_PORT")
    hub_api_port = _knob(Int(8081, min=1, max=65535, help="The hub's internal API port."),
                         "YOUTHLAB_HUB_API_PORT")
    proxy_api_port = _knob(Int(8001, min=1, max=65535, help="The proxy's REST API port."),
                           "YOUTHLAB_PROXY_API_PORT")
    ssl_cert = _knob(Unicode("", help="HTTPS certificate (PEM)."), "YOUTHLAB_SSL_CERT")
    ssl_key = _knob(Unicode("", help="Private key of the HTTPS certificate (PEM)."), "YOUTHLAB_SSL_KEY")
    insecure_http_on_network = _knob(
        Unicode("", help="'accepted': plain HTTP on a non-loopback address."),
        "YOUTHLAB_INSECURE_HTTP_ON_NETWORK")
    accounts = _knob(Unicode("", help="Accounts and classes plan (empty: hub_config/accounts.yaml)."),
                     "YOUTHLAB_ACCOUNTS")
    spawner = _knob(CaselessStrEnum(["", "system-users", "isolated", "demo", "simple"], default_value="",
                                    help="system-users (one system user per account) or demo "
                                         "(empty: isolated as root, else demo)."),
                    "YOUTHLAB_SPAWNER")
    demo_runs_students_as_root = _knob(
        Unicode("", help="'accepted': demo mode as root runs every student as root."),
        "YOUTHLAB_DEMO_RUNS_STUDENTS_AS_ROOT")
    system_user_prefix = _knob(Unicode("yl-", help="Prefix of the accounts' system users and groups."),
                               "YOUTHLAB_SYSTEM_USER_PREFIX")
    mem_limit = _knob(Unicode("1G", help="Memory per account (server, kernels, terminals together)."),
                      "YOUTHLAB_MEM_LIMIT")
    pids_limit = _knob(Int(256, min=1, help="Processes and threads per account."), "YOUTHLAB_PIDS_LIMIT")
    cpu_weight = _knob(Int(100, min=1, max=10000, help="An account's CPU share when busy (100 = normal)."),
                       "YOUTHLAB_CPU_WEIGHT")
    start_cpu_weight = _knob(Int(25, min=0, max=10000,
                                 help="An account's CPU share while its server starts, until it answers "
                                      "(0 = cpu_weight)."), "YOUTHLAB_START_CPU_WEIGHT")
    limits = _knob(CaselessStrEnum(["auto", "cgroup2", "cgroup1", "rlimits"], default_value="auto",
                                   help="How limits are enforced."), "YOUTHLAB_LIMITS")
    cull_idle = _knob(Int(3600, min=0, help="Seconds before an idle server is stopped (0 = never)."),
                      "YOUTHLAB_CULL_IDLE")
    url = _knob(Unicode("http://127.0.0.1:8000", help="The hub's address for `youthlab class`."),
                "YOUTHLAB_HUB_URL")
    api_token = _knob(Unicode("", help="An API token for `youthlab class` (else JUPYTERHUB_API_TOKEN)."),
                      "YOUTHLAB_HUB_TOKEN", secret=True)
    signup = _knob(Bool(False, help="The sign-up page (new accounts still wait for approval)."),
                   "YOUTHLAB_SIGNUP")

    @property
    def https_accepted_insecure(self) -> bool:
        return self.insecure_http_on_network == "accepted"

    @property
    def demo_as_root_accepted(self) -> bool:
        return self.demo_runs_students_as_root == "accepted"
