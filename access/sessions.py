"""Sessions kept on the server: the cookie carries only a random id, so signing out, removing a
user, or changing their password or role ends the session even for a copy of the cookie."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from access.store import connection, transaction
from access.users import get_user


@dataclass(frozen=True)
class Session:
    id: str
    #: local or oidc
    kind: str
    name: str
    role: str


def start(store: Path, kind: str, name: str, role: str, session_key: str, lifetime: float) -> Session:
    """A new session (and the expired ones forgotten)."""
    now = time.time()
    session = Session(secrets.token_urlsafe(32), kind, name, role)
    with connection(store) as con:
        with transaction(con):
            con.execute("DELETE FROM sessions WHERE started_at < ?", [now - lifetime])
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, NULL)",
                        [session.id, kind, name, role, session_key, now])
    return session


def active(store: Path, session_id: str, lifetime: float) -> Session | None:
    """The session, if it is neither ended nor expired and, for a local account, the account still
    exists with the password and role it signed in with."""
    with connection(store) as con:
        row = con.execute("SELECT kind, name, role, session_key FROM sessions WHERE id = ? AND ended_at IS NULL "
                          "AND started_at >= ?", [session_id, time.time() - lifetime]).fetchone()
    if row is None:
        return None
    kind, name, role, session_key = row
    if kind == "local":
        user = get_user(store, name)
        if user is None or user.session_key != session_key:
            return None
    return Session(session_id, kind, name, role)


def end(store: Path, session_id: str) -> None:
    with connection(store) as con:
        con.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", [time.time(), session_id])
