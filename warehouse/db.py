"""Opening the warehouse: numbered migrations recorded in the database, and a version guard."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

from foundation.errors import AgoraError


class WarehouseError(AgoraError):
    """A problem with the warehouse file, worded for a programme officer."""


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append((int(number), rest.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_schema_version() -> int:
    return _migrations()[-1][0]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.sql("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations this warehouse lacks, each in its own transaction; return their numbers."""
    current = schema_version(con)
    newest = latest_schema_version()
    if current > newest:
        raise WarehouseError(
            f"This warehouse was written by a newer Agora (schema version {current}); this Agora "
            f"knows schema versions up to {newest}. Upgrade Agora to open it."
        )
    applied = []
    for number, name, sql in _migrations():
        if number <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating and migrating it when writable."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise WarehouseError(f"There is no warehouse at {path}. Run `agora ingest` first.")
        con = duckdb.connect(str(path), read_only=True)
        version = schema_version(con)
        if version > latest_schema_version():
            con.close()
            raise WarehouseError(
                f"The warehouse {path} was written by a newer Agora; upgrade Agora to read it."
            )
        if version < latest_schema_version():
            # A reader of a warehouse written by an older Agora (a report right after an upgrade) would
            # otherwise meet missing tables: migrations only add, so upgrade it in place first.
            con.close()
            connect(path).close()
            con = duckdb.connect(str(path), read_only=True)
        return con
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise WarehouseError(
            f"The warehouse {path} is in use by another Agora command or cannot be opened ({exc})."
        ) from exc
    try:
        migrate(con)
    except Exception:
        con.close()
        raise
    return con
