"""Builds kept in the warehouse: each `agora build` is a run whose indicator table is stored.

The run id is derived, not random: a short sha256 of the data hash, the catalogue's text, the code
that computes (every module of `metrics` and the vocabulary), the reference data and the build date,
so the same data, code, catalogue and as-of give the same run (rebuilding replaces its rows) and
byte-identical exports, and two builds with different catalogues are two runs. Each run keeps its
catalogue's text, and `run_catalogue` reads it back: whatever reads a run reads that catalogue.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

import foundation
from foundation.errors import AgoraError
from foundation.vocabulary import CROSS
from metrics.catalogue import Catalogue, catalogue_from_text, load_catalogue
from metrics.engine import SORT_KEY, TABLE_COLUMNS, indicator_table, partial_period
from expectations.runner import warm_up
from metrics.validate import check_indicator_table
from warehouse.contract import LOAD_ORDER, ENTITIES
from warehouse.db import connect, rollback
from warehouse.reference import REFERENCE_DIR

#: the code that decides the numbers: every module of metrics, the vocabulary and the reference tables'
#: code (the regional groups are declared there)
_CODE_FILES = (*sorted(Path(__file__).parent.glob("*.py")), Path(foundation.__file__).with_name("vocabulary.py"),
               REFERENCE_DIR.with_name("reference.py"))
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
    #: sha256 of the reference data files (countries, regional groups, UPR sessions)
    reference_hash: str = ""
    #: what the build read differently from what was written (targets read as per cents, or left out)
    warnings: tuple[str, ...] = ()

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
        lines += ["  warnings:", *(f"    {warning}" for warning in self.warnings)] if self.warnings else []
        return "\n".join(lines)


@cache
def code_version() -> str:
    """The package version and a hash of the code that computes: another engine, another run id."""
    digest = hashlib.sha256()
    for path in _CODE_FILES:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{foundation.__version__}+{digest.hexdigest()[:10]}"


@cache
def reference_hash() -> str:
    """A hash of the reference data files the build reads (warehouse/reference/*.csv)."""
    digest = hashlib.sha256()
    for path in sorted(REFERENCE_DIR.glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


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
    key = "|".join((data, catalogue.hash, code_version(), reference_hash(), as_of.isoformat()))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def build_run(warehouse: Path | str, as_of: date, catalogue: Catalogue | None = None) -> Run:
    """Compute every indicator of `catalogue` (the shipped one by default) at `as_of`, check the table,
    and keep it as a run in the warehouse with the catalogue's text.

    A table that fails its output checks raises `OutputCheckFailed` and nothing is stored.
    """
    catalogue = catalogue or load_catalogue()
    build_started = time.perf_counter()
    # GX takes seconds to import: it does so while the engine assembles the table (polars leaves the GIL
    # free) and the check prepares its columns, once the records are freed (so its memory does not add to
    # the engine's peak; started earlier, its importing holds the GIL the engine's threads need between
    # their polars calls, and the build takes longer)
    checks_ready = threading.Thread(target=warm_up, name="output checks warm-up", daemon=True)
    con = connect(warehouse)
    try:
        started = time.perf_counter()
        data = data_hash(con)
        run_id = derive_run_id(data, catalogue, as_of)
        hashed = time.perf_counter() - started
        result = indicator_table(con, as_of, run_id, catalogue, records_freed=checks_ready.start)
        timings = {"hash data": hashed, **result.timings}

        started = time.perf_counter()
        # the build's warnings are kept with its validation summary
        validation = {**check_indicator_table(result.table, catalogue.ids, result.expected_indicators),
                      "warnings": list(result.targets.warnings)}
        timings["check outputs"] = time.perf_counter() - started

        started = time.perf_counter()
        timings["store"] = 0.0
        timings["total"] = 0.0
        run = Run(run_id=run_id, as_of=as_of, rows=result.table.height, timings=timings, validation=validation,
                  data_hash=data, catalogue_hash=catalogue.hash, code_version=code_version(),
                  reference_hash=reference_hash(), warnings=result.targets.warnings)
        _store(con, run, result.table, catalogue, result.targets.programme)
        timings["store"] = time.perf_counter() - started
        timings["total"] = time.perf_counter() - build_started  # (the engine's threads overlap its steps)
        con.execute("UPDATE runs SET timings = ? WHERE run_id = ?", [json.dumps(timings), run_id])
        return run
    finally:
        con.close()


def _store(con: duckdb.DuckDBPyConnection, run: Run, table: pl.DataFrame, catalogue: Catalogue,
           programme_targets: pl.DataFrame) -> None:
    """Replace the run's rows, its kept catalogue and life-of-programme targets included, atomically."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM run_programme_targets WHERE run_id = ?", [run.run_id])
        if not programme_targets.is_empty():
            con.executemany("INSERT INTO run_programme_targets VALUES (?, ?, ?, ?)",
                            [(run.run_id, *row) for row in programme_targets.rows()])
        con.execute("DELETE FROM indicator_values WHERE run_id = ?", [run.run_id])
        con.execute("DELETE FROM run_catalogue_rows WHERE run_id = ?", [run.run_id])
        con.execute("DELETE FROM run_catalogues WHERE run_id = ?", [run.run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run.run_id])
        con.execute(
            "INSERT INTO runs (run_id, as_of, built_at, catalogue_hash, data_hash, code_version, timings, "
            "validation, row_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run.run_id, run.as_of, datetime.now(), run.catalogue_hash, run.data_hash, run.code_version,
             json.dumps(run.timings), json.dumps(run.validation), run.rows],
        )
        con.execute("INSERT INTO run_catalogues VALUES (?, ?, ?)", [run.run_id, catalogue.text, run.reference_hash])
        con.executemany("INSERT INTO run_catalogue_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(run.run_id, *row) for row in catalogue.reference_rows()])
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


def _chosen_run(con: duckdb.DuckDBPyConnection, warehouse: Path | str, run_id: str | None) -> str:
    """The run asked for, or the latest built; a clear error when there is none of that id."""
    known = [r[0] for r in con.sql("SELECT run_id FROM runs ORDER BY built_at DESC, run_id").fetchall()]
    if not known:
        raise UnknownRun(f"The warehouse {warehouse} has no indicator runs yet; run `agora build` first.")
    chosen = known[0] if run_id is None else run_id
    if chosen not in known:
        raise UnknownRun(f"There is no run {run_id!r} in the warehouse {warehouse}. "
                         f"Known runs, newest first: {', '.join(known)}.")
    return chosen


def run_table(warehouse: Path | str, run_id: str | None = None, crossed: bool = True,
              grains: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The indicator table of a kept run (the latest built when `run_id` is None), internal and
    unsuppressed, in the spec's column order and sort order. A reader that needs no crossed cell
    (`crossed=False`) or only some grains reads only those rows: most of a run is crossed cells."""
    conditions, params = ["run_id = ?"], []
    if not crossed:
        conditions.append("NOT contains(breakdown, ?)")
        params.append(CROSS)
    if grains is not None:
        conditions.append("list_contains(?, grain)")
        params.append(list(grains))
    con = connect(warehouse, read_only=True)
    try:
        chosen = _chosen_run(con, warehouse, run_id)
        stored = con.sql(f"SELECT {', '.join(_STORED_COLUMNS)} FROM indicator_values WHERE {' AND '.join(conditions)}",
                         params=[chosen, *params]).pl()
    finally:
        con.close()
    return (stored.with_columns(suppressed=pl.lit(False), partial=partial_period())
            .select(TABLE_COLUMNS).sort(SORT_KEY))


def run_catalogue(warehouse: Path | str, run_id: str | None = None) -> Catalogue:
    """The catalogue a kept run (the latest built when `run_id` is None) was built with, read from the
    text the run keeps. A run kept before runs kept their catalogue was built with the shipped one."""
    con = connect(warehouse, read_only=True)
    try:
        chosen = _chosen_run(con, warehouse, run_id)
        kept = con.execute("SELECT catalogue_text FROM run_catalogues WHERE run_id = ?", [chosen]).fetchall()
    finally:
        con.close()
    return catalogue_from_text(kept[0][0], f"run {chosen}") if kept else load_catalogue()


def run_programme_targets(warehouse: Path | str, run_id: str | None = None) -> pl.DataFrame:
    """The life-of-programme targets (period LOP) a kept run read: indicator_id, baseline, target."""
    con = connect(warehouse, read_only=True)
    try:
        chosen = _chosen_run(con, warehouse, run_id)
        return con.sql("SELECT indicator_id, baseline, target FROM run_programme_targets WHERE run_id = ? "
                       "ORDER BY indicator_id", params=[chosen]).pl()
    finally:
        con.close()
