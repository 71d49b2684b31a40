"""Opening the warehouse: migrations are recorded, and a newer warehouse is refused in a sentence."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.db import WarehouseError, connect, latest_schema_version


def test_a_new_warehouse_records_every_migration(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    versions = [row[0] for row in con.sql("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    con.close()
    assert versions == list(range(1, latest_schema_version() + 1))


def test_opening_twice_applies_nothing_again(tmp_path: Path) -> None:
    connect(tmp_path / "w.duckdb").close()
    con = connect(tmp_path / "w.duckdb")
    count = con.sql("SELECT count(*) FROM schema_migrations").fetchall()[0][0]
    con.close()
    assert count == latest_schema_version()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_warehouse_written_by_a_newer_agora_is_refused(tmp_path: Path, read_only: bool) -> None:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', now())", [latest_schema_version() + 1])
    with pytest.raises(WarehouseError, match="newer Agora"):
        connect(path, read_only=read_only)


def test_reading_a_missing_warehouse_says_what_to_do_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match=r"There is no warehouse at .*run `agora ingest` first"):
        connect(tmp_path / "missing.duckdb", read_only=True)
    assert not (tmp_path / "missing.duckdb").exists()


def test_a_reader_of_a_warehouse_from_an_older_agora_upgrades_it_first(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE validation_results")
        con.execute("DROP TABLE quarantine_rules")
        con.execute("DELETE FROM schema_migrations WHERE version > 1")
    con = connect(path, read_only=True)
    try:
        assert con.sql("SELECT max(version) FROM schema_migrations").fetchall() == [(latest_schema_version(),)]
        assert con.sql("SELECT count(*) FROM validation_results").fetchall() == [(0,)]
    finally:
        con.close()
