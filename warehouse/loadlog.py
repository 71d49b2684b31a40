"""The load log: one row per file or frame loaded, rows_read = rows_loaded + rows_quarantined."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import connect


@dataclass(frozen=True)
class LoadRecord:
    load_id: str
    file: str
    content_hash: str
    entity: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    warnings: tuple[str, ...]
    started_at: datetime
    finished_at: datetime


def record_load(con: duckdb.DuckDBPyConnection, record: LoadRecord) -> None:
    """Add a load to the log, inside the caller's transaction."""
    con.execute(
        "INSERT INTO load_log (load_id, file, content_hash, entity, rows_read, rows_loaded, rows_quarantined, "
        "warnings, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record.load_id, record.file, record.content_hash, record.entity, record.rows_read, record.rows_loaded,
         record.rows_quarantined, list(record.warnings), record.started_at, record.finished_at],
    )


def list_loads(warehouse: Path) -> pl.DataFrame:
    """The load log, newest first (opens the warehouse read-only; never creates it)."""
    con = connect(warehouse, read_only=True)
    try:
        return con.sql(
            "SELECT finished_at, entity, file, rows_read, rows_loaded, rows_quarantined, warnings, "
            "content_hash, load_id, started_at FROM load_log ORDER BY finished_at DESC, load_id DESC"
        ).pl()
    finally:
        con.close()
