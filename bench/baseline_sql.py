"""All 29 indicators of `shared/spec/indicators.md` in hand-written DuckDB SQL.

An implementation independent of the polars engine (`metrics/`): the engine is checked against
it row by row, and it is the speed baseline of the engine's benchmark. Set-based throughout: the
warehouse as seen at the build date goes into a few temp tables; each family of records (engaged
organisations, participations, events, ...) is expanded once to its three grains and breakdown
cells with UNPIVOT and summed once into every measure its indicators need; an indicator is then
two of those sums per cell. PAR-05, INC-05 and FOL-02 (not sums) are queries of their own. Crossed
cells (spec v2: `mechanism_id|region`, value `M|v`) are one more text column per crossed breakdown,
unpivoted like the plain ones.

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


def crossed(breakdowns: tuple[str, ...]) -> tuple[str, ...]:
    """The breakdowns and, within mechanism_id and within mechanism_kind (when among them), every other one."""
    within = [w for w in ("mechanism_id", "mechanism_kind") if w in breakdowns]
    others = [b for b in breakdowns if b not in ("total", "mechanism_id", "mechanism_kind")]
    return breakdowns + tuple(f"{w}|{b}" for w in within for b in others)


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
    """Every fact row once per grain and once per breakdown cell it falls in (`ref_date` dates it),
    crossed cells included. Periods are keyed by their first day (a date hashes cheaper than a label);
    labels come last."""
    every = crossed(breakdowns)
    crossed_values = "".join(f", {a} || '|' || {b} AS \"{a}|{b}\""
                             for a, b in (name.split("|") for name in every if "|" in name))
    return f"""
        WITH facts AS ({facts}),
        by_grain AS (
            SELECT facts.*, 'all' AS total{crossed_values}, grains.grain,
                   {_period_start_sql('ref_date')} AS period_start
            FROM facts CROSS JOIN (VALUES ('year'), ('quarter'), ('month')) AS grains(grain)
        )
        SELECT * FROM (UNPIVOT by_grain ON {', '.join(f'"{b}"' for b in every)}
                       INTO NAME breakdown VALUE breakdown_value)
    """


@dataclass(frozen=True)
class Family:
    """Records of one kind, expanded to their cells once and summed once into every measure the
    indicators over them need; each such indicator then reads two of the sums per cell."""

    name: str
    #: one row per record and cell (from `cells_sql`), or per engaged organisation and cell
    cells: str
    measures: dict[str, str]

    def sql(self) -> str:
        sums = ", ".join(f"({aggregate})::BIGINT AS {measure}" for measure, aggregate in self.measures.items())
        return f"""
            SELECT grain, period_start, breakdown, breakdown_value, {sums}
            FROM ({self.cells}) GROUP BY grain, period_start, breakdown, breakdown_value
        """


@dataclass(frozen=True)
class Indicator:
    """numerator / denominator of one family's sums, in the cells of this indicator's breakdowns
    where the population (the denominator, or the counted numerator for a count) is at least one."""

    indicator_id: str
    family: str
    breakdowns: tuple[str, ...]
    numerator: str
    #: None for a count: value = numerator, no denominator
    denominator: str | None = None

    def sql(self) -> str:
        numerator = f"coalesce({self.numerator}, 0)"
        denominator = self.denominator or "NULL"
        value = f"{numerator} / {self.denominator}" if self.denominator else numerator
        return f"""
            SELECT '{self.indicator_id}' AS indicator_id, grain, {period_label_sql('period_start')} AS period,
                   breakdown, breakdown_value, {numerator}::BIGINT AS numerator,
                   {denominator}::BIGINT AS denominator, ({value})::DOUBLE AS value
            FROM bl_family_{self.family}
            WHERE {_one_of(crossed(self.breakdowns))} AND {self.denominator or self.numerator} > 0
        """


def _one_of(breakdowns: tuple[str, ...]) -> str:
    names = ", ".join(f"'{b}'" for b in breakdowns)
    return f"breakdown IN ({names})"


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
        SELECT c.org_id, c.ref_date, e.mechanism_kind, e.mechanism_id, e.engagement_kind, o.region, o.org_type
        FROM contact c JOIN bl_engagement e USING (engagement_id) JOIN bl_organisation o USING (org_id)
    """,
    # What the organisation-level indicators ask of an engaged organisation.
    "bl_org_profile": """
        SELECT o.org_id, o.women_led, o.serves_constituency, o.org_type = 'community_based' AS community_based,
               o.budget_band, o.region AS regional_group, first.first_contact_on
        FROM bl_organisation o
        JOIN (SELECT org_id, min(ref_date) AS first_contact_on FROM bl_contact GROUP BY org_id) first USING (org_id)
    """,
    # Each organisation once per cell it is engaged in.
    "bl_engaged": f"""
        SELECT DISTINCT grain, period_start, breakdown, breakdown_value, org_id
        FROM ({cells_sql("SELECT * FROM bl_contact", ORG)})
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

_EVENTS = """
    SELECT e.start_date AS ref_date, mechanism_kind, mechanism_id, engagement_kind, modality, e.language_count,
           e.accessibility_count, modality IN ('online', 'hybrid') AS remote,
           (SELECT count(*) FROM participations p WHERE p.engagement_id = e.engagement_id AND p.attended)
               AS attended_count
    FROM bl_engagement e WHERE e.engagement_kind <> 'call_for_input' AND e.start_date <= $as_of
"""
_CALLS = """
    SELECT e.start_date AS ref_date, e.mechanism_kind, e.mechanism_id,
           (SELECT count(*) FROM submissions s
            WHERE s.engagement_id = e.engagement_id AND s.received_on <= $as_of) AS submission_count
    FROM bl_engagement e WHERE e.engagement_kind = 'call_for_input' AND e.start_date <= $as_of
"""
_RECOMMENDATIONS = """
    SELECT ref_date, mechanism_kind, mechanism_id, engagement_id_cell AS engagement_id, region,
           state_response, specificity, informed_by_cso
    FROM bl_recommendation
"""
# Follow-up facts of a recommendation, dated by its issue.
_FOLLOWED_UP = """
    WITH latest AS (
        SELECT recommendation_id, status,
               row_number() OVER (PARTITION BY recommendation_id ORDER BY reported_on DESC, follow_up_id DESC)
                   AS recency
        FROM bl_follow_up
    )
    SELECT r.ref_date, r.mechanism_kind, r.mechanism_id, r.region,
           date_diff('day', r.issued_on, $as_of) >= 365 AS issued_a_year_ago,
           EXISTS (SELECT 1 FROM bl_follow_up f WHERE f.recommendation_id = r.recommendation_id
                   AND date_diff('day', r.issued_on, f.reported_on) <= 365) AS followed_up_within_year,
           l.status AS latest_status
    FROM bl_recommendation r LEFT JOIN latest l ON l.recommendation_id = r.recommendation_id AND l.recency = 1
"""
_OVERDUE = """
    SELECT r.due_on AS ref_date, r.mechanism_kind, r.mechanism_id, r.region,
           NOT EXISTS (SELECT 1 FROM bl_follow_up f WHERE f.recommendation_id = r.recommendation_id
                       AND f.reported_on <= r.due_on) AS overdue
    FROM bl_recommendation r WHERE r.due_on < $as_of
"""
_LOOP_DUE = "attended AND date_diff('day', end_date, $as_of) >= 90"

FAMILIES: tuple[Family, ...] = (
    Family("engaged", "SELECT * FROM bl_engaged JOIN bl_org_profile USING (org_id)", {
        "engaged": "count(*)",
        "newcomers": f"count(*) FILTER (WHERE {_period_start_sql('first_contact_on')} = period_start)",
        "women_led": "count(*) FILTER (WHERE women_led)",
        "community_based": "count(*) FILTER (WHERE community_based)",
        "serving_constituencies": "count(*) FILTER (WHERE serves_constituency)",
        "budget_known": "count(*) FILTER (WHERE budget_band <> 'unknown')",
        "small": "count(*) FILTER (WHERE budget_band IN ('lt_50k', '50k_250k'))",
    }),
    Family("participations", cells_sql("SELECT * FROM bl_attended", PART), {
        "registered": "count(*) FILTER (WHERE registered)",
        "registered_attended": "count(*) FILTER (WHERE registered AND attended)",
        "attended": "count(*) FILTER (WHERE attended)",
        "spoke": "count(*) FILTER (WHERE attended AND spoke)",
        "people": "sum(participants_total) FILTER (WHERE attended)",
        "women": "sum(participants_women) FILTER (WHERE attended)",
        "loop_due": f"count(*) FILTER (WHERE {_LOOP_DUE})",
        "loop_closed": f"""count(*) FILTER (WHERE {_LOOP_DUE} AND outcome_communicated_on <= $as_of
                                        AND date_diff('day', end_date, outcome_communicated_on) <= 90)""",
    }),
    Family("events", cells_sql(_EVENTS, EVT), {
        "events": "count(*)",
        "attended": "sum(attended_count)",
        "accessible": "count(*) FILTER (WHERE accessibility_count >= 1)",
        "multilingual": "count(*) FILTER (WHERE language_count >= 2)",
        "remote": "count(*) FILTER (WHERE remote)",
    }),
    Family("calls", cells_sql(_CALLS, ("total", "mechanism_kind", "mechanism_id")), {
        "calls": "count(*)", "submissions": "sum(submission_count)",
    }),
    Family("submissions", cells_sql("SELECT * FROM bl_submission", SUB), {
        "due": "count(*) FILTER (WHERE date_diff('day', received_on, $as_of) >= 14)",
        "timely": """count(*) FILTER (WHERE date_diff('day', received_on, $as_of) >= 14
                                      AND date_diff('day', received_on, acknowledged_by_as_of) <= 14)""",
        "assessed": "count(*) FILTER (WHERE reflected_in_output IS NOT NULL)",
        "reflected": "count(*) FILTER (WHERE reflected_in_output)",
    }),
    Family("recommendations", cells_sql(_RECOMMENDATIONS, REC), {
        "responded": "count(*) FILTER (WHERE state_response IN ('supported', 'noted'))",
        "supported": "count(*) FILTER (WHERE state_response = 'supported')",
        "rated": "count(*) FILTER (WHERE specificity IS NOT NULL)",
        "specific": "count(*) FILTER (WHERE specificity = 5)",
        "recommendations": "count(*)",
        "informed": "count(*) FILTER (WHERE informed_by_cso)",
    }),
    Family("follow_ups", cells_sql(_FOLLOWED_UP, FUP), {
        "issued_a_year_ago": "count(*) FILTER (WHERE issued_a_year_ago)",
        "followed_up_within_year": "count(*) FILTER (WHERE issued_a_year_ago AND followed_up_within_year)",
        "followed_up": "count(*) FILTER (WHERE latest_status IS NOT NULL)",
        "acted_on": "count(*) FILTER (WHERE latest_status IN ('implemented', 'partially_implemented'))",
    }),
    Family("deadlines", cells_sql(_OVERDUE, FUP), {"due": "count(*)", "overdue": "count(*) FILTER (WHERE overdue)"}),
    Family("feedback", cells_sql("SELECT * FROM bl_feedback", ORG), {
        "responses": "count(*)",
        "satisfaction": "sum(satisfaction)",
        "felt_heard": "count(*) FILTER (WHERE felt_heard >= 4)",
        "restricted": "count(*) FILTER (WHERE faced_restrictions)",
    }),
)

_ORG_SIDE = ("total", "mechanism_kind", "region", "org_type")
INDICATORS: tuple[Indicator, ...] = (
    Indicator("PAR-01", "engaged", ORG, "engaged"),
    Indicator("PAR-02", "participations", PART, "registered_attended", "registered"),
    Indicator("PAR-03", "events", EVT, "attended", "events"),
    Indicator("PAR-04", "calls", ("total", "mechanism_kind", "mechanism_id"), "submissions", "calls"),
    Indicator("PAR-06", "engaged", _ORG_SIDE, "newcomers", "engaged"),
    Indicator("PAR-07", "participations", PART, "spoke", "attended"),
    Indicator("INC-01", "engaged", ORG, "women_led", "engaged"),
    Indicator("INC-02", "engaged", _less(ORG, "org_type"), "community_based", "engaged"),
    Indicator("INC-03", "engaged", ORG, "serving_constituencies", "engaged"),
    Indicator("INC-04", "engaged", _less(ORG, "org_type"), "small", "budget_known"),
    Indicator("INC-06", "participations", PART, "women", "people"),
    Indicator("INC-07", "events", EVT, "accessible", "events"),
    Indicator("INC-08", "events", EVT, "multilingual", "events"),
    Indicator("INC-09", "events", _less(EVT, "modality"), "remote", "events"),
    Indicator("FOL-01", "submissions", SUB, "timely", "due"),
    Indicator("FOL-03", "submissions", SUB, "reflected", "assessed"),
    Indicator("FOL-04", "participations", ORG, "loop_closed", "loop_due"),
    Indicator("FOL-05", "recommendations", REC, "supported", "responded"),
    Indicator("FOL-06", "recommendations", REC, "specific", "rated"),
    Indicator("FOL-07", "recommendations", REC, "informed", "recommendations"),
    Indicator("FOL-08", "follow_ups", FUP, "followed_up_within_year", "issued_a_year_ago"),
    Indicator("FOL-09", "follow_ups", FUP, "acted_on", "followed_up"),
    Indicator("FOL-10", "deadlines", FUP, "overdue", "due"),
    Indicator("FOL-11", "feedback", ORG, "satisfaction", "responses"),
    Indicator("FOL-12", "feedback", ORG, "felt_heard", "responses"),
    Indicator("FOL-13", "feedback", ORG, "restricted", "responses"),
)

# FOL-02: the median is not a sum, so it is aggregated on its own.
_DAYS_TO_ACKNOWLEDGE_SQL = f"""
    SELECT 'FOL-02' AS indicator_id, grain, {period_label_sql('period_start')} AS period, breakdown, breakdown_value,
           NULL::BIGINT AS numerator, count(*)::BIGINT AS denominator,
           quantile_cont(date_diff('day', received_on, acknowledged_by_as_of), 0.5)::DOUBLE AS value
    FROM ({cells_sql("SELECT * FROM bl_submission WHERE acknowledged_by_as_of IS NOT NULL",
                     ("total", "mechanism_kind", "mechanism_id"))})
    GROUP BY grain, period_start, breakdown, breakdown_value
"""

# PAR-05: population = organisations engaged in the previous period in the same cell; a row for
# every period after an engaged one, up to the period containing the build date.
_RETURNING_SQL = f"""
    WITH engaged AS (
        SELECT grain, period_start, breakdown, breakdown_value, org_id
        FROM bl_engaged WHERE {_one_of(crossed(("total", "mechanism_kind", "region", "org_type")))}
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
        SELECT grain, period_start, breakdown, breakdown_value, regional_group, count(*) AS engaged
        FROM bl_engaged JOIN bl_org_profile USING (org_id)
        WHERE {_one_of(crossed(("total", "mechanism_kind", "mechanism_id", "engagement_kind")))}
          AND regional_group NOT IN ('none', 'unknown')
        GROUP BY grain, period_start, breakdown, breakdown_value, regional_group
    ),
    shares AS (
        SELECT *, engaged / sum(engaged) OVER (PARTITION BY grain, period_start, breakdown, breakdown_value) AS share
        FROM per_group
    )
    SELECT 'INC-05' AS indicator_id, grain, {period_label_sql('period_start')} AS period, breakdown, breakdown_value,
           NULL::BIGINT AS numerator, sum(engaged)::BIGINT AS denominator,
           (sum(share * ln(1 / share)) / ln(5))::DOUBLE AS value
    FROM shares GROUP BY grain, period_start, breakdown, breakdown_value
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
        for name, query in [*_BASE_TABLES.items(), *((f"bl_family_{f.name}", f.sql()) for f in FAMILIES)]:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}",
                        parameters if "$as_of" in query else None)
        queries = [indicator.sql() for indicator in INDICATORS]
        queries += [_RETURNING_SQL, _REGIONAL_BALANCE_SQL, _DAYS_TO_ACKNOWLEDGE_SQL]
        table = pl.concat([con.sql(q, params=parameters if "$as_of" in q else None).pl() for q in queries])
    finally:
        for name in [*_BASE_TABLES, *(f"bl_family_{f.name}" for f in FAMILIES)]:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        con.unregister("bl_country_region")
    return table.select(COLUMNS).sort(["indicator_id", "grain", "period", "breakdown", "breakdown_value"])


# -- benchmark ---------------------------------------------------------------------------------

def prepared_warehouse(scale: int, seed: int, folder: Path) -> Path:
    """A warehouse holding the generated dataset at `scale` (made once per folder and scale)."""
    from foundation.settings import Settings
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


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(compute, warehouse: Path, as_of: date, results) -> None:
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    rows = compute(str(warehouse), as_of)
    results.put((time.perf_counter() - started, _cpu_seconds() - cpu_before, rows,
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def measure(compute, warehouse: Path, as_of: date) -> dict:
    """Wall time, CPU time (all threads), output rows and peak RSS of `compute(warehouse, as_of)`
    in a fresh process; wall time is noisy on a shared machine, CPU time less so."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_timed, args=(compute, warehouse, as_of, results))
    child.start()
    seconds, cpu_seconds, rows, peak = results.get()
    child.join()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "rows": rows, "peak_bytes": peak}


def participation_count(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql("SELECT count(*) FROM participations").fetchall()[0][0]
    finally:
        con.close()


def report_line(label: str, result: dict, participations: int, baseline: dict | None = None) -> str:
    ratio = f"  {result['seconds'] / baseline['seconds']:.2f}x duckdb-sql" if baseline else ""
    return (f"{label:<11} {result['seconds']:8.2f} s  (cpu {result['cpu_seconds']:7.2f} s)"
            f"  {participations / result['seconds']:12,.0f} participations/s  peak {result['peak_bytes'] / 2**20:8.0f} MiB  {result['rows']:,} indicator rows{ratio}")


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
