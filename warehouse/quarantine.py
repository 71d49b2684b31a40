"""The quarantine: rows that broke a rule, with every reason and the raw values as read.

It holds the rejected rows of the latest load of each file: loading a file again replaces what
its earlier loads left here (the load log keeps every load's counts).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import connect

#: spreadsheet programs run a cell starting with one of these as a formula
_FORMULA_START = r"^[=+\-@]"


def record_quarantine(con: duckdb.DuckDBPyConnection, load_id: str, entity: str, file: str,
                      rows: pl.DataFrame) -> None:
    """Replace the quarantined rows of `file` with `rows` (row_number, reasons, raw), inside the
    caller's transaction."""
    con.execute("DELETE FROM quarantine WHERE entity = ? AND file = ?", [entity, file])
    if rows.height == 0:
        return
    staged = rows.select(
        pl.lit(load_id).alias("load_id"), pl.lit(entity).alias("entity"), pl.lit(file).alias("file"),
        "row_number", "reasons", "raw",
    ).to_arrow()
    con.register("quarantine_staging", staged)
    try:
        con.execute("INSERT INTO quarantine SELECT * FROM quarantine_staging")
    finally:
        con.unregister("quarantine_staging")


def quarantined_rows(warehouse: Path, entity: str | None = None) -> pl.DataFrame:
    """The quarantined rows (optionally of one entity), by entity, file and row (read-only)."""
    con = connect(warehouse, read_only=True)
    try:
        query = "SELECT entity, file, row_number, reasons, raw, load_id FROM quarantine"
        params: list = []
        if entity is not None:
            query += " WHERE entity = ?"
            params.append(entity)
        return con.sql(query + " ORDER BY entity, file, row_number", params=params).pl()
    finally:
        con.close()


def neutralised(cell: pl.Expr) -> pl.Expr:
    """Text a spreadsheet shows as typed: a leading = + - @ is escaped with a quote."""
    return pl.when(cell.str.contains(_FORMULA_START)).then(pl.lit("'") + cell).otherwise(cell)


def write_quarantine_csv(rows: pl.DataFrame, out: Path) -> Path:
    """Write quarantined rows as CSV (entity, file, row_number, reasons, raw); reasons are joined
    with ' | '. Cells that a spreadsheet would run as formulas are neutralised."""
    table = rows.select(
        neutralised(pl.col("entity")).alias("entity"),
        neutralised(pl.col("file")).alias("file"),
        pl.col("row_number"),
        neutralised(pl.col("reasons").list.join(" | ")).alias("reasons"),
        neutralised(pl.col("raw")).alias("raw"),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    table.write_csv(out)
    return out
