"""All 29 indicators of `shared/spec/indicators.md` in hand-written DuckDB SQL.

An implementation independent of the polars engine (`metrics/`): the engine is checked against
it row by row, and it is the speed baseline of the engine's benchmark. Set-based throughout: each
indicator is one query over the warehouse tables; every fact row is expanded to its three grains
and its breakdown cells with UNPIVOT, then aggregated once.

    .venv/bin/python -m bench.baseline_sql --scale 20000
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from warehouse.reference import regional_group

COLUMNS = [
    "indicator_id", "grain", "period", "breakdown", "breakdown_value", "numerator", "denominator", "value",
]

ORG = ("total", "mechanism_kind", "mechanism_id", "engagement_kind", "region", "org_type")
PART = ORG + ("modality",)
EVT = ("total", "mechanism_kind", "mechanism_id", "engagement_kind", "modality")
SUB = ("total", "mechanism_kind", "mechanism_id", "region", "org_type")
REC = ("total", "mechanism_kind", "mechanism_id", "engagement_id", "region")
FUP = ("total", "mechanism_kind", "mechanism_id", "region")


def _less(breakdowns: tuple[str, ...], dropped: str) -> tuple[str, ...]:
    return tuple(b for b in breakdowns if b != dropped)


def period_label_sql(day: str) -> str:
    """The label of the period of `grain` that contains the date column `day`."""
    return (
        f"CASE grain WHEN 'year' THEN strftime({day}, '%Y') "
        f"WHEN 'quarter' THEN strftime({day}, '%Y') || '-Q' || quarter({day}) "
        f"ELSE strftime({day}, '%Y-%m') END"
    )


def _period_start_sql(day: str) -> str:
    return (
        f"CASE grain WHEN 'year' THEN date_trunc('year', {day}) "
        f"WHEN 'quarter' THEN date_trunc('quarter', {day}) ELSE date_trunc('month', {day}) END::DATE"
    )


def cells_sql(facts: str, breakdowns: tuple[str, ...]) -> str:
    """Every fact row once per grain and once per breakdown cell it falls in (`ref_date` dates it)."""
    return f"""
        WITH facts AS ({facts}),
        by_grain AS (
            SELECT facts.*, 'all' AS total, grains.grain,
                   {period_label_sql('ref_date')} AS period,
                   {_period_start_sql('ref_date')} AS period_start
            FROM facts CROSS JOIN (VALUES ('year'), ('quarter'), ('month')) AS grains(grain)
        )
        SELECT * FROM (UNPIVOT by_grain ON {', '.join(breakdowns)}
                       INTO NAME breakdown VALUE breakdown_value)
    """


@dataclass(frozen=True)
class Indicator:
    """One indicator of the common shape: population members, one row per cell they fall in
    (`cells`, from `cells_sql` or `engaged_cells`), aggregated per cell."""

    indicator_id: str
    cells: str
    numerator: str | None
    denominator: str | None
    value: str
    #: the population size of a cell; a row exists only where it is at least one
    population: str

    def sql(self) -> str:
        numerator = self.numerator or "NULL"
        denominator = self.denominator or "NULL"
        return f"""
            SELECT '{self.indicator_id}' AS indicator_id, grain, period, breakdown, breakdown_value,
                   ({numerator})::BIGINT AS numerator, ({denominator})::BIGINT AS denominator,
                   ({self.value})::DOUBLE AS value
            FROM ({self.cells})
            GROUP BY grain, period, breakdown, breakdown_value
            HAVING {self.population} > 0
        """


def ratio(indicator_id: str, breakdowns, facts: str, numerator: str, denominator: str = "count(*)") -> Indicator:
    return Indicator(indicator_id, cells_sql(facts, breakdowns), numerator, denominator,
                     f"({numerator}) / ({denominator})", denominator)


def median(indicator_id: str, breakdowns, facts: str, of: str) -> Indicator:
    return Indicator(indicator_id, cells_sql(facts, breakdowns), None, "count(*)", f"quantile_cont({of}, 0.5)",
                     "count(*)")


def engaged_cells(breakdowns: tuple[str, ...], condition: str = "true") -> str:
    """The engaged organisations of each cell of these breakdowns (one row per organisation)."""
    return f"""SELECT * FROM bl_engaged
               WHERE breakdown IN ({', '.join(f"'{b}'" for b in breakdowns)}) AND {condition}"""


def share_of_engaged(indicator_id: str, breakdowns, numerator_condition: str,
                     population_condition: str = "true") -> Indicator:
    numerator = f"count(*) FILTER (WHERE {numerator_condition})"
    return Indicator(indicator_id, engaged_cells(breakdowns, population_condition), numerator, "count(*)",
                     f"{numerator} / count(*)", "count(*)")


# -- the warehouse seen at the build date $as_of ------------------------------------------------

_BASE_TABLES = {
    "bl_engagement": """
        SELECT e.engagement_id, e.mechanism_id, m.kind AS mechanism_kind, e.kind AS engagement_kind,
               e.modality, e.start_date, e.end_date,
               len(list_distinct(e.languages)) AS language_count,
               len(list_distinct(e.accessibility)) AS accessibility_count
        FROM engagements e JOIN mechanisms m USING (mechanism_id)
    """,
    "bl_organisation": """
        SELECT o.org_id, o.org_type, coalesce(r.region, 'none') AS region, o.women_led,
               len(list_distinct(o.constituencies)) > 0 AS serves_constituency, o.budget_band
        FROM organisations o LEFT JOIN bl_country_region r ON r.country = o.country
    """,
    # A contact: an attended participation (dated by its engagement's start) or a submission by an
    # organisation (dated by its receipt), both on or before the build date.
    "bl_contact": """
        WITH contact AS (
            SELECT p.org_id, p.engagement_id, e.start_date AS ref_date
            FROM participations p JOIN engagements e USING (engagement_id)
            WHERE p.attended AND e.start_date <= $as_of
            UNION ALL
            SELECT org_id, engagement_id, received_on AS ref_date
            FROM submissions WHERE org_id IS NOT NULL AND received_on <= $as_of
        )
        SELECT c.org_id, c.ref_date, e.mechanism_kind, e.mechanism_id, e.engagement_kind,
               o.region, o.org_type, o.women_led, o.serves_constituency, o.budget_band,
               min(c.ref_date) OVER (PARTITION BY c.org_id) AS first_contact_on
        FROM contact c JOIN bl_engagement e USING (engagement_id) JOIN bl_organisation o USING (org_id)
    """,
    # Each organisation once per cell it is engaged in, with what the organisation-level
    # indicators ask of it (org_type and region are consumed as breakdowns, so copied first).
    "bl_engaged": f"""
        SELECT DISTINCT grain, period, period_start, breakdown, breakdown_value, org_id, women_led,
               serves_constituency, community_based, budget_band, regional_group,
               {period_label_sql('first_contact_on')} AS first_contact_period
        FROM ({cells_sql(
            "SELECT *, org_type = 'community_based' AS community_based, region AS regional_group FROM bl_contact",
            ORG)})
    """,
    "bl_attended": """
        SELECT p.*, e.mechanism_kind, e.mechanism_id, e.engagement_kind, e.modality,
               e.start_date AS ref_date, e.end_date, o.region, o.org_type
        FROM participations p JOIN bl_engagement e USING (engagement_id) JOIN bl_organisation o USING (org_id)
        WHERE e.start_date <= $as_of
    """,
    # Submissions, feedback: engagement-side cells from the engagement, org-side `unknown` if anonymous.
    "bl_submission": """
        SELECT s.*, s.received_on AS ref_date, e.mechanism_kind, e.mechanism_id,
               coalesce(o.region, 'unknown') AS region, coalesce(o.org_type, 'unknown') AS org_type,
               CASE WHEN s.acknowledged_on <= $as_of THEN s.acknowledged_on END AS acknowledged_by_as_of
        FROM submissions s JOIN bl_engagement e USING (engagement_id) LEFT JOIN bl_organisation o USING (org_id)
        WHERE s.received_on <= $as_of
    """,
    "bl_feedback": """
        SELECT f.*, f.submitted_on AS ref_date, e.mechanism_kind, e.mechanism_id, e.engagement_kind,
               coalesce(o.region, 'unknown') AS region, coalesce(o.org_type, 'unknown') AS org_type
        FROM feedback f JOIN bl_engagement e USING (engagement_id) LEFT JOIN bl_organisation o USING (org_id)
        WHERE f.submitted_on <= $as_of
    """,
    # Recommendations keep their own mechanism; region is the addressee State's group.
    "bl_recommendation": """
        SELECT r.*, r.issued_on AS ref_date, m.kind AS mechanism_kind,
               coalesce(r.engagement_id, 'unknown') AS engagement_id_cell,
               coalesce(cr.region, 'none') AS region
        FROM recommendations r JOIN mechanisms m USING (mechanism_id)
        LEFT JOIN bl_country_region cr ON cr.country = r.addressee_country
        WHERE r.issued_on <= $as_of
    """,
    "bl_follow_up": "SELECT * FROM follow_ups WHERE reported_on <= $as_of",
}

_ENGAGEMENT_CELLS = "mechanism_kind, mechanism_id, engagement_kind, modality"
_EVENTS = f"""
    SELECT e.start_date AS ref_date, {_ENGAGEMENT_CELLS}, e.language_count, e.accessibility_count,
           (SELECT count(*) FROM participations p WHERE p.engagement_id = e.engagement_id AND p.attended)
               AS attended_count
    FROM bl_engagement e WHERE e.engagement_kind <> 'call_for_input' AND e.start_date <= $as_of
"""
_RECOMMENDATIONS = """
    SELECT ref_date, mechanism_kind, mechanism_id, engagement_id_cell AS engagement_id, region,
           state_response, specificity, informed_by_cso
    FROM bl_recommendation
"""
INDICATORS: tuple[Indicator, ...] = (
    Indicator("PAR-01", engaged_cells(ORG), "count(*)", None, "count(*)", "count(*)"),
    ratio("PAR-02", PART, "SELECT * FROM bl_attended WHERE registered", "count(*) FILTER (WHERE attended)"),
    ratio("PAR-03", EVT, _EVENTS, "sum(attended_count)"),
    ratio("PAR-04", ("total", "mechanism_kind", "mechanism_id"), """
        SELECT e.start_date AS ref_date, e.mechanism_kind, e.mechanism_id,
               (SELECT count(*) FROM submissions s
                WHERE s.engagement_id = e.engagement_id AND s.received_on <= $as_of) AS submission_count
        FROM bl_engagement e WHERE e.engagement_kind = 'call_for_input' AND e.start_date <= $as_of
    """, "sum(submission_count)"),
    share_of_engaged("PAR-06", ("total", "mechanism_kind", "region", "org_type"), "first_contact_period = period"),
    ratio("PAR-07", PART, "SELECT * FROM bl_attended WHERE attended", "count(*) FILTER (WHERE spoke)"),
    share_of_engaged("INC-01", ORG, "women_led"),
    share_of_engaged("INC-02", _less(ORG, "org_type"), "community_based"),
    share_of_engaged("INC-03", ORG, "serves_constituency"),
    share_of_engaged("INC-04", _less(ORG, "org_type"), "budget_band IN ('lt_50k', '50k_250k')",
                     population_condition="budget_band <> 'unknown'"),
    ratio("INC-06", PART, "SELECT * FROM bl_attended WHERE attended",
          "sum(participants_women)", "sum(participants_total)"),
    ratio("INC-07", EVT, _EVENTS, "count(*) FILTER (WHERE accessibility_count >= 1)"),
    ratio("INC-08", EVT, _EVENTS, "count(*) FILTER (WHERE language_count >= 2)"),
    ratio("INC-09", _less(EVT, "modality"), _EVENTS, "count(*) FILTER (WHERE modality IN ('online', 'hybrid'))"),
    ratio("FOL-01", SUB, "SELECT * FROM bl_submission WHERE date_diff('day', received_on, $as_of) >= 14",
          "count(*) FILTER (WHERE date_diff('day', received_on, acknowledged_by_as_of) <= 14)"),
    median("FOL-02", ("total", "mechanism_kind", "mechanism_id"),
           "SELECT * FROM bl_submission WHERE acknowledged_by_as_of IS NOT NULL",
           "date_diff('day', received_on, acknowledged_by_as_of)"),
    ratio("FOL-03", SUB, "SELECT * FROM bl_submission WHERE reflected_in_output IS NOT NULL",
          "count(*) FILTER (WHERE reflected_in_output)"),
    ratio("FOL-04", ORG, """
        SELECT * FROM bl_attended WHERE attended AND date_diff('day', end_date, $as_of) >= 90
    """, """count(*) FILTER (WHERE outcome_communicated_on <= $as_of
                             AND date_diff('day', end_date, outcome_communicated_on) <= 90)"""),
    ratio("FOL-05", REC, f"{_RECOMMENDATIONS} WHERE state_response IN ('supported', 'noted')",
          "count(*) FILTER (WHERE state_response = 'supported')"),
    ratio("FOL-06", REC, f"{_RECOMMENDATIONS} WHERE specificity IS NOT NULL",
          "count(*) FILTER (WHERE specificity = 5)"),
    ratio("FOL-07", REC, _RECOMMENDATIONS, "count(*) FILTER (WHERE informed_by_cso)"),
    ratio("FOL-08", FUP, """
        SELECT r.ref_date, r.mechanism_kind, r.mechanism_id, r.region,
               EXISTS (SELECT 1 FROM bl_follow_up f WHERE f.recommendation_id = r.recommendation_id
                       AND date_diff('day', r.issued_on, f.reported_on) <= 365) AS followed_up
        FROM bl_recommendation r WHERE date_diff('day', r.issued_on, $as_of) >= 365
    """, "count(*) FILTER (WHERE followed_up)"),
    ratio("FOL-09", FUP, """
        WITH latest AS (
            SELECT recommendation_id, status,
                   row_number() OVER (PARTITION BY recommendation_id
                                      ORDER BY reported_on DESC, follow_up_id DESC) AS recency
            FROM bl_follow_up
        )
        SELECT r.ref_date, r.mechanism_kind, r.mechanism_id, r.region, l.status AS latest_status
        FROM bl_recommendation r JOIN latest l ON l.recommendation_id = r.recommendation_id AND l.recency = 1
    """, "count(*) FILTER (WHERE latest_status IN ('implemented', 'partially_implemented'))"),
    ratio("FOL-10", FUP, """
        SELECT r.due_on AS ref_date, r.mechanism_kind, r.mechanism_id, r.region,
               NOT EXISTS (SELECT 1 FROM bl_follow_up f WHERE f.recommendation_id = r.recommendation_id
                           AND f.reported_on <= r.due_on) AS overdue
        FROM bl_recommendation r WHERE r.due_on < $as_of
    """, "count(*) FILTER (WHERE overdue)"),
    ratio("FOL-11", ORG, "SELECT * FROM bl_feedback", "sum(satisfaction)"),
    ratio("FOL-12", ORG, "SELECT * FROM bl_feedback", "count(*) FILTER (WHERE felt_heard >= 4)"),
    ratio("FOL-13", ORG, "SELECT * FROM bl_feedback", "count(*) FILTER (WHERE faced_restrictions)"),
)

# PAR-05: population = organisations engaged in the previous period in the same cell; a row for
# every period after an engaged one, up to the period containing the build date.
_RETURNING_SQL = f"""
    WITH engaged AS (
        SELECT grain, period_start, breakdown, breakdown_value, org_id
        FROM ({engaged_cells(("total", "mechanism_kind", "region", "org_type"))})
    ),
    engaged_before AS (
        SELECT grain, breakdown, breakdown_value, org_id,
               CASE grain WHEN 'year' THEN period_start + INTERVAL 1 YEAR
                          WHEN 'quarter' THEN period_start + INTERVAL 3 MONTH
                          ELSE period_start + INTERVAL 1 MONTH END::DATE AS period_start
        FROM engaged
    )
    SELECT 'PAR-05' AS indicator_id, grain, {period_label_sql('period_start')} AS period,
           breakdown, breakdown_value,
           count(this_period.org_id)::BIGINT AS numerator, count(*)::BIGINT AS denominator,
           (count(this_period.org_id) / count(*))::DOUBLE AS value
    FROM engaged_before
    LEFT JOIN engaged this_period USING (grain, period_start, breakdown, breakdown_value, org_id)
    WHERE period_start <= {_period_start_sql('$as_of')}
    GROUP BY grain, period_start, breakdown, breakdown_value
"""

# INC-05: normalised Shannon entropy of the engaged organisations over the five regional groups.
_REGIONAL_BALANCE_SQL = f"""
    WITH per_group AS (
        SELECT grain, period, breakdown, breakdown_value, regional_group, count(*) AS engaged
        FROM ({engaged_cells(("total", "mechanism_kind", "mechanism_id", "engagement_kind"),
                             "regional_group NOT IN ('none', 'unknown')")})
        GROUP BY grain, period, breakdown, breakdown_value, regional_group
    ),
    shares AS (
        SELECT *, engaged / sum(engaged) OVER (PARTITION BY grain, period, breakdown, breakdown_value) AS share
        FROM per_group
    )
    SELECT 'INC-05' AS indicator_id, grain, period, breakdown, breakdown_value,
           NULL::BIGINT AS numerator, sum(engaged)::BIGINT AS denominator,
           (sum(share * ln(1 / share)) / ln(5))::DOUBLE AS value
    FROM shares GROUP BY grain, period, breakdown, breakdown_value
"""


def _country_regions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    countries = con.sql(
        "SELECT country FROM organisations UNION SELECT addressee_country FROM recommendations"
    ).fetchall()
    rows = [(code, regional_group(code) or "none") for (code,) in countries]
    return pl.DataFrame(rows, schema={"country": pl.String, "region": pl.String}, orient="row")


def indicator_table_sql(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """The indicator table (spec columns indicator_id ... value) of the warehouse open on `con`."""
    parameters = {"as_of": as_of}
    con.register("bl_country_region", _country_regions(con))
    try:
        for name, query in _BASE_TABLES.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}",
                        parameters if "$as_of" in query else None)
        queries = [indicator.sql() for indicator in INDICATORS] + [_RETURNING_SQL, _REGIONAL_BALANCE_SQL]
        # One query per indicator: DuckDB plans a 29-way UNION ALL of these many times slower.
        table = pl.concat([con.sql(q, params=parameters if "$as_of" in q else None).pl() for q in queries])
    finally:
        for name in _BASE_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        con.unregister("bl_country_region")
    return table.select(COLUMNS).sort(["indicator_id", "grain", "period", "breakdown", "breakdown_value"])


# -- benchmark ---------------------------------------------------------------------------------

def prepared_warehouse(scale: int, seed: int, folder: Path) -> Path:
    """A warehouse holding the generated dataset at `scale` (made once per folder and scale)."""
    from agora.config import Settings
    from agora.core import Agora

    warehouse = folder / f"baseline-{scale}-{seed}.duckdb"
    if not warehouse.exists():
        agora = Agora(Settings(warehouse=warehouse))
        agora.generate(folder / f"files-{scale}-{seed}", scale=scale, seed=seed)
        agora.ingest([folder / f"files-{scale}-{seed}"])
    return warehouse


def sql_in_child(warehouse: str, as_of: date) -> int:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return indicator_table_sql(con, as_of).height
    finally:
        con.close()


def _timed(compute, warehouse: Path, as_of: date, results) -> None:
    started = time.perf_counter()
    rows = compute(str(warehouse), as_of)
    results.put((time.perf_counter() - started, rows,
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def measure(compute, warehouse: Path, as_of: date) -> dict:
    """Wall time, output rows and peak RSS of `compute(warehouse, as_of)` in a fresh process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_timed, args=(compute, warehouse, as_of, results))
    child.start()
    seconds, rows, peak = results.get()
    child.join()
    return {"seconds": seconds, "rows": rows, "peak_bytes": peak}


def participation_count(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql("SELECT count(*) FROM participations").fetchall()[0][0]
    finally:
        con.close()


def report_line(label: str, result: dict, participations: int, baseline: dict | None = None) -> str:
    ratio = f"  {result['seconds'] / baseline['seconds']:.2f}x duckdb-sql" if baseline else ""
    return (f"{label:<11} {result['seconds']:8.2f} s  {participations / result['seconds']:12,.0f} participations/s"
            f"  peak {result['peak_bytes'] / 2**20:8.0f} MiB  {result['rows']:,} indicator rows{ratio}")


def benchmark_arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=int, default=20_000, help="generator scale (participations)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "agora-bench")
    arguments = parser.parse_args()
    arguments.workdir.mkdir(parents=True, exist_ok=True)
    return arguments


def main() -> None:
    arguments = benchmark_arguments("Time the hand-written DuckDB SQL indicator table.")
    warehouse = prepared_warehouse(arguments.scale, arguments.seed, arguments.workdir)
    result = measure(sql_in_child, warehouse, arguments.as_of)
    print(report_line("duckdb-sql", result, participation_count(warehouse)))


if __name__ == "__main__":
    main()
