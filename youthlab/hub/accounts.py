"""Accounts, groups and roles of the hub, from ``hub_config/accounts.yaml``.

The plan names an operator (hub admin), teachers with the classes they teach, and classes
with their students. From it we derive JupyterHub groups (``<class>`` for students,
``teachers-<class>`` for teachers) and one group-scoped role per class, so a teacher can
see and manage their own students' servers and nothing more.

First-start passwords are generated here and handed to the authenticator only as bcrypt
hashes through a *seed file* in the data folder; the plain text is printed once.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from youthlab.errors import ConfigError

SEED_FILE = "account-seeds.json"

# What a teacher may do for the students of their class: see them and their activity,
# open their servers (to help), start/stop them (class warm-up), and nothing else.
TEACHER_SCOPES = (
    "list:users!group={cls}",
    "read:users!group={cls}",
    "read:users:activity!group={cls}",
    "read:servers!group={cls}",
    "admin:servers!group={cls}",
    "read:groups!group={cls}",
)
# Opening a student's server is checked by that server, which cannot resolve
# `!group=` filters (no hub database there; JupyterHub warns and denies), so the
# access scope is given per student of the class.
TEACHER_ACCESS_SCOPE = "access:servers!user={student}"


@dataclass
class AccountPlan:
    operator: str
    teachers: dict[str, list[str]] = field(default_factory=dict)  # teacher -> classes
    classes: dict[str, list[str]] = field(default_factory=dict)  # class -> students
    titles: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def students(self) -> list[str]:
        return [s for members in self.classes.values() for s in members]

    def all_accounts(self) -> list[tuple[str, str]]:
        """(username, role) for every account, operator first."""
        rows = [(self.operator, "admin")]
        rows += [(name, "teacher") for name in self.teachers]
        rows += [(name, "student") for name in self.students]
        return rows

    def groups(self) -> dict[str, dict[str, Any]]:
        groups: dict[str, dict[str, Any]] = {}
        for cls, students in self.classes.items():
            groups[cls] = {"users": list(students)}
            teachers = [t for t, classes in self.teachers.items() if cls in classes]
            groups[f"teachers-{cls}"] = {"users": teachers}
        return groups

    def roles(self) -> list[dict[str, Any]]:
        roles = []
        for cls in self.classes:
            roles.append(
                {
                    "name": f"teacher-{cls}",
                    "description": f"Teachers of {cls}: see and manage their students' servers",
                    "scopes": [scope.format(cls=cls) for scope in TEACHER_SCOPES]
                    + [TEACHER_ACCESS_SCOPE.format(student=s) for s in self.classes[cls]],
                    "groups": [f"teachers-{cls}"],
                }
            )
        return roles


def load_plan(path: Path) -> AccountPlan:
    """Read and check the accounts file; a mistake names the file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(detail=f"{path}: {exc}") from exc
    try:
        operator = data["operator"]["username"]
        teachers = {t["username"]: list(t.get("classes", [])) for t in data.get("teachers", [])}
        classes = {name: list(c.get("students", [])) for name, c in (data.get("classes") or {}).items()}
        titles = {name: dict(c.get("title", {})) for name, c in (data.get("classes") or {}).items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(detail=f"{path}: missing or malformed entry {exc}") from exc
    for teacher, taught in teachers.items():
        unknown = [c for c in taught if c not in classes]
        if unknown:
            raise ConfigError(detail=f"{path}: teacher {teacher} teaches unknown class {unknown}")
    names = [n for n, _ in AccountPlan(operator, teachers, classes).all_accounts()]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ConfigError(detail=f"{path}: accounts listed twice: {sorted(duplicates)}")
    return AccountPlan(operator, teachers, classes, titles)


def existing_accounts(db_file: Path) -> set[str]:
    """Usernames that already have a password in the hub database (NativeAuthenticator)."""
    if not db_file.exists():
        return set()
    with sqlite3.connect(db_file) as conn:
        try:
            rows = conn.execute("SELECT username FROM users_info").fetchall()
        except sqlite3.OperationalError:  # table not created yet
            return set()
    return {r[0] for r in rows}


def generate_password() -> str:
    """Easy to type on a hall keyboard, hard to guess: e.g. ``kite-4821-moon``."""
    words = ["sky", "moon", "star", "kite", "wave", "boat", "tree", "rock", "bird", "leaf",
             "fish", "sun", "snow", "rain", "lake", "hill", "rose", "mint", "ruby", "jade"]
    return f"{secrets.choice(words)}-{secrets.randbelow(9000) + 1000}-{secrets.choice(words)}"


def make_seeds(plan: AccountPlan, skip: set[str] = frozenset()) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """A new password for every account of ``plan`` not in ``skip``: the seeds
    ``{username: bcrypt hash}`` the authenticator imports, and ``(username, role,
    password)`` to show once."""
    seeds: dict[str, str] = {}
    created = []
    for username, role in plan.all_accounts():
        if username in skip:
            continue
        password = generate_password()
        seeds[username] = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
        created.append((username, role, password))
    return seeds, created


def prepare_first_start(plan: AccountPlan, data_dir: Path, db_file: Path) -> list[tuple[str, str, str]]:
    """Create passwords for accounts that have none yet.

    Writes their bcrypt hashes to the seed file (mode 600) that the authenticator imports
    at start, and returns ``(username, role, password)`` for printing — the only time the
    plain passwords exist. Accounts already in the database or the seed file are skipped.
    """
    seed_path = data_dir / SEED_FILE
    seeds = read_seeds(seed_path)
    new_seeds, created = make_seeds(plan, skip=existing_accounts(db_file) | set(seeds))
    seeds.update(new_seeds)
    if created:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = seed_path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)  # a left-over could have another mode: make it new, 0600
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(seeds, fh)
        os.replace(tmp, seed_path)
    return created


def read_seeds(seed_path: Path) -> dict[str, str]:
    try:
        return json.loads(seed_path.read_text())
    except (OSError, ValueError):
        return {}
