"""Runs kept in the warehouse: derived ids, replacement on rebuild, earlier runs queryable, and a
table that fails its output checks is never stored."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from foundation.errors import AgoraError
from handmade import HandmadeWarehouse
from metrics import runs
from metrics.api import indicator_table
from metrics.engine import EngineResult
from metrics.runs import build_run, list_runs, run_table
from metrics.validate import OutputCheckFailed, check_indicator_table
from warehouse.db import connect

AS_OF = date(2026, 6, 30)


@pytest.fixture
def warehouse(tmp_path):
    return (HandmadeWarehouse(tmp_path / "runs.duckdb").mechanism("M1")
            .organisation("O1", women_led=True).organisation("O2", country="FRA")
            .engagement("E1", "2026-02-03").participation("E1", "O1").participation("E1", "O2", attended=False)
            .submission("S1", "E1", "2026-03-01", org_id="O2", acknowledged_on="2026-03-04")
            .write())


def _stored_counts(path) -> tuple[int, int]:
    con = connect(path, read_only=True)
    try:
        return (con.sql("SELECT count(*) FROM runs").fetchall()[0][0],
                con.sql("SELECT count(*) FROM indicator_values").fetchall()[0][0])
    finally:
        con.close()


def test_a_build_is_kept_and_reads_back_as_the_notebook_table(warehouse):
    run = build_run(warehouse, AS_OF)
    assert run.rows > 0 and run.validation["success"] and len(run.run_id) == 12
    assert "check outputs" in run.timings and "total" in run.timings
    assert f"Run {run.run_id}" in run.render()
    kept = run_table(warehouse)
    assert kept.height == run.rows
    assert kept.equals(indicator_table(warehouse, AS_OF))


def test_a_reader_can_leave_crossed_cells_and_other_grains_in_the_warehouse(warehouse):
    build_run(warehouse, AS_OF)
    whole = run_table(warehouse)
    crossed = whole["breakdown"].str.contains("|", literal=True)
    assert crossed.any()  # E1 is one mechanism's: its breakdowns are crossed too
    assert run_table(warehouse, crossed=False).equals(whole.filter(~crossed))
    assert run_table(warehouse, crossed=False, grains=("quarter", "year")).equals(
        whole.filter(~crossed & whole["grain"].is_in(["quarter", "year"])))


def test_the_same_data_and_date_give_the_same_run_which_a_rebuild_replaces(warehouse):
    first = build_run(warehouse, AS_OF)
    again = build_run(warehouse, AS_OF)
    assert again.run_id == first.run_id
    assert _stored_counts(warehouse) == (1, first.rows)


def test_earlier_runs_stay_queryable_and_the_latest_is_the_default(warehouse):
    june = build_run(warehouse, AS_OF)
    march = build_run(warehouse, date(2026, 3, 31))
    assert march.run_id != june.run_id
    assert list_runs(warehouse)["run_id"].to_list() == [march.run_id, june.run_id]
    assert run_table(warehouse)["as_of"].unique().to_list() == [date(2026, 3, 31)]
    assert run_table(warehouse, june.run_id)["as_of"].unique().to_list() == [AS_OF]
    # S1 (March) is acknowledged within 14 days; at the end of March the 2026 total counts it
    fol01 = run_table(warehouse, march.run_id).filter(indicator_id="FOL-01", period="2026", breakdown="total")
    assert fol01.select("numerator", "denominator").rows() == [(1, 1)]


def test_new_data_gives_a_new_run_id(warehouse):
    before = build_run(warehouse, AS_OF).run_id
    con = connect(warehouse)
    con.execute("UPDATE organisations SET women_led = false WHERE org_id = ?", ["O1"])
    con.close()
    assert build_run(warehouse, AS_OF).run_id != before


def test_an_unknown_run_names_the_known_ones(warehouse, tmp_path):
    run = build_run(warehouse, AS_OF)
    with pytest.raises(AgoraError, match=f"no run 'nope'.*{run.run_id}"):
        run_table(warehouse, "nope")
    empty = HandmadeWarehouse(tmp_path / "empty.duckdb").write()
    with pytest.raises(AgoraError, match="no indicator runs yet"):
        run_table(empty)


def _broken(table: pl.DataFrame) -> pl.DataFrame:
    """A ratio above one, a period without its total, and one indicator lost."""
    return (table.with_columns(value=pl.when(pl.col("indicator_id") == "PAR-02").then(1.5)
                               .otherwise(pl.col("value")))
            .filter(~((pl.col("indicator_id") == "PAR-07") & (pl.col("breakdown") == "total")))
            .filter(pl.col("indicator_id") != "INC-01"))


def test_a_broken_table_fails_the_output_checks_with_a_clear_report(warehouse):
    table = indicator_table(warehouse, AS_OF)
    ids = frozenset(table["indicator_id"].unique().to_list())
    assert check_indicator_table(table, ids, ids)["success"]
    with pytest.raises(OutputCheckFailed) as failed:
        check_indicator_table(_broken(table), ids, ids)
    report = str(failed.value)
    assert "was not stored" in report
    assert "a ratio is outside 0..1" in report and "indicator_id=PAR-02" in report
    assert "a period has breakdown rows but no total row" in report and "indicator_id=PAR-07" in report
    assert "has no row: INC-01" in report
    duplicated = pl.concat([table, table.head(1)])
    with pytest.raises(OutputCheckFailed, match="appears more than once"):
        check_indicator_table(duplicated, ids, ids)


def test_a_run_whose_table_fails_its_checks_is_not_stored(warehouse, monkeypatch):
    compute = runs.indicator_table

    def broken_engine(*args, **kwargs) -> EngineResult:
        result = compute(*args, **kwargs)
        return EngineResult(_broken(result.table), result.timings, result.expected_indicators)

    monkeypatch.setattr(runs, "indicator_table", broken_engine)
    with pytest.raises(OutputCheckFailed):
        build_run(warehouse, AS_OF)
    assert _stored_counts(warehouse) == (0, 0)
