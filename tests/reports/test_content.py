"""Fast checks of the report's wording, without drawing anything."""

from __future__ import annotations

from datetime import date

from metrics.catalogue import load_catalogue
from reports.content import no_data_reason
from reports.narrative import indicator_sentence
from foundation.vocabulary import Period

AS_OF = date(2026, 6, 30)
CATALOGUE = {ind.id: ind for ind in load_catalogue().indicators}


def cell(indicator_id, period, value, **fields):
    ind = CATALOGUE[indicator_id]
    return {"indicator_id": indicator_id, "grain": Period.parse(period).grain, "period": period,
            "breakdown": "total", "breakdown_value": "all", "unit": ind.unit, "value": value,
            "numerator": None, "denominator": None, "baseline": None, "target": None, "status": "no_target",
            "suppressed": False, **fields}


def test_no_data_reasons_name_the_window_or_the_as_of():
    assert no_data_reason(CATALOGUE["FOL-08"], Period.parse("2026-Q2"), AS_OF) == (
        "It counts only records dated on or before 2025-06-30, 365 days before the as-of date 2026-06-30, "
        "and this period starts after that.")
    assert "this period ends after that" in no_data_reason(CATALOGUE["FOL-04"], Period.parse("2026-Q2"), AS_OF)
    assert no_data_reason(CATALOGUE["PAR-01"], Period.parse("2026-Q3"), AS_OF) == (
        "The period starts after the run's as-of date (2026-06-30).")
    assert no_data_reason(CATALOGUE["PAR-01"], Period.parse("2019"), AS_OF).startswith("No record of its population")


def test_a_fall_is_worded_as_a_fall():
    count = indicator_sentence(CATALOGUE["PAR-01"], cell("PAR-01", "2026-Q2", 90.0),
                               cell("PAR-01", "2026-Q1", 120.0), "2026-Q2", "2026-Q1")
    assert '<span class="derived">25%</span> fewer than the' in count
    ratio = indicator_sentence(CATALOGUE["PAR-02"], cell("PAR-02", "2026-Q2", 0.5),
                               cell("PAR-02", "2026-Q1", 0.5), "2026-Q2", "2026-Q1")
    assert "unchanged from" in ratio
    hidden = indicator_sentence(CATALOGUE["PAR-02"], cell("PAR-02", "2026-Q2", None, suppressed=True),
                                None, "2026-Q2", "2026-Q1")
    assert "is suppressed" in hidden and "data-indicator" not in hidden
