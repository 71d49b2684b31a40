"""Builds kept in the warehouse: each `agora build` is a run whose indicator table is stored.

The run id is derived, not random: a short sha256 of the data hash, the catalogue hash, the code
version and the build date, so the same data, code and as-of give the same run (rebuilding
replaces its rows) and byte-identical exports. Earlier runs stay queryable by their id.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

import foundation
from foundation.errors import AgoraError
from metrics.catalogue import Catalogue, load_catalogue
from metrics.engine import SORT_KEY, TABLE_COLUMNS, indicator_table, partial_period
from metrics.validate import check_indicator_table
from warehouse.contract import LOAD_ORDER, ENTITIES
from warehouse.db import connect, rollback

#: the files whose code decides the numbers: part of the code version
_ENGINE_FILES = ("catalogue.py", "cells.py", "engine.py", "sources.py", "special.py")
#: what a run stores: `suppressed` depends on the audience and `partial` on period_end and as_of
_STORED_COLUMNS = tuple(c for c in TABLE_COLUMNS if c not in ("suppressed", "partial"))


class UnknownRun(AgoraError):
    """A run id the warehouse does not hold."""


@dataclass(frozen=True)
class Run:
    run_id: str
    as_of: date
    rows: int
    #: step -> seconds
    timings: dict[str, float]
    #: the output suite's summary
    validation: dict
    data_hash: str
    catalogue_hash: str
    code_version: str

    def render(self) -> str:
        """One screen: what was built, from what, and where the time went."""
        checks = self.validation.get("checks", [])
        lines = [
            f"Run {self.run_id}: {self.rows:,} indicator rows as of {self.as_of.isoformat()}",
            f"  output checks: {sum(c['success'] for c in checks)} of {len(checks)} passed",
            f"  data {self.data_hash[:12]}  catalogue {self.catalogue_hash[:12]}  code {self.code_version}",
            "  timings:",
        ]
        lines += [f"    {step:45} {seconds:8.2f} s" for step, seconds in self.timings.items()]
        return "\n".join(lines)


@cache
def code_version() -> str:
    """The package version and a hash of the engine's source: another engine, another run id."""
    digest = hashlib.sha256()
    folder = Path(__file__).parent
    for name in _ENGINE_FILES:
        digest.update((folder / name).read_bytes())
    return f"{foundation.__version__}+{digest.hexdigest()[:10]}"


def data_hash(con: duckdb.DuckDBPyConnection) -> str:
    """A content hash of the nine entity tables, independent of row order (computed in DuckDB)."""
    digest = hashlib.sha256()
    for entity in LOAD_ORDER:
        # identifiers from our own contract, never from user text
        columns = ", ".join(f'"{c}"' for c in ENTITIES[entity].column_names)
        rows, summed = con.sql(f'SELECT count(*), coalesce(sum(hash({columns})), 0) FROM "{entity}"').fetchall()[0]
        digest.update(f"{entity}:{rows}:{summed};".encode())
    return digest.hexdigest()


def derive_run_id(data: str, catalogue: Catalogue, as_of: date) -> str:
    key = "|".join((data, catalogue.hash, code_version(), as_of.isoformat()))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def build_run(warehouse: Path | str, as_of: date) -> Run:
    """Compute every indicator at `as_of`, check the table, and keep it as a run in the warehouse.

    A table that fails its output checks raises `OutputCheckFailed` and nothing is stored.
    """
    catalogue = load_catalogue()
    con = connect(warehouse)
    try:
        started = time.perf_counter()
        data = data_hash(con)
        run_id = derive_run_id(data, catalogue, as_of)
        hashed = time.perf_counter() - started
        result = indicator_table(con, as_of, run_id, catalogue)
        timings = {"hash data": hashed, **result.timings}

        started = time.perf_counter()
        validation = check_indicator_table(result.table, catalogue.ids, result.expected_indicators)
        timings["check outputs"] = time.perf_counter() - started

        started = time.perf_counter()
        timings["store"] = 0.0
        timings["total"] = 0.0
        run = Run(run_id=run_id, as_of=as_of, rows=result.table.height, timings=timings, validation=validation,
                  data_hash=data, catalogue_hash=catalogue.hash, code_version=code_version())
        _store(con, run, result.table)
        timings["store"] = time.perf_counter() - started
        timings["total"] = sum(v for k, v in timings.items() if k != "total")
        con.execute("UPDATE runs SET timings = ? WHERE run_id = ?", [json.dumps(timings), run_id])
        return run
    finally:
        con.close()


def _store(con: duckdb.DuckDBPyConnection, run: Run, table: pl.DataFrame) -> None:
    """Replace the run's rows, atomically."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM indicator_values WHERE run_id = ?", [run.run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run.run_id])
        con.execute(
            "INSERT INTO runs (run_id, as_of, built_at, catalogue_hash, data_hash, code_version, timings, "
            "validation, row_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run.run_id, run.as_of, datetime.now(), run.catalogue_hash, run.data_hash, run.code_version,
             json.dumps(run.timings), json.dumps(run.validation), run.rows],
        )
        new_rows = table.select(_STORED_COLUMNS).to_arrow()
        con.register("new_indicator_values", new_rows)
        columns = ", ".join(_STORED_COLUMNS)
        con.execute(f"INSERT INTO indicator_values ({columns}) SELECT {columns} FROM new_indicator_values")
        con.unregister("new_indicator_values")
        con.execute("COMMIT")
    except Exception:
        rollback(con)
        raise


def list_runs(warehouse: Path | str) -> pl.DataFrame:
    """Every kept run, newest first."""
    con = connect(warehouse, read_only=True)
    try:
        return con.sql("""
            SELECT run_id, as_of, built_at, row_count, data_hash, catalogue_hash, code_version
            FROM runs ORDER BY built_at DESC, run_id""").pl()
    finally:
        con.close()


def run_table(warehouse: Path | str, run_id: str | None = None) -> pl.DataFrame:
    """The indicator table of a kept run (the latest built when `run_id` is None), internal and
    unsuppressed, in the spec's column order and sort order."""
    con = connect(warehouse, read_only=True)
    try:
        known = [r[0] for r in con.sql("SELECT run_id FROM runs ORDER BY built_at DESC, run_id").fetchall()]
        if not known:
            raise UnknownRun(f"The warehouse {warehouse} has no indicator runs yet; run `agora build` first.")
        chosen = known[0] if run_id is None else run_id
        if chosen not in known:
            raise UnknownRun(f"There is no run {run_id!r} in the warehouse {warehouse}. "
                             f"Known runs, newest first: {', '.join(known)}.")
        stored = con.sql(
            f"SELECT {', '.join(_STORED_COLUMNS)} FROM indicator_values WHERE run_id = ?", params=[chosen]).pl()
    finally:
        con.close()
    return (stored.with_columns(suppressed=pl.lit(False), partial=partial_period())
            .select(TABLE_COLUMNS).sort(SORT_KEY))
