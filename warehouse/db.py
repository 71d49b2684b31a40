"""Opening the warehouse: numbered migrations recorded in the database, and a version guard."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

from warehouse.faults import MissingFile, WarehouseError, damaged, explain, read_only as unwritable
from warehouse.integrity import damage_in_file

__all__ = ["WarehouseError", "connect", "migrate", "rollback", "schema_version", "latest_schema_version"]


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
            f"knows schema versions up to {newest}: upgrade Agora to open it."
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
            rollback(con)
            raise
        applied.append(number)
    return applied


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the open transaction, if DuckDB still has one. A COMMIT that failed (a full disk, a folder
    that cannot take the journal) has already ended it, and a second error would hide the first."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to a warehouse file that exists and checks out block by block."""
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise explain(exc, path) from None
    try:
        # Checked once the lock is held, so no writer changes the file under the check.
        damage = damage_in_file(path)
    except OSError as exc:
        con.close()
        raise explain(exc, path) from None
    if damage:
        con.close()
        raise damaged(path, damage)
    return con


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating and migrating it when writable. A damaged, read-only, busy or
    missing warehouse raises a `WarehouseError` saying so and what to do."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise MissingFile(f"There is no warehouse at {path}: run `agora ingest` first, or give its path with --warehouse.")
        con = _open(path, True)
        try:
            version = schema_version(con)
        except duckdb.Error as exc:
            con.close()
            raise explain(exc, path) from None
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
            con = _open(path, True)
        return con
    # Asked before DuckDB is: it fails on a read-only folder only at the first COMMIT, mid-command.
    refused = unwritable(path)
    if refused is not None:
        raise refused
    con = _open(path, False)
    try:
        migrate(con)
        _settle_journal(con, path)
    except Exception as exc:
        con.close()
        raise explain(exc, path) from None
    return con


def _settle_journal(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Remove a journal (.wal) a killed or failed command left behind. Opening for writing has replayed
    every transaction it committed; after a CHECKPOINT those are in the file, and what is left in the
    journal was never committed (DuckDB keeps such a file and would read it again at every open)."""
    journal = path.with_name(path.name + ".wal")
    if journal.exists():
        con.execute("CHECKPOINT")
        journal.unlink(missing_ok=True)
