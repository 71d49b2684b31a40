"""The output suite on crossed cells (spec v2): a table with crossed rows passes, and a crossed row that
does not fit its breakdown, or whose mechanism has no row of its own, is refused with a sentence. Each
test runs on the table as text (a reader's) and with its labels as categories (as the engine hands it
to the check)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from handmade import HandmadeWarehouse
from metrics.api import indicator_table
from metrics.engine import ENGINE_SCHEMA
from metrics.validate import OutputCheckFailed, check_indicator_table

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def text_table(tmp_path_factory) -> pl.DataFrame:
    path = (HandmadeWarehouse(tmp_path_factory.mktemp("checks") / "checks.duckdb")
            .mechanism("M1").mechanism("M2", kind="upr")
            .organisation("O1", women_led=True).organisation("O2", country="FRA")
            .engagement("E1", "2026-02-03").engagement("E2", "2026-03-03", mechanism_id="M2")
            .participation("E1", "O1").participation("E2", "O1").participation("E2", "O2")
            .write())
    return indicator_table(path, AS_OF)


@pytest.fixture(params=["text", "categories"])
def table(request, text_table) -> pl.DataFrame:
    return text_table if request.param == "text" else text_table.cast(ENGINE_SCHEMA)


def _check(table: pl.DataFrame) -> dict:
    ids = frozenset(table["indicator_id"].unique().to_list())
    return check_indicator_table(table, ids, ids)


def test_a_table_with_crossed_cells_passes(table):
    assert table.filter(breakdown="mechanism_id|region").height > 0
    summary = _check(table)
    assert summary["success"]
    assert {"cells_well_formed", "crossed_within_present"} <= {c["rule"] for c in summary["checks"]}


def test_a_crossed_row_without_its_mechanisms_row_is_refused(table):
    lost = table.filter(~((pl.col("indicator_id") == "PAR-01") & (pl.col("breakdown") == "mechanism_id")
                          & (pl.col("breakdown_value") == "M2")))
    with pytest.raises(OutputCheckFailed, match="has no row of its own") as failed:
        _check(lost)
    assert "breakdown=mechanism_id|region, breakdown_value=M2|" in str(failed.value)


@pytest.mark.parametrize("breakdown, value", [
    ("mechanism_id|region", "M1"), ("mechanism_id|region", "M1|AG|x"), ("region", "M1|AG"), ("total", "AG"),
    ("mechanism_id", "all"),
])
def test_a_value_that_does_not_fit_its_breakdown_is_refused(table, breakdown, value):
    broken = pl.concat([table, table.filter(indicator_id="PAR-01", breakdown="mechanism_id|region").head(1)
                       .with_columns(breakdown=pl.lit(breakdown, table.schema["breakdown"]),
                                     breakdown_value=pl.lit(value, table.schema["breakdown_value"]))])
    with pytest.raises(OutputCheckFailed, match="does not fit its breakdown"):
        _check(broken)


def test_the_suite_runs_on_distinct_rows_and_still_names_each_offending_row(table):
    """The first pass sees each distinct row once; a failure is named row by row, with its count."""
    doubled = pl.concat([table, table.filter(indicator_id="PAR-01", breakdown="region")])
    repeated = table.filter(indicator_id="PAR-01", breakdown="region").height
    with pytest.raises(OutputCheckFailed, match="appears more than once") as failed:
        _check(doubled)
    assert f"in {2 * repeated} row(s)" in str(failed.value)
    over_one = pl.concat([table.filter(pl.col("unit") != "ratio"), table.filter(unit="ratio").with_columns(
        value=pl.when(pl.col("breakdown") == "mechanism_id").then(1.5).otherwise(pl.col("value")))])
    ratios_by_mechanism = over_one.filter(unit="ratio", breakdown="mechanism_id").height
    with pytest.raises(OutputCheckFailed) as failed:
        _check(over_one)
    assert f"in {ratios_by_mechanism} row(s)" in str(failed.value)
