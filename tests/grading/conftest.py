"""System users and groups made by grading tests get a random prefix and are removed.

As root the spawner mode defaults to isolated, where ``course create`` makes the class
groups; tests that call it in-process would otherwise leave ``yl-c-<class>`` groups on
the machine. Tests that set their own prefix (and hubs started by ``start_hub``, which
get one) keep theirs.
"""

import os
import secrets

import pytest


@pytest.fixture(scope="package", autouse=True)
def _random_system_prefix():
    if os.geteuid() != 0 or "YOUTHLAB_SYSTEM_USER_PREFIX" in os.environ:
        yield
        return
    from tests.hub.hubrunner import remove_system_accounts

    prefix = f"ylt{secrets.token_hex(2)}-"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YOUTHLAB_SYSTEM_USER_PREFIX", prefix)
        try:
            yield
        finally:
            remove_system_accounts(prefix)
