"""What one periodic report says, as data the templates lay out: cover, summary, scorecard, area
sections, data quality and methodology. Numbers are traced cells (see `reports.traced`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import polars as pl
from markupsafe import Markup

from figures.charts import breakdown_figure, trend_figure
from figures.labels import reading_order, value_label
from metrics.disclosure import suppression_rule
from metrics.xlsx import BREAKDOWN_WORDS, REFERENCE_DATE_WORDS, breakdown_words, direction
from reports.narrative import area_sentences
from foundation.vocabulary import AREAS, Period
from reports.source import ReportSource
from reports.traced import traced
from warehouse.contract import LOAD_ORDER

#: periods a trend chart spans, ending with the report's period
TREND_PERIODS = 8
#: the breakdowns each indicator section tabulates for the period
CHARTED_BREAKDOWNS = ("region", "org_type", "mechanism_kind")
#: pixels a breakdown chart is drawn at: it shares the width with its table, and drawn as wide as a
#: trend its text would shrink to unreadable when scaled into that column
BREAKDOWN_CHART_WIDTH = 500
STATUS_WORDS = {"met": "Met", "not_met": "Not met", "no_target": "No target"}
#: how a catalogue population names a window before the as-of date
_WINDOW = re.compile(r"(?:build date minus (\d+) days|at least (\d+) days before the build date)")



@dataclass
class Breakdown:
    label: str
    #: only the lead indicator of an area has its breakdowns charted, to keep the report readable
    chart_key: str | None
    #: (breakdown value in words, row)
    rows: list[tuple[str, dict]]


@dataclass
class IndicatorSection:
    indicator: object
    direction: str
    breakdown_text: str
    trend_chart_key: str | None
    #: (period, row or None), oldest first
    trend: list[tuple[str, dict | None]]
    breakdowns: list[Breakdown]


@dataclass
class ScoreRow:
    indicator: object
    direction: str
    value: Markup | None
    previous: Markup | None
    year_earlier: Markup | None
    baseline: Markup | None
    target: Markup | None
    status: str
    no_data: str | None


@dataclass
class Report:
    period: Period
    source: ReportSource
    fmt: str
    summary: dict[str, list[Markup]]
    scorecard: dict[str, list[ScoreRow]]
    sections: dict[str, list[IndicatorSection]]
    #: chart key -> plotly figure, drawn later in one batch
    figures: dict = field(default_factory=dict)

    @property
    def audience(self) -> str:
        return self.source.audience

    subject = "Civil society engagement with UN human-rights mechanisms"

    @property
    def title(self) -> str:
        return f"{self.subject}, {self.period}"

    @property
    def reproduce_command(self) -> str:
        return (f"agora report --period {self.period} --audience {self.audience} "
                f"--format {self.fmt} --run {self.source.run.run_id}")

    @property
    def suppression_rule(self) -> str:
        return suppression_rule(self.source.threshold)

    def loads_in_period(self) -> pl.DataFrame:
        return self._finished_in_period(self.source.loads)

    def record_checks_in_period(self) -> list[tuple[str, pl.DataFrame]]:
        """Per entity (parents first), each check of the loads finished in the period: rows checked
        and rows failing summed over those loads; a check passed if it passed in every one."""
        checks = self._finished_in_period(self.source.record_checks).group_by("entity", "rule").agg(
            pl.col("position").min(), pl.col("expectation").first(),
            *(pl.col(c).sum().cast(pl.Int64) for c in ("rows_checked", "rows_failing")), pl.col("success").all(),
        )
        return [(entity, checks.filter(pl.col("entity") == entity).sort("position", "rule"))
                for entity in LOAD_ORDER if entity in set(checks["entity"])]

    def _finished_in_period(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("finished_at").dt.date().is_between(self.period.start, self.period.end))

    def loads_by_entity(self) -> pl.DataFrame:
        return self.source.loads.group_by("entity").agg(
            files=pl.len(),
            **{c: pl.col(c).sum().cast(pl.Int64) for c in ("rows_read", "rows_loaded", "rows_quarantined")},
        ).sort("entity")


class PeriodRows:
    """The rows a report of `period` shows (its grain; the trend and a year back), for lookup."""

    def __init__(self, table: pl.DataFrame, period: Period) -> None:
        wanted = {str(p) for p in period.trailing(TREND_PERIODS)} | {str(period.year_earlier)}
        rows = table.filter(
            (pl.col("grain") == period.grain) & pl.col("period").is_in(sorted(wanted))
            & pl.col("breakdown").is_in(["total", *CHARTED_BREAKDOWNS])
        ).sort("indicator_id", "period", "breakdown", "breakdown_value")
        self._cells: dict[tuple[str, str, str], list[dict]] = {}
        for row in rows.iter_rows(named=True):
            self._cells.setdefault((row["indicator_id"], row["period"], row["breakdown"]), []).append(row)

    def total(self, indicator_id: str, period: Period) -> dict | None:
        found = self._cells.get((indicator_id, str(period), "total"))
        return found[0] if found else None

    def breakdown(self, indicator_id: str, period: Period, dimension: str) -> list[dict]:
        """The cells of one breakdown, in breakdown value order."""
        return self._cells.get((indicator_id, str(period), dimension), [])


def no_data_reason(indicator, period: Period, as_of) -> str:
    """Why an indicator has no total row for the period, from the run's as-of and the catalogue."""
    if period.start > as_of:
        return f"The period starts after the run's as-of date ({as_of})."
    window = _WINDOW.search(indicator.population)
    if window:
        days = int(window[1] or window[2])
        cutoff = as_of - timedelta(days=days)
        if period.start > cutoff:
            return (f"It counts only records dated on or before {cutoff}, {days} days before the as-of "
                    f"date {as_of}, and this period starts after that.")
        if period.end > cutoff:
            return (f"It counts only records on or before {cutoff}, {days} days before the as-of date "
                    f"{as_of}; this period ends after that and none of its records qualify yet.")
    return "No record of its population falls in this period (see the methodology annex)."


def score_row(indicator, rows: PeriodRows, period: Period, as_of) -> ScoreRow:
    now = rows.total(indicator.id, period)
    before = rows.total(indicator.id, period.previous)
    year_ago = rows.total(indicator.id, period.year_earlier)
    if now is None:
        return ScoreRow(indicator, direction(indicator.polarity), None, before and traced(before),
                        year_ago and traced(year_ago), None, None, "", no_data_reason(indicator, period, as_of))
    # A suppressed value's status would tell on which side of the target it lies.
    status = "Suppressed" if now["suppressed"] else STATUS_WORDS.get(now["status"], now["status"])
    return ScoreRow(
        indicator, direction(indicator.polarity), traced(now), before and traced(before),
        year_ago and traced(year_ago),
        traced(now, "baseline") if now["baseline"] is not None else None,
        traced(now, "target") if now["target"] is not None else None,
        status, None,
    )


def indicator_section(indicator, rows: PeriodRows, period: Period, figures: dict,
                      chart_breakdowns: bool) -> IndicatorSection:
    trend = [(str(p), rows.total(indicator.id, p)) for p in period.trailing(TREND_PERIODS)]
    present = [row for _, row in trend if row is not None]
    trend_key = None
    if present:
        trend_key = f"{indicator.id}-trend"
        figures[trend_key] = trend_figure(
            pl.DataFrame(present), f"{indicator.name}, last {TREND_PERIODS} {period.grain}s", indicator.unit)
    breakdowns = []
    for dimension in CHARTED_BREAKDOWNS:
        if dimension not in indicator.breakdowns:
            continue
        cells = sorted(rows.breakdown(indicator.id, period, dimension),
                       key=lambda row: reading_order(dimension, row["breakdown_value"]))
        if not cells:
            continue
        label = BREAKDOWN_WORDS[dimension]
        key = None
        if chart_breakdowns:
            key = f"{indicator.id}-{dimension}"
            figures[key] = breakdown_figure(pl.DataFrame(cells), f"{indicator.name} by {label}, {period}",
                                            indicator.unit, width=BREAKDOWN_CHART_WIDTH)
        breakdowns.append(Breakdown(label, key,
                                    [(value_label(dimension, row["breakdown_value"]), row) for row in cells]))
    return IndicatorSection(indicator, direction(indicator.polarity), breakdown_words(indicator.breakdowns),
                            trend_key, trend, breakdowns)


def build_report(source: ReportSource, period: Period, fmt: str) -> Report:
    rows = PeriodRows(source.table, period)
    as_of = source.run.as_of
    figures: dict = {}
    summary, scorecard, sections = {}, {}, {}
    for area in AREAS:
        indicators = [ind for ind in source.indicators if ind.area == area]
        current = {ind.id: row for ind in indicators if (row := rows.total(ind.id, period))}
        previous = {ind.id: row for ind in indicators if (row := rows.total(ind.id, period.previous))}
        summary[area] = area_sentences(indicators, current, previous, str(period), str(period.previous))
        scorecard[area] = [score_row(ind, rows, period, as_of) for ind in indicators]
        lead = next((ind.id for ind in indicators if ind.id in current), None)
        sections[area] = [indicator_section(ind, rows, period, figures, ind.id == lead) for ind in indicators]
    return Report(period, source, fmt, summary, scorecard, sections, figures)


def reference_date_words(indicator) -> str:
    return REFERENCE_DATE_WORDS.get(indicator.reference_date, indicator.reference_date.replace("_", " "))
