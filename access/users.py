"""Accounts and roles: local users with Argon2 password hashes, kept in the access store.

viewer: the public audience everywhere. analyst: the internal audience. admin: internal, plus the
audit log and the user list in the dashboard. Every change is written to the audit log.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from access.audit import record
from access.store import connection, transaction
from foundation.errors import AgoraError

ROLES = ("viewer", "analyst", "admin")
#: the audience each role sees: a viewer never receives an internal number
ROLE_AUDIENCE = {"viewer": "public", "analyst": "internal", "admin": "internal"}
MIN_PASSWORD_LENGTH = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_hasher = PasswordHasher()
#: verified against when the name is unknown, so a wrong name costs the same time as a wrong password
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str
    changed_at: str
    session_key: str


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AgoraError(f"The role must be one of {', '.join(ROLES)}, not {role!r}.")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AgoraError(f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters.")
    return password


def add_user(store: Path, name: str, role: str, password: str, by: str, origin: str) -> User:
    if not _NAME.match(name):
        raise AgoraError(f"The user name {name!r} is not allowed: use up to 64 letters, digits and . _ @ -, "
                         f"starting with a letter or digit.")
    check_role(role)
    password_hash = _hasher.hash(check_password(password))
    stamp = now()
    with connection(store) as con:
        with transaction(con):
            if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                raise AgoraError(f"A user named {name!r} already exists: use `agora users set-role` or "
                                 f"`agora users reset-password`.")
            con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
                        [name, role, password_hash, secrets.token_hex(16), stamp, stamp])
            record(con, who=by, action="user add", origin=origin, detail=f"{name} as {role}")
    return get_user(store, name)


def list_users(store: Path) -> list[User]:
    with connection(store) as con:
        rows = con.execute("SELECT name, role, created_at, changed_at, session_key FROM users ORDER BY name")
        return [User(*row) for row in rows.fetchall()]


def get_user(store: Path, name: str) -> User | None:
    with connection(store) as con:
        row = con.execute("SELECT name, role, created_at, changed_at, session_key FROM users WHERE name = ?",
                          [name]).fetchone()
    return User(*row) if row else None


def _change(store: Path, name: str, by: str, origin: str, action: str, detail: str, sql: str, params: list) -> None:
    with connection(store) as con:
        with transaction(con):
            if con.execute(sql, params).rowcount == 0:
                raise AgoraError(f"No user is named {name!r}: `agora users list` shows who there is.")
            record(con, who=by, action=action, origin=origin, detail=detail)


def remove_user(store: Path, name: str, by: str, origin: str) -> None:
    _change(store, name, by, origin, "user remove", name, "DELETE FROM users WHERE name = ?", [name])


def set_role(store: Path, name: str, role: str, by: str, origin: str) -> None:
    check_role(role)
    _change(store, name, by, origin, "user set-role", f"{name} to {role}",
            "UPDATE users SET role = ?, session_key = ?, changed_at = ? WHERE name = ?",
            [role, secrets.token_hex(16), now(), name])


def reset_password(store: Path, name: str, password: str, by: str, origin: str) -> None:
    password_hash = _hasher.hash(check_password(password))
    _change(store, name, by, origin, "user reset-password", name,
            "UPDATE users SET password_hash = ?, session_key = ?, changed_at = ? WHERE name = ?",
            [password_hash, secrets.token_hex(16), now(), name])


def authenticate(store: Path, name: str, password: str) -> User | None:
    """The user `name` if `password` is theirs, else None (in the same time either way)."""
    with connection(store) as con:
        row = con.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()
    try:
        _hasher.verify(row[0] if row else _UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return get_user(store, name) if row else None
