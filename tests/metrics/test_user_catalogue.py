"""An M&E officer's own indicators, end to end: a catalogue file of theirs (new shapes over every source,
filters on inherited engagement and organisation columns, new breakdowns, a new area), checked, built
with `agora build --catalogue`, targeted, exported and shown; every number equal to hand-written SQL."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from agora.cli import main
from agora.core import Agora
from foundation.settings import Settings
from metrics.catalogue import catalogue_from_text, load_catalogue
from metrics.engine import TABLE_SCHEMA, indicator_table
from metrics.runs import list_runs, run_catalogue, run_programme_targets

pytestmark = pytest.mark.slow

AS_OF = date(2026, 6, 30)

OFFICER_CATALOGUE = '''
# The programme's own indicators, beside the shipped ones.
extends = "shipped"

[[indicator]]
id = "CAP-01"
name = "Organisations that attended a training"
area = "Capacity"
unit = "count"
polarity = "higher_is_better"
definition = "Different organisations that attended at least one training."
population = "Contacts at trainings."
numerator = "Their organisations, counted once."
reference_date = "contact_date"
breakdowns = ["total", "mechanism_id", "country", "budget_band"]
source = "contacts"
distinct = "org_id"
population_filters = [{ column = "engagement_kind", op = "eq", value = "training" }]

[[indicator]]
id = "CAP-02"
name = "Women-led organisations engaged online"
area = "Capacity"
unit = "count"
polarity = "higher_is_better"
definition = "Different women-led organisations with a contact at an online engagement."
population = "Contacts at online engagements of women-led organisations."
numerator = "Their organisations, counted once."
reference_date = "contact_date"
breakdowns = ["total", "region", "youth_led"]
source = "contacts"
distinct = "org_id"
population_filters = [{ column = "modality", op = "eq", value = "online" },
                      { column = "women_led", op = "eq", value = true }]

[[indicator]]
id = "CAP-03"
name = "Engaged organisations that wrote in"
area = "Capacity"
unit = "ratio"
polarity = "higher_is_better"
definition = "Of the organisations engaged, the share that made a written submission."
population = "Engaged organisations."
numerator = "Those with a submission."
reference_date = "contact_date"
breakdowns = ["total", "ecosoc_status", "engagement_kind"]
source = "contacts"
distinct = "org_id"
numerator_filters = [{ column = "contact_kind", op = "eq", value = "submission" }]

[[indicator]]
id = "CAP-04"
name = "Youth-led attendees who spoke"
area = "Capacity"
unit = "ratio"
polarity = "higher_is_better"
definition = "Of the attended participations of youth-led organisations, the share where they took the floor."
population = "Attended participations of youth-led organisations."
numerator = "Those with spoke = true."
reference_date = "start_date"
breakdowns = ["total", "budget_band", "mechanism_kind"]
source = "participations"
population_filters = [{ column = "attended", op = "eq", value = true },
                      { column = "youth_led", op = "eq", value = true }]
numerator_filters = [{ column = "spoke", op = "eq", value = true }]

[[indicator]]
id = "CAP-05"
name = "Satisfaction of those told the outcome"
area = "Follow-through"
unit = "mean"
polarity = "higher_is_better"
definition = "Mean satisfaction (1-5) of feedback responses from people told the outcome."
population = "Feedback responses with informed_of_outcome = true."
numerator = "Satisfaction summed."
reference_date = "submitted_on"
breakdowns = ["total", "women_led", "engagement_kind"]
source = "feedback"
numerator_sum = "satisfaction"
population_filters = [{ column = "informed_of_outcome", op = "eq", value = true }]

[[indicator]]
id = "CAP-06"
name = "Days to acknowledge English and French submissions"
area = "Follow-through"
unit = "median"
polarity = "lower_is_better"
definition = "Median days from receipt to acknowledgement of submissions in English or French."
population = "Acknowledged submissions in English or French."
numerator = "(none)"
reference_date = "received_on"
breakdowns = ["total", "language", "org_type"]
source = "submissions"
measure = "days_to_acknowledge"
population_filters = [{ column = "days_to_acknowledge", op = "not_null" },
                      { column = "language", op = "in", value = ["en", "fr"] }]

[[indicator]]
id = "CAP-07"
name = "Trainings held"
area = "Capacity"
unit = "count"
polarity = "higher_is_better"
definition = "Trainings that started in the period."
population = "Engagements of kind training."
numerator = "Their number."
reference_date = "start_date"
breakdowns = ["total", "modality", "country"]
source = "engagements"
population_filters = [{ column = "engagement_kind", op = "eq", value = "training" }]

[[indicator]]
id = "CAP-08"
name = "Supported recommendations on several themes"
area = "Follow-through"
unit = "ratio"
polarity = "higher_is_better"
definition = "Of the recommendations with a response, the share tagged with two or more themes."
population = "Recommendations with state_response supported or noted."
numerator = "Those with two or more themes."
reference_date = "issued_on"
breakdowns = ["total", "state_response", "region"]
source = "recommendations"
population_filters = [{ column = "state_response", op = "in", value = ["supported", "noted"] }]
numerator_filters = [{ column = "theme_count", op = "ge", value = 2 }]

[[indicator]]
id = "CAP-09"
name = "Engagements written to"
area = "Capacity"
unit = "count"
polarity = "higher_is_better"
definition = "Different engagements that received a written submission in the period."
population = "Submissions."
numerator = "Their engagements, counted once."
reference_date = "received_on"
breakdowns = ["total", "women_led", "language"]
source = "submissions"
distinct = "engagement_id"

[[indicator]]
id = "CAP-10"
name = "Attending organisations that spoke"
area = "Capacity"
unit = "ratio"
polarity = "higher_is_better"
definition = "Of the organisations that attended, the share that took the floor at least once."
population = "Organisations with an attended participation."
numerator = "Those that spoke at one of them."
reference_date = "start_date"
breakdowns = ["total", "women_led", "modality"]
source = "participations"
distinct = "org_id"
population_filters = [{ column = "attended", op = "eq", value = true }]
numerator_filters = [{ column = "spoke", op = "eq", value = true }]
'''

#: the records each indicator is over, in SQL written from the spec and the catalogue above (never the engine)
CONTACTS = """
    WITH contact AS (
        SELECT p.org_id, e.start_date AS contact_date, 'attendance' AS contact_kind, p.engagement_id
        FROM participations p JOIN engagements e USING (engagement_id)
        WHERE p.attended AND e.start_date <= $as_of
        UNION ALL
        SELECT org_id, received_on, 'submission', engagement_id FROM submissions
        WHERE org_id IS NOT NULL AND received_on <= $as_of
    )
    SELECT c.org_id, c.contact_date, c.contact_kind, e.mechanism_id, e.kind AS engagement_kind, e.modality,
           o.country, o.budget_band, o.women_led, o.youth_led, o.ecosoc_status, coalesce(r.regional_group, 'none') AS region
    FROM contact c JOIN engagements e USING (engagement_id) JOIN organisations o USING (org_id)
    LEFT JOIN regions r ON r.iso3 = o.country
"""
PARTICIPATIONS = """
    SELECT p.*, e.start_date, e.modality, m.kind AS mechanism_kind, o.budget_band, o.youth_led, o.women_led
    FROM participations p JOIN engagements e USING (engagement_id) JOIN mechanisms m USING (mechanism_id)
    JOIN organisations o USING (org_id) WHERE e.start_date <= $as_of
"""
FEEDBACK = """
    SELECT f.*, e.kind AS engagement_kind, o.women_led
    FROM feedback f JOIN engagements e USING (engagement_id) LEFT JOIN organisations o USING (org_id)
    WHERE f.submitted_on <= $as_of
"""
SUBMISSIONS = """
    SELECT s.*, coalesce(o.org_type, 'unknown') AS org_type, o.women_led,
           CASE WHEN s.acknowledged_on <= $as_of THEN s.acknowledged_on - s.received_on END AS days
    FROM submissions s LEFT JOIN organisations o USING (org_id) WHERE s.received_on <= $as_of
"""
ENGAGEMENTS = """
    SELECT * REPLACE (coalesce(country, 'unknown') AS country) FROM engagements WHERE start_date <= $as_of
"""
RECOMMENDATIONS = """
    SELECT r.*, coalesce(g.regional_group, 'none') AS region, len(list_distinct(r.themes)) AS theme_count
    FROM recommendations r LEFT JOIN regions g ON g.iso3 = r.addressee_country WHERE r.issued_on <= $as_of
"""

#: indicator -> (records, reference date, numerator, denominator, value, which rows exist); {b} is the breakdown
EXPECTED_SQL = {
    "CAP-01": (CONTACTS, "contact_date", "count(DISTINCT org_id) FILTER (engagement_kind = 'training')",
               "NULL", "numerator", "numerator >= 1"),
    "CAP-02": (CONTACTS, "contact_date", "count(DISTINCT org_id) FILTER (modality = 'online' AND women_led)",
               "NULL", "numerator", "numerator >= 1"),
    "CAP-03": (CONTACTS, "contact_date", "count(DISTINCT org_id) FILTER (contact_kind = 'submission')",
               "count(DISTINCT org_id)", "numerator / denominator", "denominator >= 1"),
    "CAP-04": (PARTICIPATIONS, "start_date", "count(*) FILTER (attended AND youth_led AND spoke)",
               "count(*) FILTER (attended AND youth_led)", "numerator / denominator", "denominator >= 1"),
    "CAP-05": (FEEDBACK, "submitted_on", "sum(satisfaction) FILTER (informed_of_outcome)",
               "count(*) FILTER (informed_of_outcome)", "numerator / denominator", "denominator >= 1"),
    "CAP-06": (SUBMISSIONS, "received_on", "NULL",
               "count(*) FILTER (days IS NOT NULL AND language IN ('en', 'fr'))",
               "median(days) FILTER (days IS NOT NULL AND language IN ('en', 'fr'))", "denominator >= 1"),
    "CAP-07": (ENGAGEMENTS, "start_date", "count(*) FILTER (kind = 'training')", "NULL", "numerator",
               "numerator >= 1"),
    "CAP-08": (RECOMMENDATIONS, "issued_on",
               "count(*) FILTER (state_response IN ('supported', 'noted') AND theme_count >= 2)",
               "count(*) FILTER (state_response IN ('supported', 'noted'))", "numerator / denominator",
               "denominator >= 1"),
    "CAP-09": (SUBMISSIONS, "received_on", "count(DISTINCT engagement_id)", "NULL", "numerator", "numerator >= 1"),
    "CAP-10": (PARTICIPATIONS, "start_date", "count(DISTINCT org_id) FILTER (attended AND spoke)",
               "count(DISTINCT org_id) FILTER (attended)", "numerator / denominator", "denominator >= 1"),
}


def expected_rows(con: duckdb.DuckDBPyConnection, indicator: str, grain: str, breakdown: str) -> set[tuple]:
    records, reference_date, numerator, denominator, value, exists = EXPECTED_SQL[indicator]
    period = {"year": f"strftime({reference_date}, '%Y')",
              "quarter": f"strftime({reference_date}, '%Y') || '-Q' || quarter({reference_date})",
              "month": f"strftime({reference_date}, '%Y-%m')"}[grain]
    # a boolean breakdown reads true/false, an empty cell unknown; a crossed one (spec v2) `M|v`
    key = "'all'" if breakdown == "total" else " || '|' || ".join(
        f"coalesce(CAST({column} AS VARCHAR), 'unknown')" for column in breakdown.split("|"))
    rows = con.execute(f"""
        WITH records AS ({records}),
        cells AS (SELECT {period} AS period, {key} AS breakdown_value, {numerator} AS numerator,
                         {denominator} AS denominator, {value} AS value
                  FROM records WHERE {reference_date} IS NOT NULL GROUP BY ALL)
        SELECT period, breakdown_value, numerator::BIGINT, denominator::BIGINT, value::DOUBLE
        FROM cells WHERE {exists}
    """, {"as_of": AS_OF}).fetchall()
    return {(p, v, n, d, round(x, 9)) for p, v, n, d, x in rows}


def exported_rows(exported: pl.DataFrame, indicator: str, grain: str, breakdown: str) -> set[tuple]:
    rows = exported.filter(indicator_id=indicator, grain=grain, breakdown=breakdown).select(
        "period", "breakdown_value", "numerator", "denominator", "value").rows()
    return {(p, v, n, d, round(x, 9)) for p, v, n, d, x in rows}


@pytest.fixture(scope="module")
def officer(tmp_path_factory, generated_files: Path) -> dict:
    """The officer's day: check the file, load data and targets, build with the file, export, list."""
    folder = tmp_path_factory.mktemp("officer")
    catalogue = folder / "our-indicators.toml"
    catalogue.write_text(OFFICER_CATALOGUE, encoding="utf-8")
    warehouse = folder / "agora.duckdb"
    assert main(["indicators", "check", str(catalogue)]) == 0

    # targets for the officer's indicators are accepted when the setting names the catalogue
    agora = Agora(Settings(warehouse=warehouse, catalogue=catalogue))
    agora.ingest([generated_files])
    targets = folder / "targets.csv"
    targets.write_text("indicator_id,period,baseline,target\n"
                       "CAP-01,2025,5,40\n"
                       "CAP-03,2025,,80\n"          # a ratio's per cent: 0.8, with a warning
                       "CAP-10,2025,,75%\n"         # a per cent sign: 0.75
                       "CAP-10,LOP,30%,0.9\n"       # the life of the programme
                       "CAP-04,2025,,250\n"         # neither a share nor a per cent: left out, named
                       "NOPE-01,2025,,3\n", encoding="utf-8")
    loaded = agora.ingest([targets])
    assert loaded.rows_quarantined == 1  # NOPE-01: not an indicator of the catalogue in force

    assert main(["--warehouse", str(warehouse), "build", "--as-of", AS_OF.isoformat(),
                 "--catalogue", str(catalogue)]) == 0
    out = folder / "export.csv"
    assert main(["--warehouse", str(warehouse), "export", "--format", "csv", "--audience", "internal",
                 "--out", str(out)]) == 0
    xlsx = folder / "export.xlsx"
    assert main(["--warehouse", str(warehouse), "export", "--format", "xlsx", "--audience", "internal",
                 "--indicator", "CAP-01", "CAP-05", "PAR-01", "--grain", "year", "--out", str(xlsx)]) == 0
    return {"warehouse": warehouse, "catalogue": catalogue, "csv": out, "xlsx": xlsx,
            "run_id": list_runs(warehouse)["run_id"][0],
            "exported": pl.read_csv(out, infer_schema_length=None)}


@pytest.fixture(scope="module")
def sql(officer) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(officer["warehouse"]), read_only=True)
    con.execute("CREATE TEMP TABLE regions AS SELECT * FROM read_csv(?, header = true)",
                [str(Path(__file__).parents[2] / "warehouse" / "reference" / "countries.csv")])
    yield con
    con.close()


def assert_rows_equal_sql(table: pl.DataFrame, sql: duckdb.DuckDBPyConnection, breakdowns: dict[str, list[str]]):
    """Every row of each indicator's breakdowns, at every grain, as the hand-written SQL gives it."""
    for indicator, of_indicator in breakdowns.items():
        for grain in ("year", "quarter", "month"):
            for breakdown in of_indicator:
                expected = expected_rows(sql, indicator, grain, breakdown)
                assert expected, (indicator, grain, breakdown)
                assert exported_rows(table, indicator, grain, breakdown) == expected, (indicator, grain, breakdown)


def crossed_breakdowns(table: pl.DataFrame) -> set[tuple[str, str]]:
    """(indicator, breakdown) of the table's crossed cells (spec v2)."""
    crossed = table.filter(pl.col("breakdown").str.contains("|", literal=True))
    return set(crossed.select("indicator_id", "breakdown").unique().rows())


@pytest.mark.parametrize("indicator", sorted(EXPECTED_SQL))
def test_every_number_of_the_officers_indicators_equals_hand_written_sql(officer, sql, indicator):
    breakdowns = load_catalogue(officer["catalogue"]).by_id[indicator].breakdowns
    assert_rows_equal_sql(officer["exported"], sql, {indicator: list(breakdowns)})


#: the officer's indicators broken down by mechanism (or its kind) and something else: their crossed cells
CROSSED = {"CAP-01": ["mechanism_id|country", "mechanism_id|budget_band"], "CAP-04": ["mechanism_kind|budget_band"]}


def test_the_officers_new_breakdowns_are_crossed_within_each_mechanism_as_hand_written_sql(officer, sql):
    officers = officer["exported"].filter(pl.col("indicator_id").str.starts_with("CAP"))
    assert crossed_breakdowns(officers) == {(i, b) for i, crossed in CROSSED.items() for b in crossed}
    assert_rows_equal_sql(officer["exported"], sql, CROSSED)


def officers_indicator(indicator: str, breakdowns: list[str]) -> str:
    """The officer's catalogue entry of `indicator`, with other breakdowns."""
    entry = next(e for e in OFFICER_CATALOGUE.split("[[indicator]]") if f'id = "{indicator}"' in e)
    return "[[indicator]]" + re.sub(r"breakdowns = \[.*\]", f"breakdowns = {json.dumps(breakdowns)}", entry)


#: distinct counts with new breakdowns crossed within mechanisms: filtered on the records (the engagement's kind
#: of a contact, the contact's kind), and of engagements over submissions (anonymous ones: women_led unknown)
CROSSED_BREAKDOWNS = {"CAP-01": ["total", "mechanism_id", "mechanism_kind", "budget_band"],
                      "CAP-03": ["total", "mechanism_id", "budget_band"],
                      "CAP-09": ["total", "mechanism_id", "women_led"]}
CROSSED_SQL = {
    "CAP-01": (CONTACTS.replace("e.mechanism_id,", "e.mechanism_id, m.kind AS mechanism_kind,").replace(
               "JOIN organisations o", "JOIN mechanisms m USING (mechanism_id) JOIN organisations o"),
               *EXPECTED_SQL["CAP-01"][1:]),
    "CAP-09": (SUBMISSIONS.replace("AS org_type,", "AS org_type, e.mechanism_id,").replace(
               "FROM submissions s", "FROM submissions s JOIN engagements e USING (engagement_id)"),
               *EXPECTED_SQL["CAP-09"][1:]),
}


def test_crossed_cells_of_record_filtered_and_engagement_distinct_counts_equal_hand_written_sql(sql, monkeypatch):
    for indicator, expected_sql in CROSSED_SQL.items():
        monkeypatch.setitem(EXPECTED_SQL, indicator, expected_sql)
    catalogue = "\n".join(officers_indicator(i, b) for i, b in CROSSED_BREAKDOWNS.items())
    built = indicator_table(sql, AS_OF, "crossed", catalogue_from_text(catalogue, "a test")).table.cast(TABLE_SCHEMA)
    crossed = {"CAP-01": ["mechanism_id|budget_band", "mechanism_kind|budget_band"],
               "CAP-03": ["mechanism_id|budget_band"], "CAP-09": ["mechanism_id|women_led"]}
    assert crossed_breakdowns(built) == {(i, b) for i, bs in crossed.items() for b in bs}
    assert built.filter(breakdown="mechanism_id|women_led")["breakdown_value"].str.ends_with("|unknown").any()
    assert_rows_equal_sql(built, sql, crossed)


def test_the_officers_targets_apply_to_their_total_rows_ratios_as_shares(officer):
    exported = officer["exported"].filter(breakdown="total", period="2025", grain="year")
    target = {row["indicator_id"]: row for row in exported.filter(
        pl.col("indicator_id").str.starts_with("CAP")).iter_rows(named=True)}
    assert (target["CAP-01"]["baseline"], target["CAP-01"]["target"]) == (5, 40)
    assert target["CAP-01"]["status"] == ("met" if target["CAP-01"]["value"] >= 40 else "not_met")
    assert target["CAP-03"]["target"] == 0.8 and target["CAP-10"]["target"] == 0.75
    assert target["CAP-03"]["status"] == ("met" if target["CAP-03"]["value"] >= 0.8 else "not_met")
    assert target["CAP-04"]["target"] is None and target["CAP-04"]["status"] == "no_target"
    with duckdb.connect(str(officer["warehouse"]), read_only=True) as con:
        warnings = json.loads(con.execute("SELECT validation FROM runs WHERE run_id = ?",
                                          [officer["run_id"]]).fetchall()[0][0])["warnings"]
    assert warnings == [
        "The target row CAP-03 2025: target 80 read as a per cent (0.8).",
        "The target row CAP-04 2025 was left out: its target (250) is neither a share (0 to 1) nor a per cent "
        "(0 to 100) of the ratio.",
    ]
    assert run_programme_targets(officer["warehouse"], officer["run_id"]).rows() == [("CAP-10", 0.3, 0.9)]


def test_the_run_keeps_the_catalogue_and_everything_reading_it_shows_the_new_area(officer):
    kept = run_catalogue(officer["warehouse"], officer["run_id"])
    assert len(kept.indicators) == 29 + 10
    assert list(kept.areas) == ["Participation", "Inclusivity", "Follow-through", "Capacity"]
    snapshot = officer["warehouse"].with_name("agora.published.duckdb")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        areas = dict(con.sql("SELECT area, count(*) FROM catalogue GROUP BY area").fetchall())
    assert areas["Capacity"] == 7 and areas["Follow-through"] == 13 + 3
    book = openpyxl.load_workbook(officer["xlsx"], read_only=True)
    assert "Capacity" in book.sheetnames
    reference = [row[0] for row in book["Indicator reference"].iter_rows(min_row=2, values_only=True)]
    assert sorted(reference) == ["CAP-01", "CAP-05", "PAR-01"]


def test_agora_indicators_shows_the_catalogue_in_force(officer, capsys):
    assert main(["indicators", "--catalogue", str(officer["catalogue"])]) == 0
    shown = capsys.readouterr().out
    assert "CAP-01  Organisations that attended a training" in shown
    assert "filters: population: engagement kind is training" in shown
    assert "breakdowns: total, mechanism_id, country, budget_band" in shown
    assert "PAR-01  Organisations engaged" in shown


def test_another_catalogue_is_another_run(officer, tmp_path):
    warehouse = tmp_path / "agora.duckdb"
    shutil.copy(officer["warehouse"], warehouse)
    alone = tmp_path / "alone.toml"
    alone.write_text(OFFICER_CATALOGUE.replace('extends = "shipped"', 'extends = "none"'), encoding="utf-8")
    assert main(["--warehouse", str(warehouse), "build", "--as-of", AS_OF.isoformat(), "--catalogue", str(alone)]) == 0
    runs = list_runs(warehouse)["run_id"].to_list()
    assert len(runs) == 2 and officer["run_id"] in runs
    assert run_catalogue(warehouse).ids == {f"CAP-{n:02}" for n in range(1, 11)}
    # the earlier run still reads the catalogue it was built with
    assert len(run_catalogue(warehouse, officer["run_id"]).indicators) == 29 + 10
