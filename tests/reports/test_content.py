"""Fast checks of the report's wording, without drawing anything: reasons for no data, the largest
changes and targets crossed, and the catalogue's filters in words."""

from __future__ import annotations

from datetime import date

import pytest

from foundation.vocabulary import Period
from metrics.catalogue import Filter, load_catalogue
from reports.content import no_data_reason, status_words
from reports.methodology import filter_words, numerator_words, population_words
from reports.narrative import change_phrase, change_strength, largest_changes, target_crossings

AS_OF = date(2026, 6, 30)
CATALOGUE = {ind.id: ind for ind in load_catalogue().indicators}


def cell(indicator_id, period, value, **fields):
    ind = CATALOGUE[indicator_id]
    return {"indicator_id": indicator_id, "grain": Period.parse(period).grain, "period": period,
            "breakdown": "total", "breakdown_value": "all", "unit": ind.unit, "value": value,
            "numerator": None, "denominator": None, "baseline": None, "target": None, "status": "no_target",
            "achieved": None, "suppressed": False, "partial": False, **fields}


def test_no_data_reasons_name_the_window_or_the_as_of():
    assert no_data_reason(CATALOGUE["FOL-08"], Period.parse("2026-Q2"), AS_OF) == (
        "It counts only records dated on or before 2025-06-30, 365 days before the as-of date 2026-06-30, "
        "and this period starts after that.")
    assert "this period ends after that" in no_data_reason(CATALOGUE["FOL-04"], Period.parse("2026-Q2"), AS_OF)
    assert no_data_reason(CATALOGUE["PAR-01"], Period.parse("2026-Q3"), AS_OF) == (
        "The period starts after the run's as-of date (2026-06-30).")
    assert no_data_reason(CATALOGUE["PAR-01"], Period.parse("2019"), AS_OF).startswith("No record of its population")


def test_a_fall_is_worded_as_a_fall():
    count = change_phrase(cell("PAR-01", "2026-Q2", 90.0), cell("PAR-01", "2026-Q1", 120.0), "2026-Q1")
    assert '<span class="derived">25%</span> fewer than the' in count
    ratio = change_phrase(cell("PAR-02", "2026-Q2", 0.5), cell("PAR-02", "2026-Q1", 0.5), "2026-Q1")
    assert "unchanged from" in ratio


def test_change_strength_weighs_a_change_by_its_n():
    # 40% -> 60% of 5 records each: z = 0.2 / sqrt(0.5 * 0.5 * (1/5 + 1/5)) = 0.632
    small = change_strength(cell("PAR-02", "2026-Q2", 0.6, denominator=5),
                            cell("PAR-02", "2026-Q1", 0.4, denominator=5))
    assert small == pytest.approx(0.2 / (0.25 * 0.4) ** 0.5)
    # 40% -> 44% of 5,000 each: pooled 0.42, z = 0.04 / sqrt(0.42 * 0.58 * 0.0004) = 4.05
    large = change_strength(cell("PAR-02", "2026-Q2", 0.44, denominator=5000),
                            cell("PAR-02", "2026-Q1", 0.40, denominator=5000))
    assert large == pytest.approx(0.04 / (0.42 * 0.58 * 0.0004) ** 0.5)
    # counts: (412 - 368) / sqrt(780)
    assert change_strength(cell("PAR-01", "2026-Q2", 412.0), cell("PAR-01", "2026-Q1", 368.0)) == pytest.approx(
        44 / 780 ** 0.5)


def test_largest_changes_pick_the_big_moves_and_skip_small_n_and_unfinished_counts():
    indicators = [CATALOGUE[i] for i in ("PAR-01", "PAR-02", "PAR-07", "FOL-13")]
    current = {"PAR-01": cell("PAR-01", "2026-Q2", 900.0),
               "PAR-02": cell("PAR-02", "2026-Q2", 0.44, denominator=5000, numerator=2200),
               "PAR-07": cell("PAR-07", "2026-Q2", 0.9, denominator=10, numerator=9),
               "FOL-13": cell("FOL-13", "2026-Q2", 0.301, denominator=1000, numerator=301)}
    previous = {"PAR-01": cell("PAR-01", "2026-Q1", 400.0),
                "PAR-02": cell("PAR-02", "2026-Q1", 0.40, denominator=5000, numerator=2000),
                "PAR-07": cell("PAR-07", "2026-Q1", 0.1, denominator=10, numerator=1),
                "FOL-13": cell("FOL-13", "2026-Q1", 0.300, denominator=1000, numerator=300)}
    picked = largest_changes(indicators, current, previous, "2026-Q2", "2026-Q1", 30, counts_comparable=True)
    # PAR-01 z = 500/sqrt(1300) = 13.9 before PAR-02 z = 4.05; PAR-07 rests on 10 records; FOL-13 moved by chance
    assert [c.indicator.id for c in picked] == ["PAR-01", "PAR-02"]
    assert "(worse)" not in picked[1].sentence and "(better)" in picked[1].sentence
    unfinished = largest_changes(indicators, current, previous, "2026-Q2", "2026-Q1", 30, counts_comparable=False)
    assert [c.indicator.id for c in unfinished] == ["PAR-02"]


def test_a_target_crossed_is_said_in_the_indicator_direction():
    current = {"PAR-02": cell("PAR-02", "2026-Q2", 0.8, denominator=100, target=0.75, status="met"),
               "FOL-13": cell("FOL-13", "2026-Q2", 0.1, denominator=100, target=0.08, status="not_met")}
    previous = {"PAR-02": cell("PAR-02", "2026-Q1", 0.7, denominator=100, target=0.75, status="not_met"),
                "FOL-13": cell("FOL-13", "2026-Q1", 0.05, denominator=100, target=0.08, status="met")}
    said = target_crossings([CATALOGUE["PAR-02"], CATALOGUE["FOL-13"]], current, previous, "2026-Q2", "2026-Q1", 30)
    assert said[0].startswith("Attendance rate reached its target of")
    assert "went above its ceiling" in said[1]


@pytest.mark.parametrize(("item", "words"), [
    (Filter("registered", "eq", True), "that registered"),
    (Filter("attended", "eq", False), "that did not attend"),
    (Filter("attended", "ne", True), "that did not attend"),
    (Filter("engagement_kind", "ne", "call_for_input"), "whose kind of engagement is not call for input"),
    (Filter("modality", "in", ("online", "hybrid")), "whose modality is online or hybrid"),
    (Filter("region", "not_in", ("AG", "WEOG")), "whose UN regional group is neither African Group nor WEOG"),
    (Filter("language_count", "ge", 2), "whose number of languages offered is at least 2"),
    (Filter("days_to_acknowledge", "not_null"), "whose number of days from receipt to acknowledgement is recorded"),
    (Filter("reflected_in_output", "not_null"), "for which it is recorded whether they were reflected in the "
                                                 "mechanism's output"),
    # a column no shipped indicator filters on, as a user catalogue might: its name in words
    (Filter("latest_follow_up_status", "eq", "partially_implemented"),
     "whose status of the latest follow-up is partially implemented"),
    (Filter("some_new_column", "lt", 3), "whose some new column is under 3"),
])
def test_any_filter_reads_as_words(item, words):
    assert filter_words(item) == words


def test_no_shipped_indicator_is_described_in_code():
    for ind in CATALOGUE.values():
        for text in (population_words(ind), numerator_words(ind)):
            if text:
                assert "_" not in text and " = " not in text, (ind.id, text)
    assert population_words(CATALOGUE["PAR-02"]) == "Participations (one organisation at one engagement) that registered."
    assert numerator_words(CATALOGUE["PAR-02"]) == "Those that attended, as a share of all of them."


def test_a_target_missed_in_an_unfinished_period_is_missed_so_far():
    assert status_words(cell("PAR-01", "2026", 10.0, status="not_met", partial=True)) == "Not met so far"
    assert status_words(cell("PAR-01", "2025", 10.0, status="not_met")) == "Not met"
    assert status_words(cell("PAR-01", "2026", 10.0, status="met", partial=True)) == "Met"
    assert status_words(cell("PAR-01", "2026", None, status="met", suppressed=True)) == "Suppressed"
