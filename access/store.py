"""The access store: SQLite in WAL mode beside the warehouse.

Not DuckDB: the pipeline holds the warehouse's write lock for minutes, while every dashboard worker
must record sign-ins and downloads at any moment. SQLite in WAL mode lets several processes append
at once: each write is one short `BEGIN IMMEDIATE` transaction, and a writer that finds the lock
taken waits (busy_timeout) instead of failing.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from foundation.errors import AgoraError

#: how long a writer waits for another's transaction before giving up
BUSY_TIMEOUT_MS = 30_000

#: kept in the file's user_version; a newer Agora adds what an older store lacks on first use
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash TEXT NOT NULL,
    -- changes when the password or role changes, so sessions signed in before then end
    session_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    audience TEXT,
    indicator TEXT,
    period TEXT,
    format TEXT,
    detail TEXT,
    origin TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TRIGGER IF NOT EXISTS audit_refuses_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_refuses_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS failed_sign_ins (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failed_sign_ins_key ON failed_sign_ins (key, at);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    -- a local account's session_key when it signed in
    session_key TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL
);
"""


def _create_private(path: Path) -> None:
    """The store file, readable by its owner only (password hashes and the session secret live here);
    SQLite gives its -wal and -shm files the same permissions."""
    if not path.parent.is_dir():
        raise AgoraError(f"The access store's folder {path.parent} does not exist: create it or point "
                         f"--warehouse at a file in an existing folder.")
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    except PermissionError:
        # exports, reports and sign-ins are audited: without the log they are refused, never unrecorded
        raise AgoraError(f"The access store {path} cannot be created: the folder {path.parent} is read-only "
                         f"for Agora, and exports, reports and sign-ins are recorded there; make the folder "
                         f"writable.") from None
    except OSError as exc:
        raise AgoraError(f"The access store {path} cannot be created: {exc.strerror}.") from None
    os.chmod(path, 0o600)


@contextmanager
def connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the store at `path` (created with its schema on first use); statements
    autocommit unless wrapped in `transaction`."""
    path = Path(path)
    _create_private(path)
    try:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise AgoraError(f"The access store {path} cannot be opened: {exc}.") from None
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _prepared(con)
        yield con
    except sqlite3.Error as exc:
        raise AgoraError(f"The access store {path} could not be read or written: {exc}.") from None
    finally:
        con.close()


def _prepared(con: sqlite3.Connection) -> None:
    """WAL mode and the schema, on a store's first use. Opening is where SQLite may answer "locked"
    without waiting: several processes making a new store WAL at once, or opening while the last
    connection of another closes and checkpoints its journal away. So this step alone is tried again
    until the busy timeout, never a write of the caller's."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            if con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                with transaction(con):
                    for statement in _statements(SCHEMA):
                        con.execute(statement)
                    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _statements(script: str) -> list[str]:
    """The script's statements (a trigger's body keeps its inner `;`)."""
    statements, pending = [], ""
    for line in script.strip().splitlines():
        pending += line + "\n"
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    return statements


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One short write transaction, taking the write lock at once so two writers never deadlock."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def secret(path: Path, name: str) -> str:
    """The secret `name`, generated on first use and kept: every worker and restart signs alike."""
    with connection(path) as con:
        with transaction(con):
            con.execute("INSERT OR IGNORE INTO secrets VALUES (?, ?)", [name, secrets.token_hex(32)])
        return con.execute("SELECT value FROM secrets WHERE name = ?", [name]).fetchone()[0]
