"""The engine's table: its shape, targets and status, period bounds, and the spec's edge cases that
the per-indicator tests (test_indicators_by_hand.py) leave to the engine."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from handmade import HandmadeWarehouse, cell, periods
from metrics.api import indicator_table
from metrics.catalogue import load_catalogue
from metrics.engine import TABLE_COLUMNS, period_label

AS_OF = date(2026, 6, 30)


@pytest.fixture
def w(tmp_path) -> HandmadeWarehouse:
    return HandmadeWarehouse(tmp_path / "engine.duckdb").mechanism("M1").mechanism("M2", kind="treaty_body")


def _small(w: HandmadeWarehouse) -> HandmadeWarehouse:
    return (w.organisation("O1", women_led=True).organisation("O2", country="FRA").organisation("O3")
            .engagement("E1", "2026-02-03").engagement("E2", "2026-05-20", mechanism_id="M2", modality="online")
            .participation("E1", "O1").participation("E1", "O2").participation("E2", "O1")
            .participation("E2", "O3", attended=False))


def test_the_table_has_the_spec_columns_types_and_order(w):
    table = indicator_table(_small(w).write(), AS_OF)
    assert tuple(table.columns) == TABLE_COLUMNS
    assert table.schema["period_start"] == pl.Date and table.schema["as_of"] == pl.Date
    assert table.schema["numerator"] == pl.Int64 and table.schema["value"] == pl.Float64
    assert table["as_of"].unique().to_list() == [AS_OF]
    assert not table["suppressed"].any()
    assert table["run_id"].n_unique() == 1 and len(table["run_id"][0]) == 12
    assert table.equals(table.sort("indicator_id", "grain", "period", "breakdown", "breakdown_value"))
    totals = table.filter(pl.col("breakdown") == "total")
    assert totals["breakdown_value"].unique().to_list() == ["all"]


def test_the_same_warehouse_and_date_give_the_same_table(w):
    path = _small(w).write()
    assert indicator_table(path, AS_OF).equals(indicator_table(path, AS_OF))
    assert indicator_table(path, AS_OF)["run_id"][0] != indicator_table(path, date(2026, 7, 1))["run_id"][0]


@pytest.mark.parametrize("grain, index, expected", [
    ("year", 2024, ("2024", date(2024, 1, 1), date(2024, 12, 31))),
    ("quarter", 2024 * 4 + 0, ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31))),
    ("quarter", 2026 * 4 + 2, ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30))),
    ("month", 2024 * 12 + 1, ("2024-02", date(2024, 2, 1), date(2024, 2, 29))),
    ("month", 2026 * 12 + 11, ("2026-12", date(2026, 12, 1), date(2026, 12, 31))),
])
def test_periods_have_their_first_and_last_day(grain, index, expected):
    assert period_label(grain, index) == expected


def test_targets_apply_to_total_rows_in_the_indicators_direction(w):
    # PAR-02 2026: registered O1@E1, O2@E1, O1@E2, O3@E2; attended 3 of 4 = 0.75
    path = (_small(w)
            .target("PAR-02", "2026", 0.75, baseline=0.5)     # reached exactly: met
            .target("PAR-02", "2026-Q1", 100)                 # Q1: 2 of 2 = 1.0; a per cent: 1.0, met
            .target("PAR-02", "2025", 0.1)                    # no row for 2025: nothing to carry it
            .feedback("X1", "E1", "2026-03-01", faced_restrictions=True)
            .feedback("X2", "E1", "2026-03-01")
            .target("FOL-13", "2026", 0.5)                    # lower is better: 0.5 <= 0.5 met
            .target("FOL-13", "2026-03", 0.4)                 # 0.5 > 0.4: not met
            .write())
    table = indicator_table(path, AS_OF)

    def row(indicator, grain, period, breakdown="total"):
        return table.filter(indicator_id=indicator, grain=grain, period=period, breakdown=breakdown).select(
            "value", "baseline", "target", "status").rows()

    assert row("PAR-02", "year", "2026") == [(0.75, 0.5, 0.75, "met")]
    assert row("PAR-02", "quarter", "2026-Q1") == [(1.0, None, 1.0, "met")]
    assert row("PAR-02", "quarter", "2026-Q2") == [(0.5, None, None, "no_target")]
    assert row("FOL-13", "year", "2026") == [(0.5, None, 0.5, "met")]
    assert row("FOL-13", "month", "2026-03") == [(0.5, None, 0.4, "not_met")]
    breakdown_rows = table.filter(pl.col("breakdown") != "total", indicator_id="PAR-02", period="2026")
    assert breakdown_rows.height > 0
    assert breakdown_rows["status"].unique().to_list() == ["no_target"]
    assert breakdown_rows["target"].null_count() == breakdown_rows.height
    assert table.filter(period="2025").height == 0


def test_returning_organisations_reach_the_period_of_the_build_date_and_no_further(w):
    path = (w.organisation("O1").organisation("O2")
            .engagement("E1", "2026-04-10").participation("E1", "O1").participation("E1", "O2")
            .engagement("E2", "2026-05-10").participation("E2", "O1")
            .write())
    table = indicator_table(path, date(2026, 6, 15))
    # May: of O1, O2 engaged in April, O1 again; June: of O1 (May) nobody yet; July is after June
    assert periods(table, "PAR-05", "month") == ["2026-05", "2026-06"]
    assert cell(table, "PAR-05", "month", "2026-05") == (1, 2, 0.5)
    assert cell(table, "PAR-05", "month", "2026-06") == (0, 1, 0.0)
    # Q3 would follow Q2 but starts after the build date; no year had a previous year with contacts
    assert periods(table, "PAR-05", "quarter") == []
    assert periods(table, "PAR-05", "year") == []
    assert cell(table, "PAR-05", "month", "2026-05", "mechanism_kind", "special_procedure") == (1, 2, 0.5)


def test_regional_balance_of_one_group_is_zero_and_states_in_no_group_are_left_out(w):
    path = (w.organisation("O1").organisation("O2").organisation("O3", country="VAT")
            .organisation("O4", country="FRA").organisation("O5", country="BRA")
            .engagement("E1", "2026-01-10").participation("E1", "O1").participation("E1", "O2")
            .participation("E1", "O3")
            .engagement("E2", "2026-02-10").participation("E2", "O1").participation("E2", "O4")
            .participation("E2", "O5")
            .write())
    table = indicator_table(path, AS_OF)
    # January: O1, O2 in AG, O3 (Holy See) in no group: population 2, all in one group
    assert cell(table, "INC-05", "month", "2026-01") == (None, 2, 0.0)
    assert cell(table, "PAR-01", "month", "2026-01", "region", "none") == (1, None, 1.0)
    # Q1: AG 2 (O1, O2), WEOG 1, GRULAC 1 of 4
    import math
    shares = [0.5, 0.25, 0.25]
    expected = -sum(p * math.log(p) for p in shares) / math.log(5)
    numerator, denominator, value = cell(table, "INC-05", "quarter", "2026-Q1")
    assert (numerator, denominator) == (None, 4) and value == pytest.approx(expected)


def test_an_indicator_with_an_empty_population_has_no_rows_while_others_do(w):
    table = indicator_table(_small(w).write(), AS_OF)
    present = set(table["indicator_id"].unique().to_list())
    # no submissions, recommendations or feedback: their indicators have nobody to measure
    assert not present & {"FOL-01", "FOL-02", "FOL-03", "FOL-05", "FOL-09", "FOL-11", "PAR-04"}
    assert {"PAR-01", "PAR-02", "PAR-03", "INC-01", "INC-05", "INC-09"} <= present
    assert present <= load_catalogue().ids


def test_submissions_to_an_engagement_after_the_build_date_keep_its_breakdowns(w):
    path = (w.organisation("O1", org_type="network")
            .engagement("E9", "2026-09-01", mechanism_id="M2", kind="call_for_input")
            .submission("S1", "E9", "2026-06-20", org_id="O1", acknowledged_on="2026-06-25")
            .submission("S2", "E9", "2026-06-02", acknowledged_on="2026-07-01")   # acknowledged after D
            .write())
    table = indicator_table(path, AS_OF)
    assert cell(table, "PAR-01", "month", "2026-06", "mechanism_kind", "treaty_body") == (1, None, 1.0)
    assert cell(table, "PAR-01", "month", "2026-06", "engagement_kind", "call_for_input") == (1, None, 1.0)
    # the call starts after the build date: no PAR-04 row, no PAR-03 denominator
    assert periods(table, "PAR-04", "month") == [] and periods(table, "PAR-03", "month") == []
    # FOL-01: S2 received 28 days before D, acknowledged after D: not acknowledged; S1 is too recent
    assert cell(table, "FOL-01", "month", "2026-06") == (0, 1, 0.0)
    assert cell(table, "FOL-01", "month", "2026-06", "org_type", "unknown") == (0, 1, 0.0)
    assert cell(table, "FOL-02", "month", "2026-06") == (None, 1, 5.0)


def test_distinct_counts_read_the_same_profiles_from_a_dense_table_or_a_sorted_search(w, monkeypatch):
    """A masks' profile per (period, organisation) is read from a dense table when it fits
    (`DENSE_LOOKUP_LIMIT`), else by a sorted search: the same table either way."""
    import metrics.cells

    path = (_small(w).organisation("O4", country="BRA").engagement("E3", "2025-11-03", kind="training")
            .participation("E3", "O4").participation("E3", "O2").write())
    dense = indicator_table(path, AS_OF)
    monkeypatch.setattr(metrics.cells, "DENSE_LOOKUP_LIMIT", 0)
    searched = indicator_table(path, AS_OF)
    assert dense.filter(pl.col("indicator_id").is_in(["INC-01", "PAR-01"])).height > 10
    assert searched.equals(dense)


def test_the_cells_are_the_same_in_one_thread_or_several_and_each_source_is_dropped_once_read(built_agora,
                                                                                             monkeypatch):
    """The source passes run in threads sharing the sets of engaged organisations (PAR-05 and INC-05 read
    the contacts' sets): the same table as one pass after another, and no source kept once its steps are done."""
    import metrics.engine
    from metrics.sources import build_sources
    from warehouse.db import connect

    catalogue = load_catalogue()
    con = connect(built_agora.settings.warehouse, read_only=True)
    try:
        def cells_in(threads: int) -> tuple[pl.DataFrame, dict]:
            monkeypatch.setattr(metrics.engine, "CELL_THREADS", threads)
            sources = build_sources(con, AS_OF, metrics.engine.organisation_attributes_read(catalogue))
            found = metrics.engine.indicator_cells(catalogue, sources, AS_OF, {})
            return metrics.engine._in_table_order(found), sources

        one_by_one, left_by_one = cells_in(1)
        at_once, left_at_once = cells_in(3)
    finally:
        con.close()
    assert one_by_one.height > 10_000 and one_by_one["indicator_id"].n_unique() == len(catalogue.indicators)
    assert at_once.equals(one_by_one)
    assert left_by_one == {} and left_at_once == {}
