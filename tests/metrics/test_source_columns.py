"""The description of each source's columns (metrics/source_columns.py) is what the engine builds:
the same columns in the same order, of the described types, empty only where allowed, and categories
within their listed values. The catalogue documentation is that description."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from metrics.source_columns import SOURCE_SPECS, columns_reference
from metrics.sources import build_sources

DOCS = Path(__file__).parents[2] / "docs" / "catalogue-columns.md"


def _dtype_is(kind: str, dtype: pl.DataType) -> bool:
    return {
        "category": dtype in (pl.String, pl.Categorical),
        "bool": dtype == pl.Boolean,
        "int": dtype.is_integer(),
        "date": dtype == pl.Date,
        # a number standing for an organisation
        "member": dtype.is_unsigned_integer(),
    }[kind]


@pytest.fixture(scope="module")
def sources(built_agora) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(built_agora.settings.warehouse), read_only=True) as con:
        return build_sources(con, date(2026, 6, 30))


@pytest.mark.parametrize("source", sorted(SOURCE_SPECS))
def test_each_frame_carries_the_described_columns_types_and_values(sources, source):
    spec, frame = SOURCE_SPECS[source], sources[source]
    assert frame.height > 0
    assert frame.columns == list(spec.column_names)
    for column in spec.columns:
        values = frame[column.name]
        assert _dtype_is(column.type, values.dtype), (source, column.name, values.dtype)
        if not column.nullable:
            assert values.null_count() == 0, (source, column.name)
        if column.values:
            found = set(values.drop_nulls().cast(pl.String).unique().to_list())
            assert found <= set(column.values), (source, column.name, found - set(column.values))


def test_inherited_organisation_attributes_agree_with_the_organisation(sources, built_agora):
    """A participation's organisation attributes are its organisation's (numbers stand for org ids in
    the organisations' order)."""
    with duckdb.connect(str(built_agora.settings.warehouse), read_only=True) as con:
        organisations = con.sql("SELECT org_id, country, women_led, ecosoc_status, budget_band FROM organisations "
                                "ORDER BY org_id").pl().with_row_index("number")
    joined = sources["participations"].join(organisations, left_on="org_id", right_on="number", suffix="_org")
    assert joined.height == sources["participations"].height
    for column in ("country", "women_led", "ecosoc_status", "budget_band"):
        assert (joined[column].cast(pl.String) == joined[f"{column}_org"].cast(pl.String)).all(), column


def test_anonymous_feedback_has_unknown_organisation_categories_and_empty_attributes(sources):
    anonymous = sources["feedback"].filter(pl.col("org_id").is_null())
    assert anonymous.height > 0
    assert set(anonymous["org_type"].cast(pl.String).unique()) == {"unknown"}
    assert anonymous["women_led"].null_count() == anonymous.height


def test_the_documentation_is_the_description():
    assert DOCS.read_text(encoding="utf-8") == columns_reference() + "\n", \
        "regenerate: python -c 'from metrics.source_columns import columns_reference; print(columns_reference())' " \
        "> docs/catalogue-columns.md"
