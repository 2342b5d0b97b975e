"""A class logging in at once must not freeze the hub: bcrypt's deliberately slow
password check runs off the hub's event loop, and the login still answers right."""

from __future__ import annotations

import asyncio
import time

import bcrypt
import pytest


@pytest.fixture
def authenticator():
    from nativeauthenticator.orm import Base, UserInfo
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from youthlab.hub.authenticator import YouthLabAuthenticator

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    db = sessionmaker(bind=engine)()
    hashed = bcrypt.hashpw(b"right-horse-7", bcrypt.gensalt(12))  # the hub's own cost
    for name in ("ana", "bo", "chan", "dara"):
        db.add(UserInfo(username=name, password=hashed, is_authorized=True))
    db.commit()
    auth = YouthLabAuthenticator(db=db)
    yield auth
    db.close()


@pytest.mark.alone  # measures time or CPU shares: nothing else runs meanwhile (tests/conftest.py)
def test_four_logins_at_once_leave_the_hub_loop_free_and_answer_right(authenticator):
    async def scenario():
        gaps, stop = [], asyncio.Event()

        async def ticker():  # what every other page of the hub needs: the loop answering
            last = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        logins = [authenticator.authenticate(None, {"username": name, "password": password})
                  for name, password in (("ana", "right-horse-7"), ("bo", "wrong"),
                                         ("chan", "right-horse-7"), ("nobody", "right-horse-7"))]
        started = time.monotonic()
        results = await asyncio.gather(*logins)
        took = time.monotonic() - started
        stop.set()
        await tick
        return results, max(gaps), took

    hashed = bcrypt.hashpw(b"x", bcrypt.gensalt(12))
    started = time.monotonic()
    bcrypt.checkpw(b"x", hashed)
    one_check = time.monotonic() - started  # ~0.25 s on a quiet machine, longer on a busy one
    results, worst_gap, took = asyncio.run(scenario())
    assert results == ["ana", None, "chan", None]
    # inline, the loop would stall for at least one whole check (four in a row here)
    assert worst_gap < one_check / 2, \
        f"the hub's loop stalled {worst_gap:.2f} s (one check takes {one_check:.2f} s; logins took {took:.2f} s)"


def test_a_wrong_password_still_counts_towards_the_lockout(authenticator):
    authenticator.allowed_failed_logins = 2
    authenticator.seconds_before_next_try = 600
    for _ in range(2):
        assert asyncio.run(authenticator.authenticate(None, {"username": "dara", "password": "nope"})) is None
    # blocked now: even the right password is refused until the wait is over
    assert asyncio.run(authenticator.authenticate(None, {"username": "dara", "password": "right-horse-7"})) is None
