"""System users and groups made by grading tests get a random prefix and are removed.

As root the spawner mode defaults to isolated, where ``course create`` makes the class
groups; tests that call it in-process would otherwise leave ``<prefix>c-<class>``
groups on the machine. Every group made in this process during the package is removed
at its end (also when a test chose its own prefix); tests that set their own prefix
(and hubs started by ``start_hub``, which get one) keep it.
"""

import os
import secrets
import subprocess

import pytest


@pytest.fixture(scope="package", autouse=True)
def _random_system_prefix():
    if os.geteuid() != 0:
        yield
        return
    from tests.hub.hubrunner import remove_system_accounts
    from youthlab.hub import groups

    made: list[str] = []
    real_ensure = groups.ensure_group

    def ensure_group(name: str) -> int:
        import grp

        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            made.append(name)
            return real_ensure(name)

    prefix = None if "YOUTHLAB_SYSTEM_USER_PREFIX" in os.environ else f"ylt{secrets.token_hex(2)}-"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(groups, "ensure_group", ensure_group)
        if prefix:
            mp.setenv("YOUTHLAB_SYSTEM_USER_PREFIX", prefix)
        try:
            yield
        finally:
            for name in made:
                subprocess.run([groups._tool("groupdel"), name], capture_output=True)
            if prefix:
                remove_system_accounts(prefix)
