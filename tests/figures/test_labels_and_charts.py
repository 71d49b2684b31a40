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
