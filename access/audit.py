"""The audit log: who did what, when, from where. Append-only: this module offers no change or
removal, and the store's triggers refuse any UPDATE or DELETE of a row."""

from __future__ import annotations

import csv
import getpass
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

from access.store import connection
from metrics.xlsx import neutralise

COLUMNS = ("seq", "at", "who", "action", "outcome", "audience", "indicator", "period", "format", "detail", "origin")
#: where an entry made at the command line comes from
CLI = "cli"


def record(con: sqlite3.Connection, who: str, action: str, origin: str, outcome: str = "ok",
           audience: str | None = None, indicator: str | None = None, period: str | None = None,
           fmt: str | None = None, detail: str | None = None) -> None:
    """Append one entry (in the caller's transaction, if it has one)."""
    con.execute(
        "INSERT INTO audit (at, who, action, outcome, audience, indicator, period, format, detail, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), who, action, outcome, audience, indicator,
         period, fmt, detail, origin])


def append(store: Path, who: str, action: str, origin: str, **what) -> None:
    """Append one entry in its own short transaction."""
    with connection(store) as con:
        record(con, who, action, origin, **what)


def cli_user() -> str:
    """Who runs a command: the operating-system account."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def entries(store: Path, since: date | None = None, user: str | None = None) -> list[tuple]:
    """The log, oldest first, from `since` (a UTC day) on, of `user` only if given."""
    where, params = [], []
    if since is not None:
        where.append("at >= ?")
        params.append(since.isoformat())
    if user is not None:
        where.append("who = ?")
        params.append(user)
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY seq"
    with connection(store) as con:
        return con.execute(sql, params).fetchall()


def write_csv(rows: list[tuple], out: Path) -> None:
    """The entries as CSV; text a spreadsheet would run as a formula is made inert (a name or a
    file name is whatever a user typed)."""
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if v is None else neutralise(v) if isinstance(v, str) else v for v in row])
