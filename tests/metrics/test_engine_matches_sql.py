"""On the generated dataset, the engine's indicator table equals the independent DuckDB SQL one
row for row (and the pandas baseline equals the SQL one): same keys, same numerator and
denominator, value within 1e-9, crossed cells included. Two build dates: the fixture's, and one in the middle of the data
so that records, acknowledgements and follow-ups after the build date are really present."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from bench.baseline_pandas import indicator_table_pandas, warehouse_tables
from bench.baseline_sql import indicator_table_sql
from metrics.api import indicator_table
from metrics.engine import SORT_KEY
from warehouse.db import connect

KEYS = ["indicator_id", "grain", "period", "breakdown", "breakdown_value"]

pytestmark = pytest.mark.slow


def _comparable(table: pl.DataFrame) -> pl.DataFrame:
    return table.select(
        *KEYS,
        pl.col("numerator").cast(pl.Int64),
        pl.col("denominator").cast(pl.Int64),
        pl.col("value").cast(pl.Float64),
    )


def assert_same_table(got: pl.DataFrame, expected: pl.DataFrame, label: str) -> None:
    got = _comparable(got).with_columns(present=pl.lit(True))
    expected = _comparable(expected).with_columns(present=pl.lit(True))
    joined = got.join(expected, on=KEYS, how="full", suffix="_expected", coalesce=True)
    only_got = joined.filter(pl.col("present_expected").is_null())
    only_expected = joined.filter(pl.col("present").is_null())
    assert only_got.is_empty(), f"{label}: {only_got.height} rows the SQL does not have:\n{only_got.head(10)}"
    assert only_expected.is_empty(), f"{label}: {only_expected.height} SQL rows missing:\n{only_expected.head(10)}"
    differ = joined.filter(
        pl.col("numerator").ne_missing(pl.col("numerator_expected"))
        | pl.col("denominator").ne_missing(pl.col("denominator_expected"))
        | ((pl.col("value") - pl.col("value_expected")).abs() > 1e-9)
        | pl.col("value").is_null().ne(pl.col("value_expected").is_null())
    )
    assert differ.is_empty(), f"{label}: {differ.height} rows differ:\n{differ.head(10)}"
    assert got.height == expected.height


MID_DATA = date(2025, 11, 15)


@pytest.fixture(scope="module")
def sql_tables(built_agora) -> dict[str, tuple[date, pl.DataFrame]]:
    """The SQL table at the fixture's own build date (read from its run) and in mid-data."""
    con = connect(built_agora.settings.warehouse, read_only=True)
    try:
        fixture_as_of = con.sql("SELECT max(as_of) FROM runs").fetchall()[0][0]
        return {name: (as_of, indicator_table_sql(con, as_of))
                for name, as_of in {"fixture": fixture_as_of, "mid-data": MID_DATA}.items()}
    finally:
        con.close()


def test_generated_data_exercises_every_indicator(sql_tables):
    for name, (_, table) in sql_tables.items():
        assert table["indicator_id"].n_unique() == 29, name
        assert table.height > 1_000


def test_generated_data_exercises_crossed_cells(sql_tables):
    """Every indicator with a breakdown besides total and the mechanism ones has crossed rows, and they are
    most of the table (so the row-for-row comparisons below compare them)."""
    for name, (_, table) in sql_tables.items():
        crossed = table.filter(pl.col("breakdown").str.contains("|", literal=True))
        assert set(crossed["indicator_id"]) == set(table["indicator_id"]) - {"PAR-04", "FOL-02"}, name
        assert set(crossed.filter(indicator_id="PAR-05")["breakdown"]) == {"mechanism_kind|region",
                                                                          "mechanism_kind|org_type"}, name
        assert crossed.height > table.height / 2, name


@pytest.mark.parametrize("build", ["fixture", "mid-data"])
def test_engine_equals_sql_on_generated_data(built_agora, sql_tables, build):
    as_of, expected = sql_tables[build]
    table = indicator_table(built_agora.settings.warehouse, as_of)
    assert_same_table(table, expected, f"engine at {as_of}")
    assert table.select(SORT_KEY).equals(table.select(SORT_KEY).sort(SORT_KEY)), "the engine's rows are in key order"


@pytest.mark.parametrize("build", ["fixture", "mid-data"])
def test_pandas_equals_sql_on_generated_data(built_agora, sql_tables, build):
    as_of, expected = sql_tables[build]
    table = pl.from_pandas(indicator_table_pandas(warehouse_tables(built_agora.settings.warehouse), as_of))
    assert_same_table(table, expected, f"pandas at {as_of}")
