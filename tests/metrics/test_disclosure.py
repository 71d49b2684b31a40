"""The public edition: the primary small-cell rule, secondary suppression against sums and
identities, and the auditor that tries to work withheld numbers back."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from foundation.errors import AgoraError
from foundation.vocabulary import Period
from metrics.disclosure import SENSITIVE_COLUMNS, apply_disclosure, suppression_rule
from metrics.disclosure_audit import audit
from metrics.engine import SORT_KEY, TABLE_COLUMNS, TABLE_SCHEMA
from metrics.protection import exposure, protect, small_rows

AS_OF = date(2026, 6, 30)


def cell(indicator: str, unit: str, period: str, numerator: int | None, denominator: int | None = None,
         breakdown: str = "total", value: str = "all", status: str = "no_target", median: float | None = None) -> dict:
    p = Period.parse(period)
    if unit == "count":
        number = float(numerator)
    elif unit in ("median", "index"):
        number = median
    else:
        number = numerator / denominator
    return {"indicator_id": indicator, "indicator_name": indicator, "area": "Participation", "unit": unit,
            "grain": p.grain, "period": period, "period_start": p.start, "period_end": p.end,
            "breakdown": breakdown, "breakdown_value": value, "numerator": numerator, "denominator": denominator,
            "value": number, "baseline": None, "target": 1.0 if status != "no_target" else None, "status": status,
            "suppressed": False, "as_of": AS_OF, "run_id": "r", "partial": False}


def table(*cells: dict) -> pl.DataFrame:
    return pl.DataFrame(list(cells), schema=TABLE_SCHEMA).select(TABLE_COLUMNS).sort(SORT_KEY)


def recoverable(internal: pl.DataFrame, withheld: list[int] | np.ndarray) -> int:
    return len(exposure(internal, np.asarray(withheld), 5).recoverable)


def withheld_keys(public: pl.DataFrame) -> set[tuple]:
    return set(public.filter("suppressed").select("indicator_id", "period", "breakdown_value").rows())


# -- the primary rule --------------------------------------------------------------------------------

BOUNDARY = table(
    cell("A-1", "count", "2026", 4),                # count under 5
    cell("A-2", "count", "2026", 5),                # count at 5: shown
    cell("A-3", "ratio", "2026", 4, 40),            # numerator under 5
    cell("A-4", "ratio", "2026", 37, 40),           # complement 3 under 5
    cell("A-5", "ratio", "2026", 5, 10),            # 5 of 10: shown
    cell("A-6", "ratio", "2026", 0, 40),            # none of 40: 0 is small
    cell("A-7", "mean", "2026", 40, 4),             # mean over 4 engagements
    cell("A-8", "median", "2026", None, 5, median=3.5),   # median over 5: shown
    cell("A-9", "index", "2026", None, 4, median=0.9),    # index over 4 organisations
    cell("B-1", "count", "2026", 0),                # a zero count
)


def test_primary_rule_withholds_counts_numerators_denominators_and_complements_under_the_threshold():
    assert small_rows(BOUNDARY, 5).to_list() == [True, False, True, True, False, True, True, False, True, True]
    public = apply_disclosure(BOUNDARY, "public", 5)
    assert public.filter(~pl.col("suppressed"))["indicator_id"].to_list() == ["A-2", "A-5", "A-8"]
    hidden = public.filter("suppressed")
    assert hidden.select("numerator", "denominator", "value", "status").null_count().row(0) == (7, 7, 7, 7)


def test_the_threshold_is_a_setting(monkeypatch):
    from foundation.settings import Settings

    assert apply_disclosure(BOUNDARY, "public", 1)["suppressed"].to_list() == [
        False, False, False, False, False, True, False, False, False, True]
    monkeypatch.setenv("AGORA_SMALL_CELL_THRESHOLD", "11")
    assert Settings().small_cell_threshold == 11


def test_a_withheld_row_shows_no_status_but_keeps_its_target():
    internal = table(cell("A-1", "count", "2026", 1, status="met"), cell("A-2", "count", "2026", 9, status="met"))
    public = apply_disclosure(internal, "public", 5)
    assert public.select("suppressed", "value", "target", "status").rows() == [
        (True, None, 1.0, None), (False, 9.0, 1.0, "met")]


def test_internal_is_unchanged_and_unsuppressed():
    internal = apply_disclosure(BOUNDARY.with_columns(suppressed=pl.lit(True)), "internal", 5)
    assert internal.drop("suppressed").equals(BOUNDARY.drop("suppressed"))
    assert not internal["suppressed"].any()


def test_a_row_of_unknown_size_is_not_shown():
    unknown = table(cell("A-1", "ratio", "2026", 5, 10)).with_columns(numerator=pl.lit(None, pl.Int64))
    assert apply_disclosure(unknown, "public", 5)["suppressed"].to_list() == [True]


def test_public_drops_sensitive_columns_whatever_the_caller_passed():
    assert {"org_id", "name", "at_risk"} <= set(SENSITIVE_COLUMNS)
    leaky = BOUNDARY.with_columns(org_id=pl.lit("ORG-1"), at_risk=pl.lit(True), name=pl.lit("Friends of X"))
    assert not set(SENSITIVE_COLUMNS) & set(apply_disclosure(leaky, "public", 5).columns)


def test_an_unknown_audience_is_a_clear_error():
    with pytest.raises(AgoraError, match="audience must be one of internal, public, not 'press'"):
        apply_disclosure(BOUNDARY, "press", 5)


def test_the_rule_in_words_names_the_threshold():
    assert "under 7" in suppression_rule(7)


def test_protection_does_not_depend_on_row_order():
    shuffled = BREAKDOWN.sample(fraction=1.0, shuffle=True, seed=3)
    a = apply_disclosure(BREAKDOWN, "public", 5).sort(SORT_KEY)
    b = apply_disclosure(shuffled, "public", 5).sort(SORT_KEY)
    assert a.equals(b)


# -- secondary suppression: hand-made tables where primary-only (naive) suppression leaks ------------

BREAKDOWN = table(
    cell("PAR-01", "count", "2026", 20),
    cell("PAR-01", "count", "2026", 3, breakdown="region", value="AG"),
    cell("PAR-01", "count", "2026", 8, breakdown="region", value="EEG"),
    cell("PAR-01", "count", "2026", 9, breakdown="region", value="WEOG"),
)


def test_a_breakdown_summing_to_its_total_gives_a_lone_withheld_value_away_unless_another_is_withheld():
    primary = np.flatnonzero(small_rows(BREAKDOWN, 5).to_numpy())
    assert recoverable(BREAKDOWN, primary) == 1   # 20 - 8 - 9 = 3
    public = apply_disclosure(BREAKDOWN, "public", 5)
    # the smallest other region goes with it, never the total
    assert withheld_keys(public) == {("PAR-01", "2026", "AG"), ("PAR-01", "2026", "EEG")}
    assert audit(BREAKDOWN, public, 5).safe


MONTHS = table(
    cell("PAR-02", "count", "2026-Q1", 18),
    cell("PAR-02", "count", "2026-01", 3),
    cell("PAR-02", "count", "2026-02", 7),
    cell("PAR-02", "count", "2026-03", 8),
)


def test_months_summing_to_their_quarter_are_protected():
    # the protection itself breaks the relation (withholding a second month) ...
    assert recoverable(MONTHS, np.flatnonzero(small_rows(MONTHS, 5).to_numpy())) == 1
    assert protect(MONTHS, 5).size == 2
    # ... and the public edition has no months at all: the quarter is published, no month is
    public = apply_disclosure(MONTHS, "public", 5)
    assert set(public["grain"]) == {"quarter"} and withheld_keys(public) == set()
    assert audit(MONTHS, public, 5).safe


def cross_indicator() -> pl.DataFrame:
    """PAR-01 counts organisations; INC-01's denominator is the same organisations, in every cell
    (ten years of totals make the identity one an attacker would suspect)."""
    cells = []
    for year in range(2015, 2025):
        cells += [cell("PAR-01", "count", str(year), 30 + year % 7),
                  cell("INC-01", "ratio", str(year), 10 + year % 3, 30 + year % 7)]
    year = "2025"
    cells += [cell("PAR-01", "count", year, 20), cell("INC-01", "ratio", year, 10, 20)]
    for region, orgs, women_led in (("AG", 3, 1), ("EEG", 17, 9)):
        cells += [cell("PAR-01", "count", year, orgs, breakdown="region", value=region),
                  cell("INC-01", "ratio", year, women_led, orgs, breakdown="region", value=region)]
    return table(*cells)


def test_one_indicators_denominator_equal_to_anothers_count_is_protected():
    internal = cross_indicator()
    keys = internal.select("indicator_id", "period", "breakdown_value").rows()
    par_ag, par_eeg = keys.index(("PAR-01", "2025", "AG")), keys.index(("PAR-01", "2025", "EEG"))
    primary = np.flatnonzero(small_rows(internal, 5).to_numpy())
    # naive: PAR-01's other region withheld too, so PAR-01's own sum gives nothing; but INC-01's
    # published denominator for EEG is PAR-01's EEG count, and 20 - 17 = 3 again
    naive = np.union1d(primary, [par_eeg])
    assert par_ag in primary and recoverable(internal, naive) >= 1
    public = apply_disclosure(internal, "public", 5)
    assert audit(internal, public, 5).safe
    assert ("INC-01", "2025", "EEG") in withheld_keys(public)


COMPLEMENT = table(
    cell("FOL-12", "ratio", "2026", 30, 40),
    cell("FOL-12", "ratio", "2026", 10, 12, breakdown="org_type", value="academic"),
    cell("FOL-12", "ratio", "2026", 20, 28, breakdown="org_type", value="national_ngo"),
)


def test_a_complement_under_the_threshold_is_withheld_and_not_recoverable():
    primary = np.flatnonzero(small_rows(COMPLEMENT, 5).to_numpy())
    assert len(primary) == 1   # 12 - 10 = 2 did not feel heard
    assert recoverable(COMPLEMENT, primary) >= 1
    public = apply_disclosure(COMPLEMENT, "public", 5)
    assert withheld_keys(public) == {("FOL-12", "2026", "academic"), ("FOL-12", "2026", "national_ngo")}
    assert audit(COMPLEMENT, public, 5).safe


def test_the_auditor_flags_published_small_cells_wrong_numbers_and_shown_status():
    public = BREAKDOWN.with_columns(suppressed=pl.lit(False))
    report = audit(BREAKDOWN, public, 5)
    assert [k[-1] for k in report.small_published] == ["AG"]
    tampered = apply_disclosure(BREAKDOWN, "public", 5).with_columns(
        status=pl.lit("met"), value=pl.when(pl.col("breakdown_value") == "WEOG").then(10.0).otherwise(pl.col("value")))
    report = audit(BREAKDOWN, tampered, 5)
    assert len(report.status_shown) == 2 and len(report.mismatched) == 1 and not report.safe


def test_protect_is_deterministic():
    internal = cross_indicator()
    assert protect(internal, 5).tolist() == protect(internal, 5).tolist()


CROSSED = table(
    cell("PAR-01", "count", "2026", 40),
    cell("PAR-01", "count", "2026", 20, breakdown="mechanism_id", value="CCPR"),
    cell("PAR-01", "count", "2026", 20, breakdown="mechanism_id", value="UPR"),
    cell("PAR-01", "count", "2026", 25, breakdown="region", value="AG"),
    cell("PAR-01", "count", "2026", 15, breakdown="region", value="EEG"),
    cell("PAR-01", "count", "2026", 3, breakdown="mechanism_id|region", value="CCPR|AG"),
    cell("PAR-01", "count", "2026", 17, breakdown="mechanism_id|region", value="CCPR|EEG"),
    cell("PAR-01", "count", "2026", 22, breakdown="mechanism_id|region", value="UPR|AG"),
    cell("PAR-01", "count", "2026", 8, breakdown="mechanism_id|region", value="UPR|EEG"),
)


def test_crossed_cells_summing_to_their_mechanism_and_to_their_plain_value_are_protected():
    primary = np.flatnonzero(small_rows(CROSSED, 5).to_numpy())
    assert recoverable(CROSSED, primary) == 1   # CCPR|AG = 20 - 17 = 25 - 22
    # the protection closes both ways out: over regions within CCPR, and over mechanisms within AG
    hidden = protect(CROSSED, 5)
    assert hidden.size >= 4
    assert recoverable(CROSSED, hidden) == 0
    # and the public edition publishes no crossed cell at all, so the plain cells stand alone
    public = apply_disclosure(CROSSED, "public", 5)
    assert not public["breakdown"].str.contains("|", literal=True).any()
    assert audit(CROSSED, public, 5).safe


def test_remembered_blocks_give_the_same_answer_as_solving_afresh():
    """`determined` with a memo kept across calls (as secondary suppression asks round after round)
    answers exactly as without: on a growing set of withheld rows, every call agrees."""
    from metrics.protection import determined, quantities, relations

    internal = pl.concat([cross_indicator(), CROSSED]).sort(SORT_KEY)
    rel, q = relations(internal), quantities(internal)
    rng = np.random.default_rng(7)
    memo: dict = {}
    withheld = np.flatnonzero(small_rows(internal, 5).to_numpy())
    for _ in range(6):
        unknown = q.filter(pl.col("row").is_in(withheld))["qid"].to_numpy()
        assert determined(rel, unknown, memo).tolist() == determined(rel, unknown).tolist()
        withheld = np.union1d(withheld, rng.choice(internal.height, 2, replace=False))
    assert memo  # blocks were remembered, and reused by the later calls


def test_the_public_edition_has_no_cell_of_a_single_engagement():
    internal = table(
        cell("PAR-01", "count", "2026", 40),
        cell("PAR-01", "count", "2026", 25, breakdown="engagement_id", value="E1"),
        cell("PAR-01", "count", "2026", 15, breakdown="engagement_id", value="E2"),
    )
    public = apply_disclosure(internal, "public", 5)
    assert public.select("breakdown", "numerator").rows() == [("total", 40)]
    assert "no cell of a single engagement" in suppression_rule(5)
