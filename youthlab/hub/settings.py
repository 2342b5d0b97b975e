"""The hub's own settings (ports, data folder, spawner mode, limits, TLS, accounts).

Read once from the environment by ``youthlab up`` and by ``hub_config/jupyterhub_config.py``
(see :mod:`youthlab.config`); ``youthlab config --area hub`` lists them. The labs'
services (kiosk, flight, print, grading) keep their settings in their own areas.
"""

from __future__ import annotations

from traitlets import Bool, CaselessStrEnum, Int, Unicode

from youthlab.config import EnvConfigurable, knob


class HubSettings(EnvConfigurable):
    """Where the hub listens, keeps its state, and how it runs the accounts' servers."""

    data_dir = knob(Unicode(""), "YOUTHLAB_DATA_DIR")
    ip = knob(Unicode("127.0.0.1"), "YOUTHLAB_HUB_IP")
    port = knob(Int(8000, min=1, max=65535), "YOUTHLAB_HUB_PORT")
    hub_api_port = knob(Int(8081, min=1, max=65535), "YOUTHLAB_HUB_API_PORT")
    proxy_api_port = knob(Int(8001, min=1, max=65535), "YOUTHLAB_PROXY_API_PORT")
    ssl_cert = knob(Unicode(""), "YOUTHLAB_SSL_CERT")
    ssl_key = knob(Unicode(""), "YOUTHLAB_SSL_KEY")
    insecure_http_on_network = knob(Unicode(""), "YOUTHLAB_INSECURE_HTTP_ON_NETWORK")
    accounts = knob(Unicode(""), "YOUTHLAB_ACCOUNTS")
    spawner = knob(CaselessStrEnum(["", "system-users", "isolated", "demo", "simple"], default_value=""),
                   "YOUTHLAB_SPAWNER")
    demo_runs_students_as_root = knob(Unicode(""), "YOUTHLAB_DEMO_RUNS_STUDENTS_AS_ROOT")
    system_user_prefix = knob(Unicode("yl-"), "YOUTHLAB_SYSTEM_USER_PREFIX")
    device_groups = knob(Unicode("dialout"), "YOUTHLAB_DEVICE_GROUPS")
    mem_limit = knob(Unicode("1G"), "YOUTHLAB_MEM_LIMIT")
    pids_limit = knob(Int(256, min=1), "YOUTHLAB_PIDS_LIMIT")
    cpu_weight = knob(Int(100, min=1, max=10000), "YOUTHLAB_CPU_WEIGHT")
    start_cpu_weight = knob(Int(25, min=0, max=10000), "YOUTHLAB_START_CPU_WEIGHT")
    limits = knob(CaselessStrEnum(["auto", "cgroup2", "cgroup1", "rlimits"], default_value="auto"),
                  "YOUTHLAB_LIMITS")
    cull_idle = knob(Int(3600, min=0), "YOUTHLAB_CULL_IDLE")
    url = knob(Unicode("http://127.0.0.1:8000"), "YOUTHLAB_HUB_URL")
    api_token = knob(Unicode(""), "YOUTHLAB_HUB_TOKEN", secret=True)
    signup = knob(Bool(False), "YOUTHLAB_SIGNUP")

    @property
    def https_accepted_insecure(self) -> bool:
        return self.insecure_http_on_network == "accepted"

    @property
    def demo_as_root_accepted(self) -> bool:
        return self.demo_runs_students_as_root == "accepted"
