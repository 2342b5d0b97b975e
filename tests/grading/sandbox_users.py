"""The sandbox users that autograde runs submissions as, for the tests that autograde."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from typing import Iterator

import pytest


@contextmanager
def sandbox_user_prefix() -> Iterator[str]:
    """As root, autograde runs submissions as sandbox users: with a prefix of our own
    (``YOUTHLAB_SYSTEM_USER_PREFIX`` for the block), removed afterwards. Yields the prefix."""
    from youthlab.grading.sandbox import remove_users

    prefix = f"ylt{secrets.token_hex(2)}-"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YOUTHLAB_SYSTEM_USER_PREFIX", prefix)
        try:
            yield prefix
        finally:
            if os.geteuid() == 0:
                remove_users(prefix)
