from datetime import date

import pytest

from foundation.vocabulary import Period, PeriodError


def test_a_period_names_its_grain_and_neighbours():
    q = Period.parse("2026-Q1")
    assert (q.grain, str(q.previous), str(q.year_earlier)) == ("quarter", "2025-Q4", "2025-Q1")
    assert (q.start, q.end) == (date(2026, 1, 1), date(2026, 3, 31))
    m = Period.parse("2026-01")
    assert (m.grain, str(m.previous), str(m.year_earlier), m.end) == ("month", "2025-12", "2025-01", date(2026, 1, 31))
    y = Period.parse("2024")
    assert (y.grain, str(y.previous), y.end) == ("year", "2023", date(2024, 12, 31))


def test_trend_and_iptt_columns():
    assert [str(p) for p in Period.parse("2026-Q2").trailing(8)] == [
        "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert [str(p) for p in Period.parse("2026-05").quarters_to_date()] == ["2026-Q1", "2026-Q2"]
    assert [str(p) for p in Period.parse("2025").quarters_to_date()] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert str(Period.parse("2026-12").calendar_year) == "2026"


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "26", "Q2-2026", "2026-q2x"])
def test_a_period_it_cannot_read_is_explained(text):
    with pytest.raises(PeriodError, match="not a year .2025., a quarter .2026-Q2. or a month .2026-05."):
        Period.parse(text)
