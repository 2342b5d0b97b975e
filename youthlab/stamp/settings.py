"""The print queue's knobs: documented traits, read from the environment once.

``youthlab config --area print-queue`` lists them; ``c.PrintQueueSettings.… = …`` in a
config file sets them too. How the hub runs the service (on/off, port, user) is
:class:`youthlab.stamp.hub_service.PrintServiceSettings`.
"""

from __future__ import annotations

from traitlets import Bool, Int, Unicode

from youthlab.config import EnvConfigurable, knob

MAX_MODEL_BYTES = 20 * 1024 * 1024


class PrintQueueSettings(EnvConfigurable):
    """Which printers the hall has, and how much each student may queue."""

    printers_file = knob(Unicode(""), "YOUTHLAB_PRINTERS", help_key="stamp.setting.printers_file")
    test_mode = knob(Bool(False), "YOUTHLAB_STAMP_TEST_MODE", help_key="stamp.setting.test_mode")
    per_user = knob(Int(3, min=1), "YOUTHLAB_PRINT_PER_USER", help_key="stamp.setting.per_user")
    kiosk_limit = knob(Int(10, min=1), "YOUTHLAB_PRINT_KIOSK_LIMIT", help_key="stamp.setting.kiosk_limit")
    total = knob(Int(100, min=1), "YOUTHLAB_PRINT_TOTAL", help_key="stamp.setting.total")
    max_bytes = knob(Int(MAX_MODEL_BYTES, min=1024), "YOUTHLAB_PRINT_MAX_BYTES", help_key="stamp.setting.max_bytes")


class PrintClientSettings(EnvConfigurable):
    """Where a student's server or the kiosk finds the hub's print service (the hub sets these)."""

    url = knob(Unicode(""), "YOUTHLAB_PRINT_URL", help_key="stamp.setting.print_url")
    token = knob(Unicode(""), "YOUTHLAB_PRINT_TOKEN", secret=True, help_key="stamp.setting.print_token")
