"""The hub's own errors: starting it, its spawner mode, and talking to its REST API.

Every one carries a ko/en message and hint from the catalogue (``youthlab.errors``).
"""

from __future__ import annotations

from youthlab.errors import YouthLabError


class PortInUse(YouthLabError):
    """A port the hub or one of its services needs is taken."""

    key = "error.port_in_use"
    hint_key = "error.port_in_use.hint"


class ModeRefused(YouthLabError):
    """The spawner mode and the options ask for something unsafe, or are not possible."""

    key = "mode.invalid"
    hint_key = "mode.invalid.hint"


class HubAlreadyRunning(YouthLabError):
    """A hub of the same data folder still runs: two would share one database."""

    key = "recovery.hub_running"
    hint_key = "recovery.hub_running.hint"


class HubStoppedUnexpectedly(YouthLabError):
    """The hub died under `youthlab up` after it had started (killed, out of memory)."""

    key = "recovery.hub_died"
    hint_key = "recovery.hub_died.hint"


class HubUnreachable(YouthLabError):
    """The hub's REST API does not answer (``youthlab class …``)."""

    key = "class.hub_unreachable"
    hint_key = "class.hub_unreachable.hint"


class HubRefused(YouthLabError):
    """The hub's REST API answered with an error (no right, unknown user …)."""

    key = "class.hub_refused"
    hint_key = "class.hub_refused.hint"
