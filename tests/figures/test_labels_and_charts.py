"""Breakdown codes are shown in words everywhere, and values written on a chart stay inside it."""

from __future__ import annotations

import polars as pl
import pytest

from figures.charts import HEADROOM, breakdown_figure, breakdown_trend_figure, trend_figure
from figures.labels import BREAKDOWN_VALUE_LABELS, value_label
from metrics.catalogue import load_catalogue
from warehouse.contract import ENGAGEMENT_KINDS, MECHANISM_KINDS, MODALITIES, ORG_TYPES
from warehouse.reference import countries

#: every code a labelled breakdown can take: the contract's enums, the reference data's regional
#: groups (with `none`), and `unknown` where the spec says there may be no organisation
CODES = {
    "mechanism_kind": set(MECHANISM_KINDS),
    "engagement_kind": set(ENGAGEMENT_KINDS),
    "modality": set(MODALITIES),
    "org_type": set(ORG_TYPES) | {"unknown"},
    "region": set(countries()["regional_group"].to_list()) | {"unknown"},
}


@pytest.mark.parametrize("breakdown", sorted(CODES))
def test_every_breakdown_code_has_a_label_and_no_other(breakdown):
    labels = BREAKDOWN_VALUE_LABELS[breakdown]
    assert set(labels) == CODES[breakdown]
    assert all(label and "_" not in label and label[0].isupper() for label in labels.values())
    assert len(set(labels.values())) == len(labels)


def test_the_catalogue_breaks_down_by_no_other_coded_dimension():
    used = {b for ind in load_catalogue().indicators for b in ind.breakdowns}
    assert used - set(CODES) == {"total", "mechanism_id", "engagement_id"}


def test_the_labels_programme_managers_asked_for():
    assert value_label("mechanism_kind", "special_procedure") == "Special procedure"
    assert value_label("org_type", "international_ngo") == "International NGO"
    assert value_label("modality", "in_person") == "In person"
    assert value_label("engagement_kind", "call_for_input") == "Call for input"
    assert value_label("region", "none") == "No regional group"
    assert value_label("region", "unknown") == "Unknown (anonymous)"
    assert value_label("region", "GRULAC") == "GRULAC"
    # ids are their own label
    assert value_label("mechanism_id", "CRC") == "CRC"
    assert value_label("total", "all") == "all"


def rows(breakdown: str, values: dict[str, float], period="2026-Q2", suppressed=()) -> pl.DataFrame:
    return pl.DataFrame({"period": [period] * len(values), "breakdown": [breakdown] * len(values),
                         "breakdown_value": list(values), "value": list(values.values()),
                         "suppressed": [v in suppressed for v in values]})


def test_breakdown_bars_are_named_in_words_in_the_contracts_order_from_the_top():
    fig = breakdown_figure(rows("org_type", {"unknown": 0.2, "national_ngo": 0.4, "academic": 0.3,
                                             "international_ngo": 0.61}), "By organisation type", "ratio")
    # plotly draws the first bar at the bottom
    assert list(fig.data[0].y) == ["Unknown (anonymous)", "Academic", "National NGO", "International NGO"]
    assert list(fig.data[0].text) == ["20.0%", "30.0%", "40.0%", "61.0%"]
    regions = breakdown_figure(rows("region", {"none": 0.1, "WEOG": 0.2, "AG": 0.3}), "By region", "ratio")
    assert list(regions.data[0].y) == ["No regional group", "WEOG", "African Group"]
    ids = breakdown_figure(rows("mechanism_id", {"SR-FOE": 1.0, "CRC": 2.0}), "By mechanism", "count")
    assert list(ids.data[0].y) == ["SR-FOE", "CRC"]


def test_breakdown_lines_are_named_in_words():
    frame = pl.concat([rows("modality", {"online": 0.3 + i, "in_person": 0.5 + i}, p)
                       for i, p in enumerate(("2026-Q2", "2026-Q1"))])
    fig = breakdown_trend_figure(frame, "By modality", "ratio")
    assert [trace.name for trace in fig.data] == ["In person", "Online"]
    assert list(fig.data[0].x) == ["2026-Q1", "2026-Q2"] and list(fig.data[0].y) == [1.5, 0.5]


def test_the_highest_value_label_has_room_above_it():
    trend = pl.DataFrame({"period": ["2026-Q1", "2026-Q2", "2026-Q3"], "value": [4.2, 6.1, None],
                          "suppressed": [False, False, True]})
    fig = trend_figure(trend, "Trend", "mean")
    low, high = fig.layout.yaxis.range
    assert low == 0 and high == pytest.approx(6.1 * (1 + HEADROOM))
    assert fig.data[0].cliponaxis is False
    bars = breakdown_figure(rows("modality", {"online": 120.0, "hybrid": 80.0}), "By modality", "count")
    assert bars.layout.xaxis.range == pytest.approx((0, 120 * (1 + HEADROOM)))


def test_an_all_suppressed_or_zero_trend_leaves_the_range_to_plotly_but_a_ratio_spans_0_to_100_per_cent():
    trend = pl.DataFrame({"period": ["2026-Q1", "2026-Q2"], "value": [0.0, 0.0], "suppressed": [False, False]})
    assert trend_figure(trend, "Trend", "count").layout.yaxis.range is None
    # "0.0%" of 1 once drew an axis from -100% to 100%
    assert tuple(trend_figure(trend, "Trend", "ratio").layout.yaxis.range) == (0, 1)
    bars = breakdown_figure(rows("modality", {"online": 0.0, "hybrid": 0.0}), "By modality", "ratio")
    assert tuple(bars.layout.xaxis.range) == (0, 1)


def trend_rows(periods, values, partial=None, target=None, baseline=None, n=None) -> pl.DataFrame:
    count = len(periods)
    return pl.DataFrame({
        "period": periods, "value": values, "suppressed": [False] * count,
        "partial": partial or [False] * count, "as_of": ["2026-05-15"] * count,
        "target": target or [None] * count, "baseline": baseline or [None] * count, "n": n or [40] * count,
    }, schema_overrides={"target": pl.Float64, "baseline": pl.Float64})


def test_a_trend_breaks_at_a_missing_period_and_says_so():
    fig = trend_figure(trend_rows(["2025-Q2", "2025-Q4", "2026-Q1"], [0.4, 0.5, 0.6]), "Trend", "ratio")
    assert list(fig.data[0].x) == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert list(fig.data[0].y) == [0.4, None, 0.5, 0.6] and fig.data[0].connectgaps is False
    assert [a.text for a in fig.layout.annotations if a.x == "2025-Q3"] == ["no data"]
    lines = breakdown_trend_figure(rows("modality", {"online": 0.3}, "2025-Q1").vstack(
        rows("modality", {"online": 0.5}, "2025-Q3")), "By modality", "ratio")
    assert list(lines.data[0].x) == ["2025-Q1", "2025-Q2", "2025-Q3"] and list(lines.data[0].y) == [0.3, None, 0.5]


def test_a_partial_period_is_an_open_point_on_a_dashed_segment_said_in_the_legend():
    fig = trend_figure(trend_rows(["2025-Q4", "2026-Q1", "2026-Q2"], [0.4, 0.5, 0.2], partial=[False, False, True]),
                       "Trend", "ratio", small_n=30)
    solid, dashed = fig.data[0], fig.data[1]
    assert list(solid.y) == [0.4, 0.5, None]
    assert dashed.name == "partial period: data to 2026-05-15" and dashed.line.dash == "dash"
    assert list(dashed.y) == [None, 0.5, 0.2] and dashed.marker.symbol[2] == "circle-open"
    assert fig.layout.showlegend is True
    assert list(solid.customdata) == ["40.0% (n = 40)", "50.0% (n = 40)", "20.0% (n = 40), partial: data to 2026-05-15"]


def test_targets_and_baselines_are_drawn_per_period():
    fig = trend_figure(trend_rows(["2025-Q4", "2026-Q1"], [4.0, 6.0], target=[None, 5.0], baseline=[3.0, 3.5],
                                  n=[40, 3]), "Trend", "mean", small_n=30)
    named = {trace.name: trace for trace in fig.data}
    assert list(named["target"].y) == [None, 5.0] and list(named["baseline"].y) == [3.0, 3.5]
    assert list(named["value"].customdata) == ["4.0 (n = 40)", "6.0 (n = 3, small)"]


def test_a_crossed_cell_reads_as_its_plain_value():
    assert value_label("mechanism_id|region", "CRC|AG") == "African Group"
    assert value_label("mechanism_kind|org_type", "treaty_body|network") == "Network"
    fig = breakdown_figure(rows("mechanism_id|modality", {"CRC|online": 0.3, "CRC|in_person": 0.5}), "By", "ratio")
    assert list(fig.data[0].y) == ["Online", "In person"]


def test_a_partial_periods_bars_say_so_once_in_the_title():
    frame = rows("modality", {"online": 0.3, "hybrid": 0.5}).with_columns(
        partial=pl.lit(True), as_of=pl.lit("2026-05-15"), n=pl.Series([40, 3]))
    fig = breakdown_figure(frame, "By modality, 2026-Q2", "ratio", small_n=30)
    assert fig.layout.title.text == "By modality, 2026-Q2<br><sup>partial period: data to 2026-05-15</sup>"
    assert list(fig.data[0].text) == ["50.0% (n = 3, small)", "30.0% (n = 40)"]
    assert fig.data[0].customdata[0] == "50.0% (n = 3, small), partial: data to 2026-05-15"
