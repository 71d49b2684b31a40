"""The validation results every load keeps: one row per check per file, counts equal to the rows
quarantined for each rule, written with the load; and the migration that adds their table."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb
import pytest

from ingest_records import KNOWN_INDICATORS, VALID_ROWS, write_csv, write_valid_folder
from warehouse.db import connect, latest_schema_version, schema_version
from warehouse.ingest import ingest_paths
from warehouse.quarantine import quarantined_rows

PARTICIPATION = VALID_ROWS["participations"]


def _results(warehouse: Path, entity: str) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT rule, checked_by, expectation, column_name, success, unexpected_count, element_count "
            "FROM validation_results WHERE entity = ? ORDER BY position", [entity]).fetchall()
    return {rule: tuple(rest) for rule, *rest in rows}


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """The valid dataset, with a participations file of five rows of which three break rules."""
    folder = write_valid_folder(tmp_path / "in")
    write_csv(folder / "participations.csv", [
        {**PARTICIPATION, "org_id": "O1"},
        # unknown organisation, more women than participants, and a yes/no cell that says "maybe"
        {**PARTICIPATION, "org_id": "O9", "participants_women": "20", "attended": "maybe"},
        # more women than participants again, and spoke without attending
        {**PARTICIPATION, "org_id": "O8", "participants_women": "11", "attended": "false"},
        # the same key as the first row: the first row is quarantined, this one wins
        {**PARTICIPATION, "org_id": "O1", "participants_total": "12"},
        {**PARTICIPATION, "org_id": "O1", "engagement_id": ""},
    ])
    warehouse = tmp_path / "w.duckdb"
    ingest_paths(warehouse, [folder], None, KNOWN_INDICATORS)
    return warehouse


def test_each_check_counts_the_rows_quarantined_for_its_rule(loaded: Path):
    found = _results(loaded, "participations")
    failing = {rule: r[4] for rule, r in found.items() if r[4]}
    assert failing == {
        "participations.attended.type": 1,
        "participations.engagement_id.required": 1,
        "participations.women_within_total": 2,
        "participations.spoke_only_if_attended": 1,
        "participations.org_id.exists": 2,
        "participations.duplicate_key": 1,
    }
    # every row of the file was checked by every check, and a check passes when no row breaks it
    assert {r[5] for r in found.values()} == {5}
    assert all(r[3] == (r[4] == 0) for r in found.values())
    # the counts add up to the reasons of the quarantined rows: nothing counted twice or lost
    reasons = quarantined_rows(loaded, "participations")["reasons"].list.len().sum()
    assert sum(r[4] for r in found.values()) == reasons == 8


def test_every_check_of_the_suite_and_of_ingest_is_kept_with_its_kind(loaded: Path):
    found = _results(loaded, "participations")
    assert found["participations.women_within_total"][:3] == (
        "great_expectations", "expect_column_pair_values_a_to_be_greater_than_b", None)
    assert found["participations.registered.required"][:3] == (
        "great_expectations", "expect_column_values_to_not_be_null", "registered")
    assert found["participations.org_id.exists"][:3] == ("ingest", "values_exist_in_parent", "org_id")
    assert found["participations.attended.type"][:3] == ("ingest", "values_read_as_column_type", "attended")
    assert found["participations.duplicate_key"][:3] == ("ingest", "key_unique_in_file", None)
    assert list(found)[0].endswith(".type") and list(found)[-1] == "participations.duplicate_key"
    follow_ups = _results(loaded, "follow_ups")
    assert follow_ups["follow_ups.reported_after_issue"] == (
        "ingest", "reported_on_not_before_recommendation", None, True, 0, 1)


def test_one_set_of_results_per_file_of_each_load(loaded: Path, tmp_path: Path):
    write_csv(tmp_path / "mechanisms.csv", [VALID_ROWS["mechanisms"], {**VALID_ROWS["mechanisms"], "kind": "x"}])
    ingest_paths(loaded, [tmp_path / "mechanisms.csv"], None, KNOWN_INDICATORS)
    with duckdb.connect(str(loaded), read_only=True) as con:
        per_load = con.sql(
            "SELECT l.file, l.rows_read, count(*), max(v.element_count), sum(v.unexpected_count)::BIGINT "
            "FROM validation_results v JOIN load_log l USING (load_id) WHERE l.entity = 'mechanisms' "
            "GROUP BY ALL ORDER BY l.rows_read").fetchall()
    checks = len(_results(loaded, "mechanisms"))  # by rule: the checks of one file
    assert [(Path(f).parent.name, n, c, e, u) for f, n, c, e, u in per_load] == [
        ("in", 1, checks, 1, 0), (tmp_path.name, 2, checks, 2, 2)]  # the repeated key and the bad kind


def test_a_refused_load_leaves_no_results(tmp_path: Path):
    folder = write_valid_folder(tmp_path / "in")
    (folder / "targets.csv").write_text("nothing,useful\n1,2\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(Exception):
        ingest_paths(warehouse, [folder], None, KNOWN_INDICATORS)
    assert not warehouse.exists()


def test_a_version_1_warehouse_opens_and_gains_the_results_table(tmp_path: Path):
    path = tmp_path / "v1.duckdb"
    initial = (resources.files("warehouse") / "migrations" / "0001_initial.sql").read_text(encoding="utf-8")
    with duckdb.connect(str(path)) as con:
        con.execute(initial)
        con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                    "applied_at TIMESTAMP NOT NULL)")
        con.execute("INSERT INTO schema_migrations VALUES (1, 'initial', now())")
        con.execute("INSERT INTO mechanisms VALUES ('M0', 'Kept', 'upr', NULL)")
    con = connect(path)
    try:
        assert schema_version(con) == latest_schema_version()
        columns = [r[0] for r in con.sql("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'validation_results' ORDER BY ordinal_position").fetchall()]
        assert columns[:3] == ["load_id", "entity", "file"] and "unexpected_count" in columns
        assert con.sql("SELECT count(*) FROM validation_results").fetchall() == [(0,)]
        assert con.sql("SELECT mechanism_id FROM mechanisms").fetchall() == [("M0",)]
    finally:
        con.close()
    # and a load into it records its checks
    write_csv(tmp_path / "mechanisms.csv", [VALID_ROWS["mechanisms"]])
    ingest_paths(path, [tmp_path / "mechanisms.csv"], None, KNOWN_INDICATORS)
    assert _results(path, "mechanisms")["mechanisms.kind.in_set"][3:] == (True, 0, 1)


def test_an_importers_own_check_is_kept_after_the_contracts(tmp_path: Path):
    import polars as pl

    from warehouse.coerce import PROBLEM_SCHEMA
    from warehouse.ingest import as_batch, ingest_batches

    frame = pl.DataFrame([VALID_ROWS["mechanisms"], {**VALID_ROWS["mechanisms"], "mechanism_id": "M2"}])
    given = pl.DataFrame([{"row": 1, "seq": 0, "column": "name", "rule": "importer.name.matched",
                           "reason": "the name matches no mechanism"}], schema=PROBLEM_SCHEMA)
    ingest_batches(tmp_path / "w.duckdb", [as_batch("mechanisms", "import", frame, given_problems=given)],
                   KNOWN_INDICATORS)
    found = _results(tmp_path / "w.duckdb", "mechanisms")
    assert list(found)[-1] == "importer.name.matched"
    assert found["importer.name.matched"] == ("importer", "importer_check", "name", False, 1, 2)
    assert sum(r[4] for r in found.values()) == 1
