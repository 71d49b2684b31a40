"""Properties of the indicator table on generated warehouses (hypothesis): breakdowns that
partition organisations add up, ratios stay in 0..1, additive indicators agree across grains,
and the engine agrees with the independent DuckDB SQL implementation."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings, strategies as st

from handmade import HandmadeWarehouse
from metrics.api import indicator_table

AS_OF = date(2026, 6, 30)
FIRST = date(2025, 1, 1)
COUNTRIES = ("KEN", "FRA", "BRA", "VAT", "IND", "POL")   # VAT: the Holy See, in no regional group
ORG_TYPES = ("national_ngo", "community_based", "network")
KINDS = ("consultation", "call_for_input", "country_visit")
MODALITIES = ("in_person", "online", "hybrid")
KEY = ["indicator_id", "grain", "period", "breakdown", "breakdown_value"]
#: indicators whose numerator and denominator count records, so months add up to quarters and years
ADDITIVE = ("PAR-02", "PAR-03", "PAR-07", "INC-06", "INC-07", "FOL-01", "FOL-03")

days = st.integers(min_value=0, max_value=(date(2026, 12, 31) - FIRST).days).map(lambda d: FIRST + timedelta(d))


@st.composite
def warehouses(draw):
    organisations = [
        {"org_id": f"O{i}", "country": draw(st.sampled_from(COUNTRIES)), "org_type": draw(st.sampled_from(ORG_TYPES)),
         "women_led": draw(st.booleans()), "budget_band": draw(st.sampled_from(("lt_50k", "gt_1m", "unknown")))}
        for i in range(draw(st.integers(1, 8)))
    ]
    engagements = []
    for i in range(draw(st.integers(1, 6))):
        start = draw(days)
        engagements.append({
            "engagement_id": f"E{i}", "start_date": start, "end_date": start + timedelta(draw(st.integers(0, 20))),
            "mechanism_id": draw(st.sampled_from(("M1", "M2"))), "kind": draw(st.sampled_from(KINDS)),
            "modality": draw(st.sampled_from(MODALITIES)),
            "accessibility": draw(st.lists(st.sampled_from(("captioning", "easy_read")), max_size=2)),
        })
    pairs = draw(st.lists(st.sampled_from(list(itertools.product(range(len(engagements)), range(len(organisations))))),
                          unique=True, max_size=14))
    participations = []
    for e, o in pairs:
        attended = draw(st.booleans())
        total = draw(st.integers(0, 4))
        participations.append({
            "engagement_id": f"E{e}", "org_id": f"O{o}", "registered": draw(st.booleans()), "attended": attended,
            "spoke": attended and draw(st.booleans()), "participants_total": total,
            "participants_women": draw(st.integers(0, total)),
        })
    submissions = []
    for i in range(draw(st.integers(0, 6))):
        received = draw(days)
        submissions.append({
            "submission_id": f"S{i}", "engagement_id": f"E{draw(st.integers(0, len(engagements) - 1))}",
            "org_id": draw(st.one_of(st.none(), st.sampled_from([o["org_id"] for o in organisations]))),
            "received_on": received,
            "acknowledged_on": draw(st.one_of(st.none(), st.integers(0, 30).map(lambda d: received + timedelta(d)))),
            "reflected_in_output": draw(st.one_of(st.none(), st.booleans())),
        })
    return organisations, engagements, participations, submissions


def _write(path, drawn) -> HandmadeWarehouse:
    organisations, engagements, participations, submissions = drawn
    made = HandmadeWarehouse(path).mechanism("M1").mechanism("M2", kind="upr")
    for row in organisations:
        made.organisation(**row)
    for row in engagements:
        made.engagement(**row)
    for row in participations:
        made.participation(**row)
    for row in submissions:
        made.submission(**row)
    return made.write()


_settings = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_counter = itertools.count()


def _table(tmp_path, drawn) -> pl.DataFrame:
    return indicator_table(_write(tmp_path / f"w{next(_counter)}.duckdb", drawn), AS_OF)


@_settings
@given(drawn=warehouses())
def test_par01_over_a_partition_of_organisations_adds_up_to_the_total(tmp_path, drawn):
    par01 = _table(tmp_path, drawn).filter(indicator_id="PAR-01")
    totals = par01.filter(breakdown="total").select("grain", "period", total="numerator")
    for breakdown in ("region", "org_type"):
        parts = (par01.filter(breakdown=breakdown).group_by("grain", "period").agg(summed=pl.col("numerator").sum())
                 .join(totals, on=["grain", "period"], how="full", coalesce=True))
        assert parts.filter(pl.col("summed").ne_missing(pl.col("total"))).height == 0, breakdown


@_settings
@given(drawn=warehouses())
def test_ratios_stay_within_0_and_1_and_numerators_within_denominators(tmp_path, drawn):
    table = _table(tmp_path, drawn)
    ratios = table.filter(pl.col("unit").is_in(["ratio", "index"]))
    assert ratios.filter((pl.col("value") < 0) | (pl.col("value") > 1)).height == 0
    assert table.filter(unit="ratio").filter(pl.col("numerator") > pl.col("denominator")).height == 0
    assert table.filter(pl.col("unit") != "count").filter(pl.col("denominator") < 1).height == 0


@_settings
@given(drawn=warehouses())
def test_months_add_up_to_quarters_and_quarters_to_years_for_record_counts(tmp_path, drawn):
    table = _table(tmp_path, drawn).filter(pl.col("indicator_id").is_in(ADDITIVE))
    year_of = pl.col("period").str.slice(0, 4)
    quarter_of = year_of + "-Q" + ((pl.col("period").str.slice(5, 2).cast(pl.Int32) - 1) // 3 + 1).cast(pl.String)
    for finer, coarser, label in (("month", "quarter", quarter_of), ("quarter", "year", year_of),
                                  ("month", "year", year_of)):
        rolled = (table.filter(grain=finer).with_columns(period=label)
                  .group_by("indicator_id", "period", "breakdown", "breakdown_value")
                  .agg(pl.col("numerator").sum(), pl.col("denominator").sum()))
        direct = table.filter(grain=coarser).select("indicator_id", "period", "breakdown", "breakdown_value",
                                                    "numerator", "denominator")
        compared = rolled.join(direct, on=["indicator_id", "period", "breakdown", "breakdown_value"], how="full",
                               coalesce=True, suffix="_direct")
        assert compared.filter(pl.col("numerator").ne_missing(pl.col("numerator_direct"))
                               | pl.col("denominator").ne_missing(pl.col("denominator_direct"))).height == 0, \
            (finer, coarser)


@_settings
@given(drawn=warehouses())
def test_a_distinct_count_of_a_period_never_exceeds_the_sum_of_its_months(tmp_path, drawn):
    par01 = _table(tmp_path, drawn).filter(indicator_id="PAR-01", breakdown="total")
    months = (par01.filter(grain="month").group_by(year=pl.col("period").str.slice(0, 4))
              .agg(summed=pl.col("numerator").sum()))
    years = par01.filter(grain="year").select(year="period", counted="numerator")
    joined = years.join(months, on="year", how="left")
    assert joined.filter(pl.col("counted") > pl.col("summed")).height == 0
    assert set(years["year"]) == set(months["year"])


@_settings
@given(drawn=warehouses())
def test_the_engine_agrees_with_the_independent_sql_implementation(tmp_path, drawn):
    from bench.baseline_sql import indicator_table_sql
    from warehouse.db import connect

    path = _write(tmp_path / f"w{next(_counter)}.duckdb", drawn)
    mine = indicator_table(path, AS_OF).select(*KEY, "numerator", "denominator", "value")
    con = connect(path, read_only=True)
    try:
        theirs = indicator_table_sql(con, AS_OF).select(*KEY, "numerator", "denominator", "value")
    finally:
        con.close()
    compared = mine.join(theirs, on=KEY, how="full", coalesce=True, suffix="_sql")
    differing = compared.filter(
        pl.col("numerator").ne_missing(pl.col("numerator_sql"))
        | pl.col("denominator").ne_missing(pl.col("denominator_sql"))
        | pl.col("value").is_null().ne(pl.col("value_sql").is_null())
        | ((pl.col("value") - pl.col("value_sql")).abs() > 1e-9)
    )
    assert differing.height == 0, differing.head(10)


def _crossed_sums(table: pl.DataFrame, within: str, breakdown: str) -> pl.DataFrame:
    """Each crossed cell `within|breakdown` summed over the values of `breakdown`, beside the plain
    `within` cell of the same mechanism (or kind)."""
    crossed = (table.filter(breakdown=f"{within}|{breakdown}")
               .with_columns(mechanism=pl.col("breakdown_value").str.split("|").list.first())
               .group_by("indicator_id", "grain", "period", "mechanism")
               .agg(pl.col("numerator").sum(), pl.col("denominator").sum()))
    plain = table.filter(breakdown=within).select("indicator_id", "grain", "period", "numerator", "denominator",
                                                  mechanism="breakdown_value")
    return crossed.join(plain, on=["indicator_id", "grain", "period", "mechanism"], how="full", coalesce=True,
                        suffix="_plain")


@_settings
@given(drawn=warehouses())
def test_crossed_record_counts_over_a_breakdown_add_up_to_their_mechanisms_cell(tmp_path, drawn):
    """Spec v2: a crossed cell is the plain cell restricted to the mechanism's records, so for counts of
    records the cells of `mechanism_id|b` add up to the mechanism's own cell (and likewise by kind)."""
    table = _table(tmp_path, drawn).filter(pl.col("indicator_id").is_in(ADDITIVE))
    for within in ("mechanism_id", "mechanism_kind"):
        for breakdown in ("engagement_kind", "modality", "region", "org_type"):
            in_table = table.filter(pl.col("breakdown") == f"{within}|{breakdown}")["indicator_id"].unique()
            compared = _crossed_sums(table.filter(pl.col("indicator_id").is_in(in_table.implode())), within,
                                     breakdown)
            assert compared.filter(pl.col("numerator").ne_missing(pl.col("numerator_plain"))
                                   | pl.col("denominator").ne_missing(pl.col("denominator_plain"))).height == 0, \
                (within, breakdown)


@_settings
@given(drawn=warehouses())
def test_crossed_organisations_over_their_own_attribute_add_up_to_their_mechanisms_cell(tmp_path, drawn):
    """An organisation has one region and one type: within a mechanism they partition its organisations,
    so PAR-01's `mechanism_id|region` cells add up to the mechanism's count (an organisation engaged with
    two mechanisms counts in each)."""
    par01 = _table(tmp_path, drawn).filter(indicator_id="PAR-01")
    for within in ("mechanism_id", "mechanism_kind"):
        for breakdown in ("region", "org_type"):
            compared = _crossed_sums(par01, within, breakdown)
            assert compared.filter(pl.col("numerator").ne_missing(pl.col("numerator_plain"))).height == 0, \
                (within, breakdown)
