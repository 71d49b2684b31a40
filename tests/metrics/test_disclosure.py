"""The public small-cell rule: under the threshold is suppressed, at the threshold is shown."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundation.errors import AgoraError
from metrics.disclosure import SENSITIVE_COLUMNS, apply_disclosure, suppression_rule


def rows(*cells: tuple[str, int | None, int | None, float | None]) -> pl.DataFrame:
    """Indicator rows of (unit, numerator, denominator, value), as the run table types them."""
    return pl.DataFrame(
        [
            {"indicator_id": f"X-{i}", "unit": unit, "numerator": num, "denominator": den, "value": value,
             "baseline": 0.5, "target": 0.7, "status": "met", "suppressed": False}
            for i, (unit, num, den, value) in enumerate(cells)
        ],
        schema={"indicator_id": pl.String, "unit": pl.String, "numerator": pl.Int64, "denominator": pl.Int64,
                "value": pl.Float64, "baseline": pl.Float64, "target": pl.Float64, "status": pl.String,
                "suppressed": pl.Boolean},
    )


BOUNDARY = rows(
    ("count", 4, None, 4.0),      # 0: count under 5
    ("count", 5, None, 5.0),      # 1: count at 5
    ("ratio", 4, 4, 1.0),         # 2: denominator under 5, although the numerator is not small
    ("ratio", 1, 5, 0.2),         # 3: denominator 5 with a numerator of 1: shown
    ("mean", 40, 4, 10.0),        # 4: mean over 4 engagements
    ("median", None, 5, 3.5),     # 5: median over 5 submissions
    ("index", None, 4, 0.9),      # 6: index over 4 organisations
    ("count", 0, None, 0.0),      # 7: a zero count is a small cell too
)


def test_public_suppresses_under_the_threshold_and_shows_at_it():
    public = apply_disclosure(BOUNDARY, "public", 5)
    assert public["suppressed"].to_list() == [True, False, True, False, True, False, True, True]
    shown = public.filter(~pl.col("suppressed"))
    assert shown.select("numerator", "denominator", "value").rows() == [(5, None, 5.0), (1, 5, 0.2), (None, 5, 3.5)]
    hidden = public.filter(pl.col("suppressed"))
    assert hidden.select("numerator", "denominator", "value").null_count().row(0) == (5, 5, 5)


def test_suppressed_rows_keep_their_labels_and_targets():
    public = apply_disclosure(BOUNDARY, "public", 5)
    assert public["indicator_id"].to_list() == BOUNDARY["indicator_id"].to_list()
    assert public.select("baseline", "target", "status").unique().rows() == [(0.5, 0.7, "met")]


def test_the_threshold_is_a_setting():
    assert apply_disclosure(BOUNDARY, "public", 1)["suppressed"].to_list() == [False] * 7 + [True]
    assert apply_disclosure(BOUNDARY, "public", 6)["suppressed"].sum() == 8


def test_internal_is_unchanged_and_unsuppressed():
    internal = apply_disclosure(BOUNDARY.with_columns(suppressed=pl.lit(True)), "internal", 5)
    assert internal.drop("suppressed").equals(BOUNDARY.drop("suppressed"))
    assert not internal["suppressed"].any()


def test_a_row_of_unknown_size_is_not_shown():
    public = apply_disclosure(rows(("ratio", None, None, 0.5)), "public", 5)
    assert public.row(0, named=True)["suppressed"] is True
    assert public["value"].to_list() == [None]


def test_public_drops_sensitive_columns_whatever_the_caller_passed():
    assert {"org_id", "name", "at_risk"} <= set(SENSITIVE_COLUMNS)
    leaky = BOUNDARY.with_columns(org_id=pl.lit("ORG-1"), at_risk=pl.lit(True), name=pl.lit("Friends of X"))
    public = apply_disclosure(leaky, "public", 5)
    assert not set(SENSITIVE_COLUMNS) & set(public.columns)


def test_an_unknown_audience_is_a_clear_error():
    with pytest.raises(AgoraError, match="audience must be one of internal, public, not 'press'"):
        apply_disclosure(BOUNDARY, "press", 5)


def test_the_rule_in_words_names_the_threshold():
    assert "under 7" in suppression_rule(7)


@given(st.lists(st.tuples(st.sampled_from(["count", "ratio", "mean", "median", "index"]),
                          st.integers(0, 12), st.integers(1, 12)), min_size=1, max_size=40),
       st.integers(1, 10))
def test_public_shows_a_row_exactly_when_its_size_reaches_the_threshold(cells, threshold):
    table = rows(*[(unit, num, None if unit == "count" else den, num / den) for unit, num, den in cells])
    public = apply_disclosure(table, "public", threshold)
    for (unit, num, den), row in zip(cells, public.iter_rows(named=True)):
        size = num if unit == "count" else den
        assert row["suppressed"] is (size < threshold)
        if size >= threshold:
            assert (row["numerator"], row["value"]) == (num, num / den)
        else:
            assert (row["numerator"], row["denominator"], row["value"]) == (None, None, None)
