"""The print queue's knobs: documented traits, read from the environment once.

``youthlab config --area print-queue`` lists them; ``c.PrintQueueSettings.… = …`` in a
config file sets them too. How the hub runs the service (on/off, port, user) is
:class:`youthlab.stamp.hub_service.PrintServiceSettings`.
"""

from __future__ import annotations

from traitlets import Bool, Int, Unicode

from youthlab.config import EnvConfigurable

MAX_MODEL_BYTES = 20 * 1024 * 1024


class PrintQueueSettings(EnvConfigurable):
    """Which printers the hall has, and how much each student may queue."""

    printers_file = Unicode("", help="The printers file (empty: var/printers.yaml if there, else "
                                     "hardware/printers/printers.yaml).").tag(config=True, env="YOUTHLAB_PRINTERS",
        help_key="stamp.setting.printers_file")
    test_mode = Bool(False, help="Let jobs go to a simulated printer (OctoPrint's Virtual Printer); "
                                 "for tests and demos only: nothing is really printed.").tag(
        config=True, env="YOUTHLAB_STAMP_TEST_MODE", help_key="stamp.setting.test_mode")
    per_user = Int(3, min=1, help="Jobs one student may have waiting at once.").tag(
        config=True, env="YOUTHLAB_PRINT_PER_USER", help_key="stamp.setting.per_user")
    kiosk_limit = Int(10, min=1, help="Jobs the visitors' kiosk may have waiting at once.").tag(
        config=True, env="YOUTHLAB_PRINT_KIOSK_LIMIT", help_key="stamp.setting.kiosk_limit")
    total = Int(100, min=1, help="Jobs waiting in the whole queue at once.").tag(
        config=True, env="YOUTHLAB_PRINT_TOTAL", help_key="stamp.setting.total")
    max_bytes = Int(MAX_MODEL_BYTES, min=1024, help="Largest model (STL/3MF) a student may send, in bytes.").tag(
        config=True, env="YOUTHLAB_PRINT_MAX_BYTES", help_key="stamp.setting.max_bytes")


class PrintClientSettings(EnvConfigurable):
    """Where a student's server or the kiosk finds the hub's print service (the hub sets these)."""

    url = Unicode("", help="The print service's URL (empty: no hub, the local queue file).").tag(
        config=True, env="YOUTHLAB_PRINT_URL", help_key="stamp.setting.print_url")
    token = Unicode("", help="The kiosk's own print token, made by the hub at each start (a student's server "
                             "uses its hub token).").tag(config=True, env="YOUTHLAB_PRINT_TOKEN", secret=True,
                                                    help_key="stamp.setting.print_token")
