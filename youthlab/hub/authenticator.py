"""NativeAuthenticator plus first-start account seeds.

NativeAuthenticator keeps bcrypt password hashes in the hub's own database and gives
users a change-password page. We add: at start it imports the hashes that ``youthlab up``
prepared for the demo accounts (see ``accounts.py``), marks those accounts authorized, and
deletes the seed file. Sign-up is off unless the operator turns it on (an anonymous
visitor at a kiosk created a pending account), and then it is approval-only: a sign-up
never logs anyone in before the operator authorizes it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler as NativeLoginHandler
from nativeauthenticator.orm import UserInfo
from traitlets import Bool, Unicode

from youthlab.hub.accounts import read_seeds


class _NoTimer:
    def start(self) -> "_NoTimer":
        return self

    def stop(self, send: bool = True) -> None:
        pass


class _NoStatsd:
    def timer(self, name: str) -> _NoTimer:
        return _NoTimer()


class LoginHandler(NativeLoginHandler):
    """NativeAuthenticator 1.3's login form on JupyterHub 6, which dropped ``statsd``
    (its POST raised AttributeError and every login failed with HTTP 500)."""

    statsd = _NoStatsd()


class YouthLabAuthenticator(NativeAuthenticator):
    seed_file = Unicode(
        "",
        config=True,
        help="JSON file {username: bcrypt-hash} imported at hub start (then deleted, unless read-only). "
             "Accounts that already exist keep their passwords.",
    )

    enable_signup = Bool(False, config=True, help="Show /hub/signup (off: it answers 404).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.open_signup:
            self.log.warning("YouthLab: open_signup ignored; new sign-ups wait for the operator's approval")
            self.open_signup = False
        if self.seed_file:
            self.import_seeds(Path(self.seed_file))

    def get_handlers(self, app):
        return [(route, LoginHandler if handler is NativeLoginHandler else handler)
                for route, handler in super().get_handlers(app)]

    async def authenticate(self, handler, data):
        """NativeAuthenticator's login, with bcrypt's deliberately slow comparison (~0.25
        CPU-s) in a worker thread: on the hub's event loop, a class logging in stalled every
        page of the hub (benchmarks/load.py at 60 students: 53 % of the loop's time, stalls
        of up to 43 s). NativeAuthenticator's own checks (authorized, lockout, 2FA) run as is."""
        user = self.get_user(self.normalize_username(data.get("username") or ""))
        password = data.get("password")
        if user is None or not password or not user.password:
            return await super().authenticate(handler, data)
        matches = await asyncio.to_thread(bcrypt.checkpw, password.encode(), user.password)
        user.is_valid_password = lambda _password: matches  # this login only (no await below)
        try:
            return await super().authenticate(handler, data)
        finally:
            del user.is_valid_password

    def import_seeds(self, path: Path) -> None:
        seeds = read_seeds(path)
        for username, hashed in seeds.items():
            if UserInfo.find(self.db, username) is None:
                self.db.add(UserInfo(username=username, password=hashed.encode(), is_authorized=True))
                self.log.info("YouthLab: account %s created from first-start seeds", username)
        self.db.commit()
        try:
            path.unlink(missing_ok=True)
        except OSError:
            # On Kubernetes the seeds come from a Secret, mounted read-only: the
            # accounts exist now, and a later start skips them (see `youthlab k8s seeds`).
            self.log.info("YouthLab: seed file %s is read-only; accounts already made are skipped", path)
