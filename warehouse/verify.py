"""`agora verify`: the warehouse and its snapshot checked in full, each problem one sentence."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.backup import damage_in_database
from warehouse.contract import ENTITIES
from warehouse.faults import explain, first_line, restore_advice


def _warehouse_problems(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[str]:
    """Counts that must agree inside a whole warehouse."""
    from warehouse.db import latest_schema_version, schema_version

    problems = []
    version, newest = schema_version(con), latest_schema_version()
    if version < newest:
        problems.append(f"The warehouse {warehouse} lacks migrations {version + 1} to {newest}: "
                        f"run any writing command (`agora ingest`, `agora build`) to apply them.")
    if version == 0:
        return problems
    for run_id, stated, held in con.sql("""
            SELECT r.run_id, r.row_count, count(v.run_id) FROM runs r
            LEFT JOIN indicator_values v USING (run_id) GROUP BY ALL HAVING r.row_count <> count(v.run_id)
            ORDER BY r.run_id""").fetchall():
        problems.append(f"Run {run_id} in the warehouse {warehouse} should hold {stated:,} indicator rows "
                        f"but holds {held:,}: rebuild it with `agora build`.")
    for load_id, file, stated, held in con.sql("""
            SELECT l.load_id, l.file, l.rows_quarantined, count(*) FROM quarantine q JOIN load_log l USING (load_id)
            GROUP BY ALL HAVING l.rows_quarantined <> count(*) ORDER BY l.file""").fetchall():
        problems.append(f"The load of {file} ({load_id}) quarantined {stated:,} rows by the load log, but the "
                        f"quarantine holds {held:,} of them: ingest {file} again.")
    loaded = dict(con.sql("SELECT entity, sum(rows_loaded) FROM load_log GROUP BY entity").fetchall())
    for entity in ENTITIES:
        # Entity names come from the contract; a row replaced by a later load counts once, so the
        # table may hold fewer rows than were loaded, never more.
        held = con.sql(f"SELECT count(*) FROM {entity}").fetchall()[0][0]
        if held > loaded.get(entity, 0):
            problems.append(f"The warehouse {warehouse} holds {held:,} {entity} rows but the load log records "
                            f"only {loaded.get(entity, 0):,} loaded: {restore_advice(warehouse)}.")
    return problems


def _snapshot_problems(snapshot: Path, warehouse_counts: dict[str, int] | None) -> list[str]:
    from warehouse.snapshot import SNAPSHOT_TABLES

    if not snapshot.exists():
        return [f"There is no dashboard snapshot at {snapshot}: run `agora publish` to write it."]
    damage = damage_in_database(snapshot, what="snapshot")
    if damage:
        return [f"The dashboard snapshot {snapshot} is damaged ({damage}): run `agora publish` to write it again."]
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        held = {row[0] for row in con.sql("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        missing = [t for t in SNAPSHOT_TABLES if t not in held]
        if missing:
            return [f"The dashboard snapshot {snapshot} lacks the table(s) {', '.join(missing)}: "
                    f"run `agora publish` to write it again."]
        if warehouse_counts is None:
            return []
        shown = {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in warehouse_counts}
    finally:
        con.close()
    stale = [f"{t} {shown[t]:,} of {n:,}" for t, n in warehouse_counts.items() if shown[t] != n]
    if stale:
        return [f"The dashboard snapshot {snapshot} is out of date (it shows {'; '.join(stale)} rows): "
                f"run `agora publish` to refresh it."]
    return []


def verify(warehouse: Path, snapshot: Path) -> list[str]:
    """Every problem found in the warehouse (every block, every table read in full, migrations,
    counts against the load log and the runs) and in its snapshot, one sentence each."""
    warehouse, snapshot = Path(warehouse), Path(snapshot)
    if not warehouse.exists():
        return [f"There is no warehouse at {warehouse}: run `agora ingest` first, or give its path with --warehouse."]
    damage = damage_in_database(warehouse)
    if damage:
        return [f"The warehouse {warehouse} is damaged ({damage}); {restore_advice(warehouse)}."]
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        return [str(explain(exc, warehouse))]
    try:
        problems = _warehouse_problems(con, warehouse)
        counts = None
        if not problems:
            counts = {
                "runs": con.sql("SELECT count(*) FROM runs").fetchall()[0][0],
                "indicator_values": con.sql(
                    "SELECT count(*) FROM indicator_values WHERE run_id = "
                    "(SELECT run_id FROM runs ORDER BY built_at DESC, run_id LIMIT 1)").fetchall()[0][0],
                "load_log": con.sql("SELECT count(*) FROM load_log").fetchall()[0][0],
            }
    except duckdb.Error as exc:
        return [f"The warehouse {warehouse} cannot be checked ({first_line(exc)}); {restore_advice(warehouse)}."]
    finally:
        con.close()
    return problems + _snapshot_problems(snapshot, counts)
