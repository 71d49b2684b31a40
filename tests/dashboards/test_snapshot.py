"""The published snapshot: what it holds, that it is replaced atomically, that it holds no raw rows."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.data import published
from foundation.settings import public_snapshot_beside
from metrics.disclosure import publish_public
from dashboard_fixture import RUN_ID, build_fixture_warehouse, fixture_rows
from warehouse.db import connect
from warehouse.snapshot import publish_snapshot


def tables(path: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()]
        return {n: con.sql(f"SELECT * FROM {n}").pl() for n in names}
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build_fixture_warehouse(tmp_path / "agora.duckdb")


def test_snapshot_holds_the_latest_run_and_summaries(warehouse: Path, tmp_path: Path):
    con = connect(warehouse)
    con.execute("INSERT INTO runs VALUES ('older-run', '2026-03-31', ?, 'c', 'd', 'test', '{}', '{}', 1)",
                [datetime(2026, 4, 1)])
    con.execute("INSERT INTO indicator_values SELECT * REPLACE ('older-run' AS run_id) FROM indicator_values LIMIT 1")
    con.close()
    snapshot = publish_snapshot(warehouse, tmp_path / "agora.published.duckdb")
    held = tables(snapshot)
    assert set(held) == {"indicator_values", "runs", "load_log", "quarantine_summary", "freshness", "validation",
                         "record_validation", "catalogue", "mechanisms"}
    assert held["indicator_values"].height == len(fixture_rows())
    assert held["indicator_values"]["run_id"].unique().to_list() == [RUN_ID]
    assert held["indicator_values"].columns[-4:] == ["suppressed", "as_of", "run_id", "partial"]
    assert held["runs"]["run_id"].to_list() == [RUN_ID, "older-run"]
    assert held["quarantine_summary"].sort("reason").rows() == [
        ("organisations", "country: XXX is not a known ISO 3166-1 alpha-3 code", 1),
        ("organisations", "women_led is empty", 1)]
    fresh = {r["entity"]: r for r in held["freshness"].iter_rows(named=True)}
    assert fresh["engagements"]["rows"] == 1 and str(fresh["engagements"]["latest_reference_date"]) == "2026-05-02"
    assert fresh["organisations"]["rows_quarantined"] == 1 and fresh["participations"]["last_load"] is None
    assert held["validation"].select("rule", "success").rows() == [
        ("every indicator has rows", True), ("ratios lie between 0 and 1", False)]
    assert held["catalogue"].height == 29


def test_snapshot_carries_the_checks_of_each_entitys_latest_load(warehouse: Path, tmp_path: Path):
    con = connect(warehouse)
    # an older load of organisations whose checks no longer describe the records held
    con.execute("INSERT INTO load_log VALUES ('L0', 'old.csv', 'h0', 'organisations', 4, 0, 4, [], "
                "'2026-05-01 10:00', '2026-05-01 10:00:01')")
    con.execute("INSERT INTO validation_results VALUES ('L0', 'organisations', 'old.csv', 0, 'ingest', "
                "'key_unique_in_file', NULL, 'organisations.duplicate_key', false, 4, 4)")
    con.close()
    checks = tables(publish_snapshot(warehouse, tmp_path / "s.duckdb"))["record_validation"]
    assert checks.select("entity", "file", "rule", "rows_checked", "rows_failing", "success").rows() == [
        ("organisations", "organisations.csv", "organisations.women_led.required", 10, 1, False),
        ("organisations", "organisations.csv", "organisations.country.country", 10, 1, False),
        ("organisations", "organisations.csv", "organisations.duplicate_key", 10, 0, True),
        ("engagements", "engagements.csv", "engagements.mechanism_id.exists", 5, 0, True),
    ]


def test_snapshot_of_a_real_load_carries_its_stored_counts(tmp_path: Path):
    from warehouse.ingest import ingest_paths

    # M1 twice (the first is replaced by the second), and two kinds that are not kinds
    (tmp_path / "mechanisms.csv").write_text("mechanism_id,name,kind\nM1,R,upr\nM1,R,x\nM2,S,y\n", encoding="utf-8")
    ingest_paths(tmp_path / "w.duckdb", [tmp_path / "mechanisms.csv"], None, frozenset())
    held = tables(publish_snapshot(tmp_path / "w.duckdb", tmp_path / "s.duckdb"))["record_validation"]
    failing = held.filter(~pl.col("success")).select("rule", "rows_checked", "rows_failing").rows()
    assert failing == [("mechanisms.kind.in_set", 3, 2), ("mechanisms.duplicate_key", 3, 1)]
    assert held.height == 6 and held["rows_failing"].sum() == 3  # 6 checks: contract v2 adds mechanism_id.no_bar


def test_a_snapshot_from_before_record_checks_still_opens(warehouse: Path, tmp_path: Path):
    snapshot = publish_snapshot(warehouse, tmp_path / "s.duckdb")
    with duckdb.connect(str(snapshot)) as con:
        con.execute("DROP TABLE record_validation")
    assert published(snapshot, "internal", 5).record_validation.height == 0


def test_snapshot_has_no_raw_rows_or_organisation_columns(warehouse: Path, tmp_path: Path):
    held = tables(publish_snapshot(warehouse, tmp_path / "s.duckdb"))
    columns = {c for frame in held.values() for c in frame.columns}
    assert not columns & {"raw", "org_id", "at_risk", "row_number"}


def test_republishing_replaces_the_file_atomically(warehouse: Path, tmp_path: Path):
    target = tmp_path / "agora.published.duckdb"
    first = publish_snapshot(warehouse, target)
    inode = first.stat().st_ino
    reader = duckdb.connect(str(target), read_only=True)  # a dashboard worker mid-request
    con = connect(warehouse)
    con.execute("UPDATE indicator_values SET value = 0.123 WHERE indicator_id = 'PAR-02'")
    con.close()
    # what a publish killed midway leaves behind (its process is gone)
    (tmp_path / ".agora.published.duckdb.999999999.partial").write_bytes(b"half a file")
    publish_snapshot(warehouse, target)
    assert target.stat().st_ino != inode
    assert reader.sql("SELECT count(*) FROM indicator_values WHERE value = 0.123").fetchall() == [(0,)]
    reader.close()
    assert tables(target)["indicator_values"].filter(indicator_id="PAR-02")["value"].unique().to_list() == [0.123]
    assert sorted(os.listdir(tmp_path)) == ["agora.duckdb", "agora.published.duckdb"]


def test_an_empty_warehouse_publishes_an_empty_snapshot(tmp_path: Path):
    snapshot = publish_snapshot(tmp_path / "new.duckdb", tmp_path / "new.published.duckdb")
    pub = published(snapshot, "internal", 5)
    assert not pub.has_indicators and pub.latest_run is None and pub.loads.height == 0


def test_the_dashboard_rereads_a_newer_snapshot_and_applies_disclosure(warehouse: Path, tmp_path: Path):
    target = publish_snapshot(warehouse, tmp_path / "p.duckdb")
    publish_public(target, public_snapshot_beside(target), 5)
    internal = published(target, "internal", 5)
    public = published(target, "public", 5)
    assert published(target, "internal", 5) is internal  # cached while the file is the same
    small = public.indicators.filter(pl.col("suppressed"))
    assert small.height > 0 and small["value"].null_count() == small.height
    assert small.filter(pl.col("denominator").is_not_null()).height == 0
    assert not internal.indicators["suppressed"].any()
    assert public.quarantine.columns == ["entity", "rows"]  # reasons may quote a rejected row
    assert set(public.loads["file"]) == {""}  # a public server holds no file name
    con = connect(warehouse)
    con.execute("DELETE FROM indicator_values WHERE indicator_id = 'PAR-01'")
    con.close()
    publish_snapshot(warehouse, target)
    newer = published(target, "internal", 5)
    assert newer is not internal
    assert newer.indicators.height == internal.indicators.height - internal.indicators.filter(
        indicator_id="PAR-01").height
