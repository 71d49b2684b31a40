"""Every indicator of shared/spec/indicators.md on a tiny warehouse whose answer is worked out by
hand in the test, checked against three implementations: the engine (`metrics.api`), the
hand-written DuckDB SQL (`bench.baseline_sql`) and the plain pandas one (`bench.baseline_pandas`).

Unless a test says otherwise the build date is 2026-06-30, organisations are national NGOs in
Kenya (AG), engagements are in-person consultations of M1 (a special procedure) lasting one day.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from handmade import HandmadeWarehouse, cell, periods

AS_OF = date(2026, 6, 30)


def _engine(path, as_of) -> pl.DataFrame:
    from metrics.api import indicator_table

    return indicator_table(path, as_of)


def _sql(path, as_of) -> pl.DataFrame:
    from bench.baseline_sql import indicator_table_sql
    from warehouse.db import connect

    con = connect(path, read_only=True)
    try:
        return indicator_table_sql(con, as_of)
    finally:
        con.close()


def _pandas(path, as_of) -> pl.DataFrame:
    from bench.baseline_pandas import indicator_table_pandas, warehouse_tables

    return pl.from_pandas(indicator_table_pandas(warehouse_tables(path), as_of))


@pytest.fixture(params=[_engine, _sql, _pandas], ids=["engine", "sql", "pandas"])
def indicator_table(request):
    """The indicator table of a hand-made warehouse at a build date, by one implementation."""
    return request.param


@pytest.fixture
def w(tmp_path) -> HandmadeWarehouse:
    return HandmadeWarehouse(tmp_path / "handmade.duckdb").mechanism("M1").mechanism("M2", kind="upr")


def test_par01_counts_engaged_organisations_once_per_cell(w, indicator_table):
    (w.organisation("O1").organisation("O2").organisation("O3", country="FRA").organisation("O4")
     .organisation("O5")
     .engagement("E1", "2026-03-02").engagement("E2", "2026-03-10", mechanism_id="M2")
     .engagement("E3", "2026-07-15", mechanism_id="M2", kind="call_for_input")
     .engagement("E4", "2026-07-01")
     .participation("E1", "O1").participation("E2", "O1")      # O1: two mechanisms, one org
     .participation("E1", "O2", attended=False)                # registered only: no contact
     .submission("S1", "E3", "2026-06-10", org_id="O3")        # June submission to a July call
     .participation("E4", "O4")                                # engagement after the build date
     .submission("S2", "E1", "2026-03-05")                     # anonymous: no organisation
     .submission("S3", "E1", "2026-07-02", org_id="O5"))       # received after the build date
    table = indicator_table(w.write(), AS_OF)
    # 2026: O1 and O3 engaged; O2, O4 and O5 not.
    assert cell(table, "PAR-01", "year", "2026") == (2, None, 2.0)
    # O1 counts once in M1, once in M2 and once (not twice) in the total.
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id", "M1") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id", "M2") == (2, None, 2.0)
    assert cell(table, "PAR-01", "year", "2026", "mechanism_kind", "upr") == (2, None, 2.0)
    assert cell(table, "PAR-01", "year", "2026", "engagement_kind", "call_for_input") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "region", "WEOG") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "region", "AG") == (1, None, 1.0)
    assert cell(table, "PAR-01", "month", "2026-03") == (1, None, 1.0)
    # the June submission counts in June although its call opens in July; empty months have no row
    assert periods(table, "PAR-01", "month") == ["2026-03", "2026-06"]
    assert periods(table, "PAR-01", "quarter") == ["2026-Q1", "2026-Q2"]


def test_par02_attendance_rate_among_registered(w, indicator_table):
    (w.organisation("O1").organisation("O2").organisation("O3")
     .engagement("E1", "2026-02-02").engagement("E2", "2026-02-20", modality="online")
     .engagement("E5", "2026-07-03")
     .participation("E1", "O1").participation("E1", "O2", attended=False)
     .participation("E1", "O3", registered=False)               # walked in: not in the population
     .participation("E2", "O1")
     .participation("E5", "O2"))                                # after the build date
    table = indicator_table(w.write(), AS_OF)
    # registered: O1@E1, O2@E1, O1@E2 = 3; attended among them: O1@E1, O1@E2 = 2
    assert cell(table, "PAR-02", "year", "2026") == (2, 3, pytest.approx(2 / 3))
    assert cell(table, "PAR-02", "month", "2026-02") == (2, 3, pytest.approx(2 / 3))
    assert cell(table, "PAR-02", "year", "2026", "modality", "online") == (1, 1, 1.0)
    assert cell(table, "PAR-02", "year", "2026", "modality", "in_person") == (1, 2, 0.5)
    assert periods(table, "PAR-02", "month") == ["2026-02"]


def test_par03_mean_attended_organisations_per_engagement(w, indicator_table):
    for org in ("O1", "O2", "O3", "O4"):
        w.organisation(org)
    (w.engagement("E1", "2026-01-10").engagement("E2", "2026-01-20", modality="online")
     .engagement("E3", "2026-01-12", kind="call_for_input").engagement("E4", "2026-07-10")
     .engagement("E6", "2026-06-20", end_date="2026-07-10")           # started before, ends after
     .participation("E1", "O1").participation("E1", "O2").participation("E1", "O3")
     .participation("E1", "O4", attended=False)
     .participation("E3", "O1").participation("E4", "O1").participation("E6", "O2"))
    table = indicator_table(w.write(), AS_OF)
    # E1 has 3 attended, E2 none (still in the denominator), E6 one; the call and the July event
    # are out: (3 + 0 + 1) / 3
    assert cell(table, "PAR-03", "year", "2026") == (4, 3, pytest.approx(4 / 3))
    assert cell(table, "PAR-03", "month", "2026-06") == (1, 1, 1.0)
    assert cell(table, "PAR-03", "month", "2026-01", "modality", "in_person") == (3, 1, 3.0)
    assert cell(table, "PAR-03", "month", "2026-01", "modality", "online") == (0, 1, 0.0)


def test_par04_submissions_per_call_counted_in_the_calls_start_period(w, indicator_table):
    (w.organisation("O1")
     .engagement("C1", "2026-04-01", mechanism_id="M2", kind="call_for_input", end_date="2026-05-31")
     .engagement("C2", "2026-05-15", kind="call_for_input")
     .engagement("C3", "2026-07-10", kind="call_for_input")
     .submission("S1", "C1", "2026-03-20", org_id="O1")         # before the call opened: still C1's
     .submission("S2", "C1", "2026-04-10", org_id="O1")
     .submission("S3", "C1", "2026-07-05", org_id="O1")         # after the build date
     .submission("S4", "C1", "2026-05-01")                      # anonymous submissions count
     .submission("S5", "C3", "2026-06-20", org_id="O1"))        # its call starts after the build date
    table = indicator_table(w.write(), AS_OF)
    # C1: S1, S2, S4 = 3; C2: 0; C3 not in the population -> 3 / 2
    assert cell(table, "PAR-04", "year", "2026") == (3, 2, 1.5)
    assert cell(table, "PAR-04", "month", "2026-04") == (3, 1, 3.0)
    assert cell(table, "PAR-04", "month", "2026-05") == (0, 1, 0.0)
    assert periods(table, "PAR-04", "month") == ["2026-04", "2026-05"]
    assert cell(table, "PAR-04", "year", "2026", "mechanism_kind", "upr") == (3, 1, 3.0)


def test_par05_returning_organisations(w, indicator_table):
    for org in ("O1", "O2", "O3", "O5", "O6"):
        w.organisation(org)
    (w.engagement("NOV", "2025-11-03").engagement("APR", "2026-04-10")
     .engagement("MAY", "2026-05-12").engagement("MAY2", "2026-05-20", mechanism_id="M2")
     .engagement("JUN", "2026-06-15")
     .participation("NOV", "O1").participation("NOV", "O5")
     .participation("APR", "O1").participation("APR", "O2")
     .participation("MAY2", "O1").participation("MAY", "O3")
     .participation("JUN", "O6"))
    table = indicator_table(w.write(), AS_OF)
    # engaged: 2025-11 {O1,O5}; 2026-04 {O1,O2}; 2026-05 {O1 (M2), O3 (M1)}; 2026-06 {O6}
    assert cell(table, "PAR-05", "month", "2025-12") == (0, 2, 0.0)     # nobody engaged in December
    assert cell(table, "PAR-05", "month", "2026-05") == (1, 2, 0.5)     # O1 of {O1, O2}
    assert cell(table, "PAR-05", "month", "2026-06") == (0, 2, 0.0)     # of {O1, O3}: none
    # no row after an empty month (2026-01) nor beyond the build date's month (2026-07)
    assert periods(table, "PAR-05", "month") == ["2025-12", "2026-05", "2026-06"]
    # quarters: 2025-Q4 {O1,O5} -> 2026-Q1 nobody (a row, value 0); Q1 empty -> no Q2 row;
    # Q2 is the build date's quarter -> no Q3 row
    assert cell(table, "PAR-05", "quarter", "2026-Q1") == (0, 2, 0.0)
    assert periods(table, "PAR-05", "quarter") == ["2026-Q1"]
    # years: 2025 {O1,O5} -> 2026 O1 is back: 1 / 2; no 2027 row
    assert cell(table, "PAR-05", "year", "2026") == (1, 2, 0.5)
    assert periods(table, "PAR-05", "year") == ["2026"]
    # same breakdown cell: in April {O1,O2} were engaged with a special procedure, in May only O3
    assert cell(table, "PAR-05", "month", "2026-05", "mechanism_kind", "special_procedure") == (0, 2, 0.0)
    assert cell(table, "PAR-05", "month", "2026-05", "mechanism_kind", "upr") is None
    assert cell(table, "PAR-05", "month", "2026-06", "mechanism_kind", "upr") == (0, 1, 0.0)


def test_par06_newcomers_by_first_contact_with_any_mechanism(w, indicator_table):
    (w.organisation("O1").organisation("O2").organisation("O3")
     .engagement("E0", "2025-10-01").engagement("E1", "2025-11-03")
     .engagement("E2", "2026-03-05", mechanism_id="M2").engagement("E3", "2026-03-15")
     .submission("S1", "E1", "2025-11-03", org_id="O1")          # O1's first contact, with M1
     .participation("E2", "O1").participation("E2", "O2")
     .participation("E0", "O3", attended=False)                  # registration is no contact
     .participation("E3", "O3"))
    table = indicator_table(w.write(), AS_OF)
    # 2026: engaged O1, O2, O3; first contacts in 2026: O2 and O3 -> 2 / 3
    assert cell(table, "PAR-06", "year", "2026") == (2, 3, pytest.approx(2 / 3))
    assert cell(table, "PAR-06", "month", "2026-03") == (2, 3, pytest.approx(2 / 3))
    # with the UPR (M2) O1 is new, but its first contact ever was with M1 in 2025: 1 / 2
    assert cell(table, "PAR-06", "year", "2026", "mechanism_kind", "upr") == (1, 2, 0.5)
    assert cell(table, "PAR-06", "year", "2025") == (1, 1, 1.0)
    assert cell(table, "PAR-06", "quarter", "2025-Q4") == (1, 1, 1.0)


def test_par07_floor_share_among_attended(w, indicator_table):
    (w.organisation("O1").organisation("O2").organisation("O3")
     .engagement("E1", "2026-05-05")
     .participation("E1", "O1", spoke=True).participation("E1", "O2")
     .participation("E1", "O3", attended=False))
    table = indicator_table(w.write(), AS_OF)
    # attended: O1, O2; spoke: O1 -> 1 / 2
    assert cell(table, "PAR-07", "year", "2026") == (1, 2, 0.5)
    assert cell(table, "PAR-07", "quarter", "2026-Q2", "modality", "in_person") == (1, 2, 0.5)


def test_inc01_to_inc04_profiles_of_engaged_organisations(w, indicator_table):
    (w.organisation("O1", women_led=True, org_type="community_based", constituencies=["women", "women"],
                    budget_band="lt_50k")
     .organisation("O2", budget_band="50k_250k")
     .organisation("O3", org_type="community_based", budget_band="gt_1m")
     .organisation("O4", women_led=True, budget_band="unknown")
     .organisation("O5", women_led=True, org_type="community_based", budget_band="lt_50k")
     .engagement("E1", "2026-02-02").engagement("E2", "2026-02-09")
     .participation("E1", "O1").participation("E2", "O1")          # two contacts, one organisation
     .participation("E1", "O2").participation("E1", "O4")
     .submission("S1", "E1", "2026-02-03", org_id="O3")
     .participation("E2", "O5", attended=False))                   # not engaged
    table = indicator_table(w.write(), AS_OF)
    # engaged: O1, O2, O3, O4
    assert cell(table, "INC-01", "year", "2026") == (2, 4, 0.5)             # women-led O1, O4
    assert cell(table, "INC-02", "year", "2026") == (2, 4, 0.5)             # community-based O1, O3
    assert cell(table, "INC-03", "year", "2026") == (1, 4, 0.25)            # O1 lists a constituency
    assert cell(table, "INC-04", "year", "2026") == (2, 3, pytest.approx(2 / 3))  # O4 unknown budget
    assert cell(table, "INC-01", "year", "2026", "org_type", "community_based") == (1, 2, 0.5)
    for indicator in ("INC-02", "INC-04"):
        assert table.filter((pl.col("indicator_id") == indicator) & (pl.col("breakdown") == "org_type")).is_empty()


def test_inc05_regional_balance_index(w, indicator_table):
    countries = {"A": "KEN", "P": "CHN", "E": "POL", "G": "BRA", "W": "FRA", "A2": "NGA", "V": "VAT"}
    for org, country in countries.items():
        w.organisation(org, country=country)
    (w.engagement("JAN", "2026-01-10").engagement("FEB", "2026-02-10").engagement("MAR", "2026-03-10")
     .engagement("APR", "2026-04-10"))
    for org in ("A", "P", "E", "G", "W"):
        w.participation("JAN", org)
    w.participation("FEB", "A").participation("FEB", "V")
    w.participation("MAR", "A").participation("MAR", "A2").participation("MAR", "W").participation("MAR", "V")
    w.participation("APR", "V")
    table = indicator_table(w.write(), AS_OF)
    # January: one organisation in each of the five groups: -5 * (1/5) ln(1/5) / ln 5 = 1
    assert cell(table, "INC-05", "month", "2026-01") == (None, 5, pytest.approx(1.0))
    # February: only AG (the Holy See is in no group, so not in the population): 1 ln 1 = 0
    assert cell(table, "INC-05", "month", "2026-02") == (None, 1, pytest.approx(0.0))
    # March: AG 2/3, WEOG 1/3: (2/3 ln 1.5 + 1/3 ln 3) / ln 5
    #      = (2/3 * 0.405465 + 1/3 * 1.098612) / 1.609438 = (0.270310 + 0.366204) / 1.609438 = 0.395488
    assert cell(table, "INC-05", "month", "2026-03") == (None, 3, pytest.approx(0.395488, abs=1e-6))
    # April: nobody in a group -> empty population -> no row
    assert periods(table, "INC-05", "month") == ["2026-01", "2026-02", "2026-03"]
    # Q1 is the union: A, P, E, G, W, A2 -> AG 2/6, the four others 1/6 each:
    # (1/3 ln 3 + 4 * 1/6 ln 6) / ln 5 = (0.366204 + 4 * 0.298627) / 1.609438 = 1.560710 / 1.609438 = 0.969724
    assert cell(table, "INC-05", "quarter", "2026-Q1") == (None, 6, pytest.approx(0.969724, abs=1e-6))
    assert table.filter((pl.col("indicator_id") == "INC-05")
                        & pl.col("breakdown").is_in(["region", "org_type", "modality"])).is_empty()


def test_inc06_women_among_participants(w, indicator_table):
    (w.organisation("O1").organisation("O2").organisation("O3")
     .engagement("E1", "2026-01-10").engagement("E2", "2026-02-10")
     .participation("E1", "O1", participants_total=10, participants_women=4)
     .participation("E1", "O2", participants_total=5, participants_women=5)
     .participation("E1", "O3", attended=False, participants_total=100, participants_women=0)
     .participation("E2", "O1", participants_total=0, participants_women=0))
    table = indicator_table(w.write(), AS_OF)
    # attended at E1: women 4 + 5 = 9 of 10 + 5 = 15 -> 0.6; E2's month sums to 0 people: no row
    assert cell(table, "INC-06", "year", "2026") == (9, 15, pytest.approx(0.6))
    assert cell(table, "INC-06", "month", "2026-01") == (9, 15, pytest.approx(0.6))
    assert periods(table, "INC-06", "month") == ["2026-01"]
    assert cell(table, "PAR-07", "month", "2026-02") == (0, 1, 0.0)   # the month itself has attendance


def test_inc07_to_inc09_engagement_features(w, indicator_table):
    (w.engagement("E1", "2026-03-01", accessibility=["captioning"], languages=["en", "fr"])
     .engagement("E2", "2026-03-02", modality="online", languages=["en", "en"])
     .engagement("E3", "2026-03-03", modality="hybrid", accessibility=["sign_language", "sign_language"],
                 languages=["fr"])
     .engagement("E4", "2026-03-04", kind="call_for_input", modality="online", accessibility=["easy_read"],
                 languages=["en", "fr"])
     .engagement("E5", "2026-07-01", modality="online", accessibility=["captioning"]))
    table = indicator_table(w.write(), AS_OF)
    # population E1, E2, E3 (E4 is a call for input, E5 starts after the build date)
    assert cell(table, "INC-07", "year", "2026") == (2, 3, pytest.approx(2 / 3))   # E1, E3
    assert cell(table, "INC-08", "year", "2026") == (1, 3, pytest.approx(1 / 3))   # E1 ("en;en" is one)
    assert cell(table, "INC-09", "year", "2026") == (2, 3, pytest.approx(2 / 3))   # E2 online, E3 hybrid
    assert cell(table, "INC-07", "month", "2026-03", "modality", "hybrid") == (1, 1, 1.0)
    assert table.filter((pl.col("indicator_id") == "INC-09") & (pl.col("breakdown") == "modality")).is_empty()


def test_fol01_timely_acknowledgement_boundaries(w, indicator_table):
    (w.organisation("O1").engagement("E1", "2026-01-10")
     .submission("S1", "E1", "2026-06-16", org_id="O1", acknowledged_on="2026-06-30")  # 14 days before; 14 days
     .submission("S2", "E1", "2026-06-17", org_id="O1", acknowledged_on="2026-06-17")  # 13 days: too recent
     .submission("S3", "E1", "2026-05-01", org_id="O1", acknowledged_on="2026-05-16")  # 15 days
     .submission("S4", "E1", "2026-05-01", org_id="O1")                                # never acknowledged
     .submission("S6", "E1", "2026-05-01", acknowledged_on="2026-05-02"))              # anonymous, 1 day
    table = indicator_table(w.write(), AS_OF)
    # population S1, S3, S4, S6; timely S1, S6 -> 2 / 4
    assert cell(table, "FOL-01", "year", "2026") == (2, 4, 0.5)
    assert cell(table, "FOL-01", "month", "2026-06") == (1, 1, 1.0)
    assert cell(table, "FOL-01", "year", "2026", "region", "unknown") == (1, 1, 1.0)
    assert cell(table, "FOL-01", "year", "2026", "org_type", "unknown") == (1, 1, 1.0)
    assert cell(table, "FOL-01", "year", "2026", "region", "AG") == (1, 3, pytest.approx(1 / 3))


def test_fol02_median_days_to_acknowledge(w, indicator_table):
    (w.engagement("E1", "2026-01-10")
     .submission("S1", "E1", "2026-03-01", acknowledged_on="2026-03-03")   # 2 days
     .submission("S2", "E1", "2026-03-01", acknowledged_on="2026-03-11")   # 10 days
     .submission("S3", "E1", "2026-04-01", acknowledged_on="2026-04-04")   # 3 days
     .submission("S4", "E1", "2026-04-01", acknowledged_on="2026-04-08")   # 7 days
     .submission("S5", "E1", "2026-06-25", acknowledged_on="2026-07-02")   # acknowledged after the build date
     .submission("S6", "E1", "2026-06-01")                                 # not acknowledged
     .submission("S7", "E1", "2026-07-01", acknowledged_on="2026-07-01"))  # received after the build date
    table = indicator_table(w.write(), AS_OF)
    # 2026: days 2, 3, 7, 10 -> even n: (3 + 7) / 2 = 5
    assert cell(table, "FOL-02", "year", "2026") == (None, 4, 5.0)
    # Q1 (March): 2 and 10 -> 6; April: 3 and 7 -> 5
    assert cell(table, "FOL-02", "quarter", "2026-Q1") == (None, 2, 6.0)
    assert cell(table, "FOL-02", "month", "2026-04") == (None, 2, 5.0)
    assert periods(table, "FOL-02", "month") == ["2026-03", "2026-04"]


def test_fol03_input_reflected(w, indicator_table):
    (w.engagement("E1", "2026-01-10")
     .submission("S1", "E1", "2026-02-01", reflected_in_output=True)
     .submission("S2", "E1", "2026-02-01", reflected_in_output=False)
     .submission("S3", "E1", "2026-02-01")                                 # not yet assessed
     .submission("S4", "E1", "2026-02-01", reflected_in_output=True))
    table = indicator_table(w.write(), AS_OF)
    assert cell(table, "FOL-03", "year", "2026") == (2, 3, pytest.approx(2 / 3))


def test_fol04_feedback_loop_closed_within_90_days(w, indicator_table):
    for org in ("O1", "O2", "O3", "O4"):
        w.organisation(org)
    # the build date minus 90 days is 2026-04-01
    (w.engagement("E1", "2026-03-30", end_date="2026-04-01")           # ended exactly 90 days before
     .engagement("E2", "2026-03-30", end_date="2026-04-02")            # 89 days: not yet due
     .engagement("E3", "2026-01-05", end_date="2026-01-10")
     .participation("E1", "O1", outcome_communicated_on="2026-06-30")  # 90 days after the end
     .participation("E1", "O2", outcome_communicated_on="2026-07-01")  # after the build date
     .participation("E1", "O3", attended=False, outcome_communicated_on="2026-04-02")
     .participation("E1", "O4", outcome_communicated_on="2026-03-31")  # before the end counts
     .participation("E2", "O1", outcome_communicated_on="2026-04-02")
     .participation("E3", "O1")                                        # never told
     .participation("E3", "O2", outcome_communicated_on="2026-04-11")) # 21 + 28 + 31 + 11 = 91 days after
    table = indicator_table(w.write(), AS_OF)
    # population: E1 O1, O2, O4 + E3 O1, O2 = 5; closed: E1 O1, E1 O4 = 2
    assert cell(table, "FOL-04", "year", "2026") == (2, 5, 0.4)
    assert cell(table, "FOL-04", "month", "2026-03") == (2, 3, pytest.approx(2 / 3))   # dated by start
    assert cell(table, "FOL-04", "month", "2026-01") == (0, 2, 0.0)
    assert periods(table, "FOL-04", "month") == ["2026-01", "2026-03"]


def test_fol05_to_fol07_recommendations(w, indicator_table):
    (w.engagement("E1", "2026-01-10")
     .recommendation("R1", "2026-02-01", state_response="supported", specificity=5, informed_by_cso=True,
                     engagement_id="E1")
     .recommendation("R2", "2026-02-10", state_response="noted", specificity=3, addressee_country="VAT")
     .recommendation("R3", "2026-03-01", mechanism_id="M2", state_response="pending", informed_by_cso=True,
                     engagement_id="E1", addressee_country="FRA")   # keeps M2 although E1 is M1's
     .recommendation("R4", "2026-07-01", state_response="supported", specificity=5, informed_by_cso=True))
    table = indicator_table(w.write(), AS_OF)
    # R4 is issued after the build date
    assert cell(table, "FOL-05", "year", "2026") == (1, 2, 0.5)       # supported R1 of R1, R2
    assert cell(table, "FOL-06", "year", "2026") == (1, 2, 0.5)       # specificity 5: R1 of R1, R2
    assert cell(table, "FOL-07", "year", "2026") == (2, 3, pytest.approx(2 / 3))  # R1, R3 of R1..R3
    assert cell(table, "FOL-07", "year", "2026", "mechanism_id", "M2") == (1, 1, 1.0)
    assert cell(table, "FOL-07", "year", "2026", "mechanism_id", "M1") == (1, 2, 0.5)
    assert cell(table, "FOL-07", "year", "2026", "engagement_id", "E1") == (2, 2, 1.0)
    assert cell(table, "FOL-07", "year", "2026", "engagement_id", "unknown") == (0, 1, 0.0)
    assert cell(table, "FOL-07", "year", "2026", "region", "none") == (0, 1, 0.0)     # the Holy See
    assert cell(table, "FOL-07", "year", "2026", "region", "WEOG") == (1, 1, 1.0)
    assert cell(table, "FOL-05", "year", "2026", "region", "none") == (0, 1, 0.0)
    assert cell(table, "FOL-05", "month", "2026-03") is None          # R3 is pending
    assert periods(table, "FOL-07", "month") == ["2026-02", "2026-03"]


def test_fol08_follow_up_within_a_year(w, indicator_table):
    # the build date minus 365 days is 2025-06-30
    (w.recommendation("R1", "2025-06-30").follow_up("F1", "R1", "2026-06-30")   # 365 and 365
     .recommendation("R2", "2025-07-01").follow_up("F2", "R2", "2025-07-02")    # issued 364 days before
     .recommendation("R3", "2025-01-01").follow_up("F3", "R3", "2026-01-02")    # 366 days later
     .recommendation("R4", "2025-03-01").follow_up("F4", "R4", "2025-03-01")    # same day, no_information
     .recommendation("R5", "2025-02-01"))
    table = indicator_table(w.write(), AS_OF)
    # population R1, R3, R4, R5; followed up R1, R4 -> 2 / 4
    assert cell(table, "FOL-08", "year", "2025") == (2, 4, 0.5)
    assert cell(table, "FOL-08", "quarter", "2025-Q2") == (1, 1, 1.0)
    assert periods(table, "FOL-08", "year") == ["2025"]


def test_fol09_latest_follow_up_status_with_ties(w, indicator_table):
    (w.recommendation("R1", "2025-10-01")
     .follow_up("F1", "R1", "2026-01-01", status="implemented")
     .follow_up("F2", "R1", "2026-03-01", status="not_implemented")         # latest: not acted on
     .recommendation("R2", "2025-10-01")
     .follow_up("F10", "R2", "2026-02-01", status="implemented")
     .follow_up("F9", "R2", "2026-02-01", status="not_implemented")         # tie: 'F9' > 'F10'
     .recommendation("R3", "2025-10-01")
     .follow_up("F20", "R3", "2026-02-01", status="partially_implemented")
     .follow_up("F21", "R3", "2026-07-01", status="in_progress")            # after the build date
     .recommendation("R4", "2025-10-01")                                     # no follow-up
     .recommendation("R5", "2025-10-01").follow_up("F50", "R5", "2026-07-02", status="implemented")
     .recommendation("R6", "2025-10-01")
     .follow_up("F7", "R6", "2026-02-01", status="in_progress")
     .follow_up("F8", "R6", "2026-02-01", status="implemented"))            # tie: 'F8' > 'F7'
    table = indicator_table(w.write(), AS_OF)
    # population R1, R2, R3, R6 (R4 none, R5 only after the build date); acted on R3, R6
    assert cell(table, "FOL-09", "year", "2025") == (2, 4, 0.5)
    assert cell(table, "FOL-09", "month", "2025-10", "mechanism_id", "M1") == (2, 4, 0.5)


def test_fol10_overdue_follow_up_dated_by_due_date(w, indicator_table):
    (w.recommendation("R1", "2026-01-01", due_on="2026-03-31").follow_up("F1", "R1", "2026-03-31")
     .recommendation("R2", "2026-01-01", due_on="2026-03-31").follow_up("F2", "R2", "2026-04-01")
     .recommendation("R3", "2026-01-01", due_on="2026-06-30")            # due on the build date: not yet
     .recommendation("R4", "2026-01-01", due_on="2026-05-15")
     .recommendation("R6", "2025-12-01", due_on="2026-02-01")
     .recommendation("R7", "2026-01-01"))                                # no deadline
    table = indicator_table(w.write(), AS_OF)
    # population R1, R2, R4, R6; overdue R2, R4, R6 -> 3 / 4, all dated in 2026 by due_on
    assert cell(table, "FOL-10", "year", "2026") == (3, 4, 0.75)
    assert cell(table, "FOL-10", "month", "2026-03") == (1, 2, 0.5)
    assert periods(table, "FOL-10", "year") == ["2026"]
    assert periods(table, "FOL-10", "month") == ["2026-02", "2026-03", "2026-05"]


def test_fol11_to_fol13_feedback_with_anonymous_responses(w, indicator_table):
    (w.organisation("O1").organisation("O2", country="VAT", org_type="network")
     .engagement("E1", "2026-02-20").engagement("E2", "2026-02-25", mechanism_id="M2")
     .engagement("E3", "2026-08-01")
     .feedback("X1", "E1", "2026-03-01", org_id="O1", satisfaction=5, felt_heard=4, faced_restrictions=True)
     .feedback("X2", "E1", "2026-03-02", satisfaction=2, felt_heard=3)
     .feedback("X3", "E2", "2026-03-03", org_id="O2", satisfaction=4, felt_heard=5)
     .feedback("X4", "E1", "2026-07-01", org_id="O1", satisfaction=1)                  # after the build date
     .feedback("X5", "E3", "2026-06-01", org_id="O1", satisfaction=1, felt_heard=1, faced_restrictions=True))
    table = indicator_table(w.write(), AS_OF)
    # March: satisfaction (5 + 2 + 4) / 3; felt heard (>= 4) X1, X3; restrictions X1
    assert cell(table, "FOL-11", "month", "2026-03") == (11, 3, pytest.approx(11 / 3))
    assert cell(table, "FOL-12", "month", "2026-03") == (2, 3, pytest.approx(2 / 3))
    assert cell(table, "FOL-13", "month", "2026-03") == (1, 3, pytest.approx(1 / 3))
    assert cell(table, "FOL-11", "month", "2026-03", "region", "unknown") == (2, 1, 2.0)
    assert cell(table, "FOL-11", "month", "2026-03", "org_type", "unknown") == (2, 1, 2.0)
    assert cell(table, "FOL-11", "month", "2026-03", "region", "none") == (4, 1, 4.0)
    assert cell(table, "FOL-11", "month", "2026-03", "mechanism_id", "M2") == (4, 1, 4.0)
    # a response counts by its own date, even to an engagement after the build date
    assert cell(table, "FOL-11", "month", "2026-06") == (1, 1, 1.0)
    assert cell(table, "FOL-11", "year", "2026") == (12, 4, 3.0)


BREAKDOWNS = {
    "ORG": {"total", "mechanism_kind", "mechanism_id", "engagement_kind", "region", "org_type"},
    "EVT": {"total", "mechanism_kind", "mechanism_id", "engagement_kind", "modality"},
    "SUB": {"total", "mechanism_kind", "mechanism_id", "region", "org_type"},
    "REC": {"total", "mechanism_kind", "mechanism_id", "engagement_id", "region"},
    "FUP": {"total", "mechanism_kind", "mechanism_id", "region"},
}
SPEC_BREAKDOWNS = {
    "PAR-01": BREAKDOWNS["ORG"], "PAR-02": BREAKDOWNS["ORG"] | {"modality"}, "PAR-03": BREAKDOWNS["EVT"],
    "PAR-04": {"total", "mechanism_kind", "mechanism_id"}, "PAR-05": {"total", "mechanism_kind", "region", "org_type"},
    "PAR-06": {"total", "mechanism_kind", "region", "org_type"}, "PAR-07": BREAKDOWNS["ORG"] | {"modality"},
    "INC-01": BREAKDOWNS["ORG"], "INC-02": BREAKDOWNS["ORG"] - {"org_type"}, "INC-03": BREAKDOWNS["ORG"],
    "INC-04": BREAKDOWNS["ORG"] - {"org_type"},
    "INC-05": {"total", "mechanism_kind", "mechanism_id", "engagement_kind"},
    "INC-06": BREAKDOWNS["ORG"] | {"modality"}, "INC-07": BREAKDOWNS["EVT"], "INC-08": BREAKDOWNS["EVT"],
    "INC-09": BREAKDOWNS["EVT"] - {"modality"}, "FOL-01": BREAKDOWNS["SUB"],
    "FOL-02": {"total", "mechanism_kind", "mechanism_id"}, "FOL-03": BREAKDOWNS["SUB"],
    "FOL-04": BREAKDOWNS["ORG"], "FOL-05": BREAKDOWNS["REC"], "FOL-06": BREAKDOWNS["REC"],
    "FOL-07": BREAKDOWNS["REC"], "FOL-08": BREAKDOWNS["FUP"], "FOL-09": BREAKDOWNS["FUP"],
    "FOL-10": BREAKDOWNS["FUP"], "FOL-11": BREAKDOWNS["ORG"], "FOL-12": BREAKDOWNS["ORG"],
    "FOL-13": BREAKDOWNS["ORG"],
}


def _and_crossed(breakdowns: set[str]) -> set[str]:
    """Spec v2: each breakdown b (not total or a mechanism one) also within mechanism_id and mechanism_kind,
    each when the indicator has it."""
    plain = breakdowns - {"total", "mechanism_id", "mechanism_kind"}
    return breakdowns | {f"{within}|{b}" for within in {"mechanism_id", "mechanism_kind"} & breakdowns for b in plain}


def test_every_indicator_has_exactly_its_spec_breakdowns(w, indicator_table):
    """One record of every kind, old enough for every window: all 29 indicators have rows, crossed
    cells included."""
    (w.organisation("O1", budget_band="lt_50k")
     .engagement("E0", "2023-12-10")
     .engagement("E1", "2024-01-10", end_date="2024-01-11")
     .engagement("C1", "2024-01-15", kind="call_for_input")
     .participation("E0", "O1")
     .participation("E1", "O1", participants_total=3, participants_women=2, spoke=True,
                    outcome_communicated_on="2024-02-01")
     .submission("S1", "C1", "2024-01-20", org_id="O1", acknowledged_on="2024-01-22", reflected_in_output=True)
     .recommendation("R1", "2024-01-30", engagement_id="E1", state_response="supported", specificity=5,
                     due_on="2024-06-30")
     .follow_up("F1", "R1", "2024-03-01", status="implemented")
     .feedback("X1", "E1", "2024-01-12", org_id="O1"))
    table = indicator_table(w.write(), AS_OF)
    found = {
        row["indicator_id"]: set(row["breakdown"])
        for row in table.group_by("indicator_id").agg(pl.col("breakdown").unique()).iter_rows(named=True)
    }
    assert found == {indicator: _and_crossed(breakdowns) for indicator, breakdowns in SPEC_BREAKDOWNS.items()}
    assert "mechanism_id|region" not in found["PAR-05"] and "mechanism_kind|region" in found["PAR-05"]
    assert cell(table, "PAR-01", "year", "2024", "mechanism_id|region", "M1|AG") == (1, None, 1.0)
    keys = ["indicator_id", "grain", "period", "breakdown", "breakdown_value"]
    assert table.select(keys).is_duplicated().sum() == 0
    assert set(table["grain"]) == {"year", "quarter", "month"}


# -- crossed cells (spec v2): every breakdown also within each mechanism and mechanism kind ------------

def test_crossed_cells_count_an_organisation_in_each_of_its_mechanisms(w, indicator_table):
    (w.mechanism("M3")                                                   # a second special procedure
     .organisation("O1", women_led=True).organisation("O2", country="FRA", org_type="community_based")
     .engagement("E1", "2026-03-02").engagement("E1b", "2026-03-20")
     .engagement("E2", "2026-04-10", mechanism_id="M2", kind="call_for_input")
     .engagement("E3", "2026-05-05", mechanism_id="M3")
     .participation("E1", "O1").participation("E1b", "O1")               # O1 twice with M1: once
     .submission("S1", "E2", "2026-04-12", org_id="O1")                  # ... and with M2 (upr)
     .participation("E1", "O2").participation("E3", "O2"))               # O2 with M1 and M3
    table = indicator_table(w.write(), AS_OF)
    assert cell(table, "PAR-01", "year", "2026") == (2, None, 2.0)
    # within M1: O1 (AG, national NGO) and O2 (WEOG, community-based); within M2 O1 again
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id|region", "M1|AG") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id|region", "M1|WEOG") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id|region", "M2|AG") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id|region", "M2|WEOG") is None
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id|org_type", "M3|community_based") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "mechanism_id|engagement_kind", "M2|call_for_input") == \
        (1, None, 1.0)
    # within the kind special_procedure (M1 and M3) O2 counts once, and O1 once for its two M1 contacts
    assert cell(table, "PAR-01", "year", "2026", "mechanism_kind|region", "special_procedure|WEOG") == (1, None, 1.0)
    assert cell(table, "PAR-01", "year", "2026", "mechanism_kind|engagement_kind",
                "special_procedure|consultation") == (2, None, 2.0)
    assert cell(table, "PAR-01", "month", "2026-03", "mechanism_kind|org_type",
                "special_procedure|national_ngo") == (1, None, 1.0)
    # INC-01 within M1: of O1 and O2 one is women-led; within M2|AG O1 is
    assert cell(table, "INC-01", "year", "2026", "mechanism_id|engagement_kind", "M1|consultation") == (1, 2, 0.5)
    assert cell(table, "INC-01", "year", "2026", "mechanism_id|region", "M2|AG") == (1, 1, 1.0)
    # PAR-06 in a crossed cell: O1's first contact ever (March, with M1) is not in April, so with the UPR
    # in April it is no newcomer; by year it is
    assert cell(table, "PAR-06", "month", "2026-04", "mechanism_kind|region", "upr|AG") == (0, 1, 0.0)
    assert cell(table, "PAR-06", "year", "2026", "mechanism_kind|region", "upr|AG") == (1, 1, 1.0)
    # record counts: PAR-02 within M1 by region, registrations of E1 and E1b
    assert cell(table, "PAR-02", "quarter", "2026-Q1", "mechanism_id|region", "M1|AG") == (2, 2, 1.0)
    assert cell(table, "PAR-02", "quarter", "2026-Q1", "mechanism_id|modality", "M1|in_person") == (3, 3, 1.0)
    # mechanism_id is not crossed with mechanism_kind, nor with itself
    assert not table.filter(pl.col("breakdown").is_in(["mechanism_id|mechanism_kind", "mechanism_kind|mechanism_id",
                                                       "mechanism_id|mechanism_id"])).height


def test_par05_crossed_cell_of_the_previous_period_is_the_same_crossed_cell(w, indicator_table):
    (w.organisation("O1").organisation("O2", org_type="community_based")
     .engagement("Q1", "2026-02-10").engagement("Q2", "2026-05-10").engagement("U2", "2026-05-20", mechanism_id="M2")
     .participation("Q1", "O1").participation("Q1", "O2")
     .participation("U2", "O1")                        # Q2: O1 only with the UPR
     .participation("Q2", "O2"))                       # Q2: O2 again with the special procedure
    table = indicator_table(w.write(), date(2026, 7, 15))
    # total: both engaged in Q1 and in Q2
    assert cell(table, "PAR-05", "quarter", "2026-Q2") == (2, 2, 1.0)
    # special_procedure|AG: of {O1, O2} engaged there in Q1 only O2 is engaged there again in Q2
    assert cell(table, "PAR-05", "quarter", "2026-Q2", "mechanism_kind|region", "special_procedure|AG") == \
        (1, 2, 0.5)
    assert cell(table, "PAR-05", "quarter", "2026-Q2", "mechanism_kind|org_type",
                "special_procedure|national_ngo") == (0, 1, 0.0)
    assert cell(table, "PAR-05", "quarter", "2026-Q2", "mechanism_kind|org_type",
                "special_procedure|community_based") == (1, 1, 1.0)
    # nobody was engaged with the UPR in Q1: no upr row in Q2; Q3 (the build date's quarter) has one
    # for O1's Q2 upr engagement, Q4 none
    assert periods(table, "PAR-05", "quarter", "mechanism_kind|region", "upr|AG") == ["2026-Q3"]
    assert cell(table, "PAR-05", "quarter", "2026-Q3", "mechanism_kind|region", "upr|AG") == (0, 1, 0.0)
    assert cell(table, "PAR-05", "quarter", "2026-Q3", "mechanism_kind|region", "special_procedure|AG") == \
        (0, 1, 0.0)
    # PAR-05 has no mechanism_id breakdown, so no mechanism_id crosses
    assert not table.filter(pl.col("indicator_id").eq("PAR-05")
                            & pl.col("breakdown").str.starts_with("mechanism_id")).height


def test_inc05_regional_balance_within_a_mechanism_kind(w, indicator_table):
    (w.mechanism("M3")
     .organisation("A", country="KEN").organisation("W", country="FRA").organisation("G", country="BRA")
     .organisation("V", country="VAT")
     .engagement("E1", "2026-03-02").engagement("E3", "2026-03-05", mechanism_id="M3")
     .engagement("U1", "2026-03-09", mechanism_id="M2")
     .participation("E1", "A").participation("E1", "V")      # M1: AG, and the Holy See (no group)
     .participation("E3", "W")                               # M3: WEOG
     .participation("U1", "G"))                              # M2 (upr): GRULAC
    table = indicator_table(w.write(), AS_OF)
    # consultations of all mechanisms: AG, WEOG, GRULAC one each: ln 3 / ln 5
    assert cell(table, "INC-05", "month", "2026-03", "engagement_kind", "consultation") == \
        (None, 3, pytest.approx(math.log(3) / math.log(5)))
    # within the kind special_procedure (M1 and M3): AG and WEOG, one each: ln 2 / ln 5 = 0.430677
    assert cell(table, "INC-05", "month", "2026-03", "mechanism_kind|engagement_kind",
                "special_procedure|consultation") == (None, 2, pytest.approx(0.430677, abs=1e-6))
    # within one mechanism a single group: 0; the Holy See's organisation is not counted
    assert cell(table, "INC-05", "month", "2026-03", "mechanism_id|engagement_kind", "M1|consultation") == \
        (None, 1, 0.0)
    assert cell(table, "INC-05", "month", "2026-03", "mechanism_kind|engagement_kind", "upr|consultation") == \
        (None, 1, 0.0)


def test_a_median_crossed_with_a_breakdown_of_the_organisation(w):
    """FOL-02 (a median) given a region breakdown, as a user catalogue may: its crossed cells are the
    medians of each mechanism's (and kind's) submissions by the submitting organisation's region."""
    from dataclasses import replace

    from metrics.catalogue import load_catalogue
    from metrics.engine import indicator_table as engine_table
    from warehouse.db import connect

    shipped = load_catalogue()
    catalogue = replace(shipped, indicators=tuple(
        replace(i, breakdowns=(*i.breakdowns, "region")) if i.id == "FOL-02" else i for i in shipped.indicators))
    (w.mechanism("M3").organisation("O1").organisation("O2", country="FRA")
     .engagement("E1", "2026-03-01", kind="call_for_input").engagement("E3", "2026-03-01", mechanism_id="M3")
     .engagement("U1", "2026-03-01", mechanism_id="M2", kind="call_for_input")
     .submission("S1", "E1", "2026-03-02", org_id="O1", acknowledged_on="2026-03-04")    # M1, AG: 2 days
     .submission("S2", "E1", "2026-03-03", org_id="O1", acknowledged_on="2026-03-07")    # M1, AG: 4
     .submission("S3", "E1", "2026-03-04", org_id="O2", acknowledged_on="2026-03-14")    # M1, WEOG: 10
     .submission("S4", "E3", "2026-03-05", org_id="O1", acknowledged_on="2026-03-12")    # M3, AG: 7
     .submission("S5", "U1", "2026-03-06", org_id="O1", acknowledged_on="2026-03-12")    # M2, AG: 6
     .submission("S6", "E1", "2026-03-07", acknowledged_on="2026-03-27")                 # M1, anonymous: 20
     .submission("S7", "E1", "2026-03-08", org_id="O2"))                                 # not acknowledged
    con = connect(w.write(), read_only=True)
    try:
        table = engine_table(con, AS_OF, "test", catalogue).table
    finally:
        con.close()
    # all: 2, 4, 10, 7, 6, 20 -> (6 + 7) / 2
    assert cell(table, "FOL-02", "month", "2026-03") == (None, 6, 6.5)
    assert cell(table, "FOL-02", "month", "2026-03", "region", "AG") == (None, 4, 5.0)
    assert cell(table, "FOL-02", "month", "2026-03", "mechanism_id|region", "M1|AG") == (None, 2, 3.0)
    assert cell(table, "FOL-02", "month", "2026-03", "mechanism_id|region", "M1|WEOG") == (None, 1, 10.0)
    assert cell(table, "FOL-02", "month", "2026-03", "mechanism_id|region", "M1|unknown") == (None, 1, 20.0)
    assert cell(table, "FOL-02", "month", "2026-03", "mechanism_id|region", "M2|AG") == (None, 1, 6.0)
    # special procedures M1 and M3 from AG: 2, 4, 7
    assert cell(table, "FOL-02", "year", "2026", "mechanism_kind|region", "special_procedure|AG") == (None, 3, 4.0)
    assert cell(table, "FOL-02", "year", "2026", "mechanism_kind|region", "upr|AG") == (None, 1, 6.0)
    assert set(table.filter(indicator_id="FOL-02")["breakdown"]) == {
        "total", "mechanism_kind", "mechanism_id", "region", "mechanism_id|region", "mechanism_kind|region"}
