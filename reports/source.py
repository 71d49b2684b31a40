"""What a report reads from the warehouse: one kept run, its indicator rows as the audience may
see them, the catalogue, and the load and quarantine records behind the data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from foundation.errors import AgoraError
from metrics.achievement import with_achieved
from metrics.catalogue import Catalogue
from metrics.disclosure import apply_disclosure
from metrics.export import RunInfo, chosen_run
from metrics.runs import run_catalogue, run_programme_targets, run_table
from warehouse.db import connect

#: the entities that carry their own reference date (participations are dated by their engagement)
REFERENCE_DATE_COLUMNS = {
    "engagements": "start_date",
    "submissions": "received_on",
    "recommendations": "issued_on",
    "follow_ups": "reported_on",
    "feedback": "submitted_on",
}

#: the raw values inside a quarantine reason (quoted, or in brackets, as `warehouse.ingest` writes
#: them): a report counts reasons by the rule they state; `agora quarantine` lists the rows themselves
_RAW_VALUE = re.compile(r"'[^']*'|\"[^\"]*\"|\([^)]*\)|\brow \d+")


@dataclass(frozen=True)
class ReportSource:
    run: RunInfo
    #: the output validation result the run kept (JSON object)
    validation: dict
    audience: str
    threshold: int
    #: the indicator table of the run, disclosure applied for the audience, with per cent `achieved`;
    #: without crossed cells (a mechanism's own breakdowns), which the plain breakdown tables must not mix in
    table: pl.DataFrame
    catalogue: Catalogue
    #: one row per load: file, entity, rows read/loaded/quarantined, finished_at
    loads: pl.DataFrame
    #: one row per check of each load's validation: entity, finished_at, position, rule, expectation,
    #: rows_checked, rows_failing, success (counts and rule names only, never a value)
    record_checks: pl.DataFrame
    #: the run's life-of-programme targets (period LOP): indicator_id, baseline, target
    programme: pl.DataFrame
    #: quarantine reasons (raw values masked) counted by entity
    quarantine: pl.DataFrame
    #: per entity: last load and newest reference date
    freshness: pl.DataFrame

    @property
    def indicators(self) -> tuple:
        return self.catalogue.indicators


class ReportSourceError(AgoraError):
    """The warehouse cannot give a report what it needs."""


def read_report_source(warehouse: Path, run_id: str | None, audience: str, threshold: int) -> ReportSource:
    run = chosen_run(warehouse, run_id)
    catalogue = run_catalogue(warehouse, run.run_id)
    # Crossed cells (most of a run) are left in the warehouse: no report shows them, and the public
    # edition, whose withheld rows depend on the rows around them, holds none either.
    internal = run_table(warehouse, run.run_id, crossed=False)
    # Disclosure first: a withheld value must leave no per cent achieved behind to tell it.
    table = with_achieved(apply_disclosure(internal, audience, threshold), catalogue)
    programme = run_programme_targets(warehouse, run.run_id)
    con = connect(warehouse, read_only=True)
    try:
        validation, built_at = _validation_and_build_time(con, run.run_id)
        loads = _loads(con, built_at)
        record_checks = _record_checks(con, built_at)
        quarantine = _quarantine_by_reason(con, built_at)
        freshness = _freshness(con, loads)
    finally:
        con.close()
    return ReportSource(
        run=run, validation=validation, audience=audience, threshold=threshold, table=table,
        catalogue=catalogue, loads=loads, record_checks=record_checks, programme=programme, quarantine=quarantine,
        freshness=freshness,
    )


def _validation_and_build_time(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[dict, datetime]:
    (text, built_at), = con.execute("SELECT validation, built_at FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return json.loads(text), built_at


def _loads(con: duckdb.DuckDBPyConnection, built_at: datetime) -> pl.DataFrame:
    """The loads the run was built on (those finished before it)."""
    return con.sql(
        "SELECT file, entity, rows_read, rows_loaded, rows_quarantined, finished_at "
        "FROM load_log WHERE finished_at <= ? ORDER BY finished_at, load_id", params=[built_at]
    ).pl()


def _record_checks(con: duckdb.DuckDBPyConnection, built_at: datetime) -> pl.DataFrame:
    """The checks of the loads the run was built on (loads from before Agora kept them have none)."""
    return con.sql(
        "SELECT l.entity, l.finished_at, v.position, v.rule, v.expectation, v.element_count AS rows_checked, "
        "v.unexpected_count AS rows_failing, v.success FROM validation_results v JOIN load_log l USING (load_id) "
        "WHERE l.finished_at <= ? ORDER BY l.finished_at, l.load_id, v.position", params=[built_at]
    ).pl()


def _quarantine_by_reason(con: duckdb.DuckDBPyConnection, built_at: datetime) -> pl.DataFrame:
    reasons = con.sql(
        "SELECT q.entity, unnest(q.reasons) AS reason FROM quarantine q JOIN load_log l USING (load_id) "
        "WHERE l.finished_at <= ?", params=[built_at]
    ).pl()
    # Raw values can be organisation ids or names, and would make every reason unique.
    reasons = reasons.with_columns(pl.col("reason").str.replace_all(_RAW_VALUE.pattern, "…"))
    return (
        reasons.group_by("entity", "reason").agg(rows=pl.len().cast(pl.Int64))
        .sort(["entity", "rows", "reason"], descending=[False, True, False])
    )


def _freshness(con: duckdb.DuckDBPyConnection, loads: pl.DataFrame) -> pl.DataFrame:
    last_loaded = loads.group_by("entity").agg(last_loaded=pl.col("finished_at").max())
    newest = [
        (entity, con.sql(f"SELECT max({column}) FROM {entity}").fetchall()[0][0])
        for entity, column in REFERENCE_DATE_COLUMNS.items()
    ]
    newest_records = pl.DataFrame(newest, schema={"entity": pl.String, "newest_record": pl.Date}, orient="row")
    return last_loaded.join(newest_records, on="entity", how="full", coalesce=True).sort("entity")
