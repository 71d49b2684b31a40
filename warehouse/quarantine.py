"""The quarantine: rows that broke a rule, with every reason, the rule each reason breaks and the
row's contract columns as the file had them (after its mapping).

It holds the rejected rows of the latest load of each file: loading a file again replaces what
its earlier loads left here (the load log keeps every load's counts). `write_fix_file` writes the
rows of an entity in their own columns plus `reasons`, `source_file` and `source_row`: fixed in a
spreadsheet and loaded again (`agora ingest fix-me.csv`), each row's earlier entry leaves the
quarantine, whether it now loads or is quarantined again under the fixed file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.contract import ENTITIES
from warehouse.db import connect

#: spreadsheet programs run a cell starting with one of these as a formula (or break the row on tab/CR)
_FORMULA_START = r"^[=+\-@\t\r]"
#: what `neutralised` puts before such a cell
_NEUTRALISER = "'"
REASONS = "reasons"
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"
#: the columns a fix file has beside the entity's own; ingest reads the last two, loads none
FIX_COLUMNS = (REASONS, SOURCE_FILE, SOURCE_ROW)


def record_quarantine(con: duckdb.DuckDBPyConnection, load_id: str, entity: str, file: str,
                      rows: pl.DataFrame) -> None:
    """Replace the quarantined rows of `file` with `rows` (row_number, reasons, rules, rule_texts,
    raw), inside the caller's transaction."""
    for table in ("quarantine", "quarantine_rules"):
        con.execute(f"DELETE FROM {table} WHERE entity = ? AND file = ?", [entity, file])
    if rows.height == 0:
        return
    where = [pl.lit(load_id).alias("load_id"), pl.lit(entity).alias("entity"), pl.lit(file).alias("file"), "row_number"]
    staged = rows.select(*where, "reasons", "raw")
    rules = rows.select(*where, pl.int_ranges(1, pl.col("rules").list.len() + 1, dtype=pl.Int32).alias("position"),
                        "rules", "rule_texts").explode("position", "rules", "rule_texts")
    con.register("quarantine_staging", staged.to_arrow())
    con.register("quarantine_rules_staging", rules.to_arrow())
    try:
        con.execute("INSERT INTO quarantine (load_id, entity, file, row_number, reasons, raw) "
                    "SELECT * FROM quarantine_staging")
        con.execute("INSERT INTO quarantine_rules (load_id, entity, file, row_number, position, rule, rule_text) "
                    "SELECT * FROM quarantine_rules_staging")
    finally:
        con.unregister("quarantine_staging")
        con.unregister("quarantine_rules_staging")


def forget_fixed_rows(con: duckdb.DuckDBPyConnection, entity: str, origins: pl.DataFrame) -> None:
    """Remove the quarantine entries a fixed file's rows came from (`file`, `row_number`), inside the
    caller's transaction: each row now loads, or is quarantined again under the fixed file."""
    known = origins.drop_nulls()
    if known.height == 0:
        return
    con.register("fixed_rows", known.unique().to_arrow())
    try:
        for table in ("quarantine", "quarantine_rules"):
            con.execute(f"DELETE FROM {table} USING fixed_rows WHERE {table}.entity = ? "
                        f"AND {table}.file = fixed_rows.file AND {table}.row_number = fixed_rows.row_number", [entity])
    finally:
        con.unregister("fixed_rows")


def quarantined_rows(warehouse: Path, entity: str | None = None) -> pl.DataFrame:
    """The quarantined rows (optionally of one entity), by entity, file and row (read-only).
    `rules` and `rule_texts` are those of each reason (a row quarantined before they were kept has
    its reasons as its rule texts)."""
    con = connect(warehouse, read_only=True)
    try:
        query = ("SELECT entity, file, row_number, reasons, raw, load_id, coalesce(rules, []) AS rules, "
                 "coalesce(rule_texts, reasons) AS rule_texts FROM quarantine LEFT JOIN ("
                 "  SELECT entity, file, row_number, list(rule ORDER BY position) AS rules,"
                 "         list(rule_text ORDER BY position) AS rule_texts"
                 "  FROM quarantine_rules GROUP BY entity, file, row_number"
                 ") USING (entity, file, row_number)")
        params: list = []
        if entity is not None:
            query += " WHERE entity = ?"
            params.append(entity)
        return con.sql(query + " ORDER BY entity, file, row_number", params=params).pl()
    finally:
        con.close()


def reasons_by_rule(rows: pl.DataFrame) -> pl.DataFrame:
    """The quarantine grouped by rule (entity, rule, rows), most broken first."""
    return rows.select("entity", "rule_texts").explode("rule_texts").group_by("entity", "rule_texts").agg(
        pl.len().alias("rows")).rename({"rule_texts": "rule"}).sort(
        ["rows", "entity", "rule"], descending=[True, False, False])


def neutralised(cell: pl.Expr) -> pl.Expr:
    """Text a spreadsheet shows as typed: a leading = + - @ (or tab, CR) is escaped with a quote."""
    return pl.when(cell.str.contains(_FORMULA_START)).then(pl.lit(_NEUTRALISER) + cell).otherwise(cell)


def unneutralised(cell: pl.Expr) -> pl.Expr:
    """A cell of a fix file as it was before `neutralised` escaped it."""
    escaped = cell.str.starts_with(_NEUTRALISER) & cell.str.slice(1).str.contains(_FORMULA_START)
    return pl.when(escaped).then(cell.str.slice(1)).otherwise(cell)


def write_fix_file(rows: pl.DataFrame, entity: str, out: Path) -> Path:
    """Write the quarantined rows of one entity as a CSV to fix and load again: the entity's columns
    as the file had them, then `reasons` (joined with ' | '), `source_file` and `source_row`.
    Cells that a spreadsheet would run as formulas are neutralised (ingest undoes it for this file)."""
    columns = ENTITIES[entity].column_names
    mine = rows.filter(pl.col("entity") == entity)
    values = mine.select(pl.col("raw").str.json_decode(pl.Struct({c: pl.String for c in columns}))
                         .struct.unnest()) if mine.height else pl.DataFrame(schema={c: pl.String for c in columns})
    table = pl.concat([values, mine.select(
        pl.col("reasons").list.join(" | ").alias(REASONS), pl.col("file").alias(SOURCE_FILE),
        pl.col("row_number").cast(pl.String).alias(SOURCE_ROW))], how="horizontal")
    out.parent.mkdir(parents=True, exist_ok=True)
    table.select(neutralised(pl.col(c)).alias(c) for c in table.columns).write_csv(out)
    return out


def write_fix_files(rows: pl.DataFrame, out: Path) -> list[Path]:
    """One fix file per entity in quarantine: `out` itself for one entity, `<stem>-<entity>.csv`
    beside it for several (a file holds one entity's columns)."""
    present = set(rows.get_column("entity").to_list())
    entities = [e for e in ENTITIES if e in present]
    if len(entities) == 1:
        return [write_fix_file(rows, entities[0], out)]
    return [write_fix_file(rows, e, out.with_name(f"{out.stem}-{e}{out.suffix or '.csv'}")) for e in entities]
