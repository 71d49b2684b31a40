"""The published snapshot: a small read-only DuckDB file the dashboards open instead of the warehouse.

The pipeline holds the warehouse open for writing during `agora ingest` and `agora build`, and a
DuckDB file open for writing cannot be opened by another process at all. So after each ingest and
build we copy what the dashboards need into a new file beside the warehouse and swap it in with
`os.replace`: a dashboard reading the old file keeps a consistent view, the next request sees the
new one, and nobody waits for anybody.

What it holds (no raw records: they may name organisations):
  indicator_values    the latest run's indicator table, internal (unsuppressed), spec column order
  runs                every run, newest first, without the indicator rows
  load_log            every load, newest first
  quarantine_summary  quarantined rows counted by entity and rule broken (no values)
  freshness           per entity: rows held, latest reference date, last load
  validation          the latest run's output validation, one row per check
  record_validation   the checks of each entity's latest load, one row per check (counts, no values)
  catalogue           the indicator catalogue the latest run was built with (its kept reference rows)
  mechanisms          mechanism id, name and kind (the dashboard's mechanism filter)

`publish_public_snapshot` writes a second file for public dashboards from the first: the same
tables with the indicator table given by the caller (already protected), no file names (a file
may be named after what it holds) and no quarantine reasons (a reason may quote a record).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from foundation.errors import AgoraError
from warehouse.contract import ENTITIES, LOAD_ORDER
from warehouse.db import connect
from warehouse.faults import NoSpaceLeft, ReadOnlyLocation, explain, read_only as unwritable
from warehouse.integrity import damage_in_file
from warehouse.partials import clear_stale_partials, fsync, partial_path, remove_partial

#: the column dating each entity's records (spec: "reference date"); participations are dated by
#: their engagement, and entities without a date (mechanisms, organisations, targets) have none
_REFERENCE_DATE_SQL = {
    "engagements": "SELECT max(start_date) FROM wh.engagements",
    "participations": "SELECT max(e.start_date) FROM wh.participations p "
                      "JOIN wh.engagements e USING (engagement_id)",
    "submissions": "SELECT max(received_on) FROM wh.submissions",
    "recommendations": "SELECT max(issued_on) FROM wh.recommendations",
    "follow_ups": "SELECT max(reported_on) FROM wh.follow_ups",
    "feedback": "SELECT max(submitted_on) FROM wh.feedback",
}

INDICATOR_COLUMNS = (
    "indicator_id, indicator_name, area, unit, grain, period, period_start, period_end, breakdown, "
    "breakdown_value, numerator, denominator, value, baseline, target, status, "
    "false AS suppressed, as_of, run_id, period_end > as_of AS partial"
)


#: every table a snapshot holds; a file lacking one is not a snapshot the dashboards can read
SNAPSHOT_TABLES = ("runs", "indicator_values", "load_log", "quarantine_summary", "freshness", "validation",
                   "record_validation", "catalogue", "mechanisms")


class PublishFailed(AgoraError):
    """The snapshot could not be written or did not check out; the previous one still serves."""


def publish_snapshot(warehouse: Path, snapshot: Path) -> Path:
    """Write the dashboards' snapshot of `warehouse` to `snapshot`, replacing any older one atomically.

    The new file is checked before it replaces the old one (every table present with the row count
    of the source, checkpointed, its blocks whole, synced to disk): on any failure the previous
    snapshot stays, nothing is left behind, and `PublishFailed` says why; the next publish retries.
    """
    warehouse, snapshot = Path(warehouse), Path(snapshot)
    # Open through the one entry point: a damaged warehouse is refused, an older one upgraded, a
    # missing one created (so a fresh install publishes an empty snapshot), and a journal left by a
    # command that could not checkpoint (a full disk) applied to the file.
    journal = warehouse.with_name(warehouse.name + ".wal")
    if not warehouse.exists() or journal.exists():
        try:
            connect(warehouse).close()
        except (NoSpaceLeft, ReadOnlyLocation):
            pass  # the journal stays for a later writer; reading sees what it holds all the same
    connect(warehouse, read_only=True).close()
    refused = unwritable(snapshot, what="snapshot")
    if refused is not None:
        raise PublishFailed(str(refused))
    clear_stale_partials(snapshot)
    partial = partial_path(snapshot)
    try:
        con = duckdb.connect(str(partial))
        try:
            con.execute("ATTACH ? AS wh (READ_ONLY)", [str(warehouse)])
            _copy_snapshot_tables(con)
            expected = _expected_rows(con)
            con.execute("DETACH wh")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        fsync(partial)
        verify_published(partial, expected)
        os.replace(partial, snapshot)
        fsync(snapshot.parent)
    except (duckdb.Error, OSError) as exc:
        # Name the snapshot, not the hidden partial file the user never sees.
        reason = str(explain(exc, snapshot, what="snapshot"))
        for name in (f"{partial.resolve()}.wal", str(partial.resolve()), f"{partial}.wal", str(partial)):
            reason = reason.replace(name, str(snapshot))
        raise PublishFailed(reason) from None
    finally:
        remove_partial(partial)
    return snapshot


def _expected_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The row count each snapshot table must hold: the source's where a table copies it, and what
    was written where a table is derived (checked again once the file is closed and reopened)."""
    from_source = {
        "runs": "SELECT count(*) FROM wh.runs",
        "indicator_values": "SELECT count(*) FROM wh.indicator_values "
                            "WHERE run_id = (SELECT run_id FROM wh.runs ORDER BY built_at DESC, run_id LIMIT 1)",
        "load_log": "SELECT count(*) FROM wh.load_log",
        "mechanisms": "SELECT count(*) FROM wh.mechanisms",
    }
    expected = {table: con.sql(query).fetchall()[0][0] for table, query in from_source.items()}
    expected["freshness"] = len(ENTITIES)
    for table in SNAPSHOT_TABLES:
        if table not in expected:
            expected[table] = con.sql(f"SELECT count(*) FROM main.{table}").fetchall()[0][0]
    return expected


def verify_published(path: Path, expected_tables: dict[str, int]) -> None:
    """Check a written snapshot file before it is published: it is checkpointed (no journal beside
    it), its blocks are whole, and it holds each expected table with exactly its row count. Raises
    `PublishFailed` naming the first thing wrong."""
    path = Path(path)
    if path.with_name(path.name + ".wal").exists():
        raise PublishFailed(f"The new snapshot was not checkpointed (its journal {path.name}.wal is still there).")
    damage = damage_in_file(path)
    if damage:
        raise PublishFailed(f"The new snapshot is damaged: {damage}.")
    con = duckdb.connect(str(path), read_only=True)
    try:
        held = {row[0] for row in con.sql(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        for table, rows in expected_tables.items():
            if table not in held:
                raise PublishFailed(f"The new snapshot lacks its table {table}.")
            # Table names come from our own list, never from user text.
            found = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            if found != rows:
                raise PublishFailed(f"The new snapshot's table {table} holds {found:,} rows where its source "
                                    f"holds {rows:,}.")
    finally:
        con.close()


def _copy_snapshot_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE runs AS
        SELECT run_id, as_of, built_at, code_version, row_count, validation
        FROM wh.runs ORDER BY built_at DESC, run_id
    """)
    con.execute(f"""
        CREATE TABLE indicator_values AS
        SELECT {INDICATOR_COLUMNS} FROM wh.indicator_values
        WHERE run_id = (SELECT run_id FROM runs LIMIT 1)
        ORDER BY indicator_id, grain, period, breakdown, breakdown_value
    """)
    con.execute("""
        CREATE TABLE load_log AS
        SELECT file, entity, rows_read, rows_loaded, rows_quarantined, len(warnings) AS warnings,
               started_at, finished_at
        FROM wh.load_log ORDER BY finished_at DESC, load_id DESC
    """)
    con.execute("""
        CREATE TABLE quarantine_summary AS
        SELECT entity, coalesce(r.rule_text, q.reason) AS reason, count(*) AS rows
        FROM (SELECT entity, file, row_number, unnest(reasons) AS reason,
                     unnest(range(1, len(reasons) + 1))::INTEGER AS position FROM wh.quarantine) q
        LEFT JOIN wh.quarantine_rules r USING (entity, file, row_number, position)
        GROUP BY entity, coalesce(r.rule_text, q.reason) ORDER BY entity, rows DESC, reason
    """)
    _copy_freshness(con)
    _copy_validation(con)
    _copy_record_validation(con)
    _copy_catalogue(con)
    con.execute("CREATE TABLE mechanisms AS SELECT mechanism_id, name, kind FROM wh.mechanisms ORDER BY mechanism_id")


def _copy_freshness(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE freshness (entity VARCHAR, rows BIGINT, latest_reference_date DATE,
                                last_load TIMESTAMP, rows_quarantined BIGINT)
    """)
    for entity in ENTITIES:
        # Table names come from our own contract, never from user text.
        rows = con.sql(f"SELECT count(*) FROM wh.{entity}").fetchall()[0][0]
        latest = con.sql(_REFERENCE_DATE_SQL[entity]).fetchall()[0][0] if entity in _REFERENCE_DATE_SQL else None
        last_load, quarantined = con.execute(
            "SELECT max(finished_at), coalesce(sum(rows_quarantined), 0)::BIGINT FROM wh.load_log "
            "WHERE entity = ?", [entity]).fetchall()[0]
        con.execute("INSERT INTO freshness VALUES (?, ?, ?, ?, ?)", [entity, rows, latest, last_load, quarantined])


def _copy_validation(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE validation (suite VARCHAR, rule VARCHAR, success BOOLEAN)")
    latest = con.sql("SELECT validation FROM runs LIMIT 1").fetchall()
    if latest:
        con.executemany("INSERT INTO validation VALUES (?, ?, ?)", validation_checks(latest[0][0]))


def _copy_record_validation(con: duckdb.DuckDBPyConnection) -> None:
    # A load made before Agora kept check results has none: its entity shows no checks rather than
    # an older load's, which would no longer describe the records held.
    con.execute("""
        CREATE TABLE record_validation AS
        WITH latest AS (
            SELECT entity, load_id, file, finished_at FROM wh.load_log
            QUALIFY row_number() OVER (PARTITION BY entity ORDER BY finished_at DESC, load_id DESC) = 1
        )
        SELECT l.entity, l.file, l.finished_at, v.rule, v.column_name, v.expectation, v.checked_by,
               v.element_count AS rows_checked, v.unexpected_count AS rows_failing, v.success
        FROM latest l JOIN wh.validation_results v USING (load_id)
        ORDER BY list_position(?, l.entity), v.position
    """, [list(LOAD_ORDER)])


def validation_checks(validation_json: str) -> list[tuple[str, str, bool]]:
    """(suite, rule, success) per check of a run's output validation summary."""
    summary = json.loads(validation_json or "{}")
    return [(summary.get("suite", ""), check["rule"], bool(check["success"])) for check in summary.get("checks", [])]


def _copy_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    """The reference rows of the catalogue the latest run was built with (kept by the build; the
    warehouse reads no catalogue itself)."""
    con.execute("""
        CREATE TABLE catalogue AS
        SELECT position, indicator_id, name, area, unit, polarity, definition, population, numerator, breakdowns,
               headline
        FROM wh.run_catalogue_rows WHERE run_id = (SELECT run_id FROM runs LIMIT 1)
        ORDER BY position
    """)


def publish_public_snapshot(snapshot: Path, public: Path, indicator_values) -> Path:
    """Write the public snapshot `public` from the published `snapshot`, with `indicator_values`
    (a polars frame of public numbers) as its indicator table; atomic like `publish_snapshot`."""
    snapshot, public = Path(snapshot), Path(public)
    clear_stale_partials(public)
    partial = partial_path(public)
    try:
        con = duckdb.connect(str(partial))
        try:
            con.execute("ATTACH ? AS internal (READ_ONLY)", [str(snapshot)])
            con.register("public_values", indicator_values.to_arrow())
            con.execute("CREATE TABLE indicator_values AS SELECT * FROM public_values")
            con.unregister("public_values")
            for name in ("runs", "freshness", "validation", "catalogue", "mechanisms"):
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM internal.{name}")
            con.execute("CREATE TABLE load_log AS SELECT * REPLACE ('' AS file) FROM internal.load_log")
            con.execute("CREATE TABLE record_validation AS SELECT * REPLACE ('' AS file) FROM internal.record_validation")
            con.execute("CREATE TABLE quarantine_summary AS SELECT entity, '' AS reason, sum(rows)::BIGINT AS rows "
                        "FROM internal.quarantine_summary GROUP BY entity ORDER BY entity")
            con.execute("DETACH internal")
        finally:
            con.close()
        fsync(partial)
        os.replace(partial, public)
        fsync(public.parent)
    finally:
        remove_partial(partial)
    return public
