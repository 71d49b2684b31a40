"""What one periodic report says, as data the templates lay out: cover, executive summary (caveats,
largest changes, targets), scorecard, one section per catalogue area, data quality, methodology and
an annex. Numbers are traced cells (see `reports.traced`); charts are `figures.static` drawings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import polars as pl
from markupsafe import Markup

from figures.labels import reading_order, value_label
from figures.static import breakdown_chart, trend_chart
from foundation.vocabulary import Period
from metrics.disclosure import suppression_rule
from metrics.xlsx import BREAKDOWN_WORDS, breakdown_words, direction
from reports.narrative import Change, largest_changes, target_crossings, usable
from reports.programme import programme_targets
from reports.source import ReportSource
from reports.traced import derived, format_achieved, period_label, programme_figure, traced, with_n
from warehouse.contract import LOAD_ORDER

#: periods a trend chart spans, ending with the report's period
TREND_PERIODS = 8
#: the breakdowns each indicator section tabulates for the period
CHARTED_BREAKDOWNS = ("region", "org_type", "mechanism_kind")
#: a total resting on fewer records than this is flagged "small n" and kept out of the largest changes
SMALL_N = 30
#: characters of a hash or run id on the cover; the annex gives them whole
SHORT_ID = 12
STATUS_WORDS = {"met": "Met", "not_met": "Not met", "no_target": "No target"}
#: how a catalogue population names a window before the as-of date
_WINDOW = re.compile(r"(?:build date minus (\d+) days|at least (\d+) days before the build date)")


@dataclass
class Breakdown:
    label: str
    #: only the lead indicator of an area has its breakdowns charted, to keep the report short
    chart_key: str | None
    #: (breakdown value in words, row)
    rows: list[tuple[str, dict]]


@dataclass
class IndicatorSection:
    indicator: object
    direction: str
    breakdown_text: str
    trend_chart_key: str
    #: (period, row or None), oldest first
    trend: list[tuple[str, dict | None]]
    breakdowns: list[Breakdown]


@dataclass
class ScoreRow:
    indicator: object
    value: Markup | None
    previous: Markup | None
    year_earlier: Markup | None
    baseline: Markup | None
    target: Markup | None
    achieved: Markup | None
    status: str
    no_data: str | None


@dataclass
class ProgrammeRow:
    """An indicator's life-of-programme target and its value to date (see `reports.programme`)."""
    indicator: object
    baseline: Markup | None
    target: Markup
    #: the period the value to date is of, or None while the indicator has none
    to_date_period: str | None
    #: that period is not over at the run's as-of date
    to_date_partial: bool
    value: Markup | None
    achieved: Markup | None


@dataclass
class Area:
    name: str
    scorecard: list[ScoreRow]
    #: indicators with a value in at least one period of the trend
    sections: list[IndicatorSection]
    #: indicators with none, listed in one line rather than an empty section each
    without_data: list


@dataclass
class Report:
    period: Period
    source: ReportSource
    fmt: str
    #: the period is not over at the run's as-of date (spec v2 `partial`)
    partial: bool
    caveats: list[Markup]
    changes: list[Change]
    crossings: list[Markup]
    #: score rows of the indicators with a target for the period, not met first
    targets: list[ScoreRow]
    areas: list[Area]
    #: the indicators with a life-of-programme target, in catalogue order
    programme: list[ProgrammeRow]
    #: chart key -> `figures.drawing.Drawing`
    figures: dict = field(default_factory=dict)

    @property
    def audience(self) -> str:
        return self.source.audience

    subject = "Civil society engagement with UN human-rights mechanisms"

    @property
    def title(self) -> str:
        return f"{self.subject}, {self.period}"

    @property
    def shows_year_earlier(self) -> bool:
        """A year's previous period is the year before: the scorecard then has no second column for it."""
        return self.period.previous != self.period.year_earlier

    @property
    def reproduce_command(self) -> str:
        return (f"agora report --period {self.period} --audience {self.audience} "
                f"--format {self.fmt} --run {self.source.run.run_id}")

    @property
    def programme_note(self) -> str:
        """How the life-of-programme targets are read, for the methodology."""
        note = (f"A life-of-programme (LOP) target is kept with the run (targets of period LOP) and applies to no "
                f"single period. Its value to date is the indicator's total for the latest {self.period.grain} up "
                f"to {self.period} that has a value, whether that period is over or not; the period is named "
                f"beside it. Per cent achieved against it is worked out as for a period target, with the LOP "
                f"baseline and target.")
        if self.audience == "public":
            note += (" LOP baselines and targets are plans and are shown; where the value to date is suppressed "
                     "its per cent achieved is left empty.")
        return note

    @property
    def suppression_rule(self) -> str:
        return suppression_rule(self.source.threshold)

    @property
    def small_n(self) -> int:
        return SMALL_N

    @property
    def trend_periods(self) -> int:
        return TREND_PERIODS

    def short(self, text: str) -> str:
        return text[:SHORT_ID]

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


def period_has_data(table: pl.DataFrame, period: Period) -> bool:
    """Whether the run holds any total for the period (an empty period gets no report)."""
    return table.filter((pl.col("grain") == period.grain) & (pl.col("period") == str(period))
                        & (pl.col("breakdown") == "total")).height > 0


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
    return "No record of its population falls in this period (see the methodology)."


def status_words(row: dict) -> str:
    # A suppressed value's status would tell on which side of the target it lies.
    if row["suppressed"]:
        return "Suppressed"
    words = STATUS_WORDS.get(row["status"], row["status"])
    # A target not met in a period that is not over may still be met by its end.
    return f"{words} so far" if row["status"] == "not_met" and row["partial"] else words


def score_row(indicator, rows: PeriodRows, period: Period, as_of) -> ScoreRow:
    now = rows.total(indicator.id, period)
    before = rows.total(indicator.id, period.previous)
    year_ago = rows.total(indicator.id, period.year_earlier)
    earlier = (before and with_n(before, SMALL_N), year_ago and with_n(year_ago, SMALL_N))
    if now is None:
        return ScoreRow(indicator, None, *earlier, None, None, None, "", no_data_reason(indicator, period, as_of))
    return ScoreRow(
        indicator, with_n(now, SMALL_N), *earlier,
        traced(now, "baseline") if now["baseline"] is not None else None,
        traced(now, "target") if now["target"] is not None else None,
        traced(now, "achieved") if now["achieved"] is not None else None,
        status_words(now), None,
    )


def programme_rows(source: ReportSource, period: Period) -> list[ProgrammeRow]:
    found = programme_targets(source, period)
    rows = []
    for ind in source.indicators:
        lop = found.get(ind.id)
        if lop is None:
            continue
        rows.append(ProgrammeRow(
            ind, programme_figure(ind.id, "baseline", lop.baseline, ind.unit),
            programme_figure(ind.id, "target", lop.target, ind.unit), lop.to_date_period,
            lop.to_date is not None and bool(lop.to_date["partial"]),
            None if lop.to_date is None else with_n(lop.to_date, SMALL_N),
            None if lop.achieved is None else derived(format_achieved(lop.achieved)),
        ))
    return rows


def indicator_section(indicator, rows: PeriodRows, period: Period, figures: dict,
                      chart_breakdowns: bool) -> IndicatorSection | None:
    trend = [(str(p), rows.total(indicator.id, p)) for p in period.trailing(TREND_PERIODS)]
    if not any(row for _, row in trend):
        return None
    trend_key = f"{indicator.id}-trend"
    figures[trend_key] = trend_chart([p for p, _ in trend], [row for _, row in trend], indicator.unit,
                                     f"{indicator.name}, last {TREND_PERIODS} {period.grain}s")
    breakdowns = []
    for dimension in CHARTED_BREAKDOWNS:
        if dimension not in indicator.breakdowns:
            continue
        cells = sorted(rows.breakdown(indicator.id, period, dimension),
                       key=lambda row: reading_order(dimension, row["breakdown_value"]))
        if not cells:
            continue
        label = BREAKDOWN_WORDS[dimension]
        named = [(value_label(dimension, row["breakdown_value"]), row) for row in cells]
        key = None
        if chart_breakdowns:
            key = f"{indicator.id}-{dimension}"
            figures[key] = breakdown_chart(named, indicator.unit, f"{indicator.name} by {label}, {period}")
        breakdowns.append(Breakdown(label, key, named))
    return IndicatorSection(indicator, direction(indicator.polarity), breakdown_words(indicator.breakdowns),
                            trend_key, trend, breakdowns)


def caveats(source: ReportSource, period: Period, partial: bool, current: dict, indicators) -> list[Markup]:
    """What a reader must know before trusting the numbers, each count marked as worked out here."""
    as_of = source.run.as_of
    said = []
    if partial:
        said.append(Markup(
            "<strong>This period is not over.</strong> It runs to {} and the data are as of {}: its counts "
            "cover only part of it and will grow, and its shares and averages may still move. Counts are "
            "therefore not compared with earlier periods in this summary.").format(
            period_label(str(period.end)), period_label(str(as_of))))
    missing = [ind for ind in indicators if ind.id not in current]
    if missing:
        said.append(Markup("{} of the {} indicators have no value for {} (the scorecard says why).").format(
            derived(str(len(missing))), derived(str(len(indicators))), period_label(str(period))))
    small = [ind.id for ind in indicators if usable(current.get(ind.id)) and current[ind.id]["unit"] != "count"
             and (current[ind.id]["denominator"] or 0) < SMALL_N]
    if small:
        said.append(Markup("{} totals rest on fewer than {} records and are flagged <em>small n</em>: {}. "
                           "Read them as indications, not as measurements.").format(
            derived(str(len(small))), derived(str(SMALL_N)), ", ".join(small)))
    cells = source.table.filter((pl.col("grain") == period.grain) & (pl.col("period") == str(period)))
    withheld = int(cells["suppressed"].sum())
    if withheld:
        said.append(Markup("In this public edition {} of the period's {} cells rest on fewer than {} records "
                           "and are suppressed.").format(
            derived(f"{withheld:,}"), derived(f"{cells.height:,}"), derived(str(source.threshold))))
    quarantined = int(source.loads["rows_quarantined"].sum() or 0)
    if quarantined:
        said.append(Markup("{} rows of the files loaded were quarantined for breaking a rule and are not "
                           "counted (see Data quality).").format(derived(f"{quarantined:,}")))
    return said


def build_report(source: ReportSource, period: Period, fmt: str) -> Report:
    rows = PeriodRows(source.table, period)
    as_of = source.run.as_of
    partial = period.is_partial(as_of)
    indicators = source.indicators
    current = {ind.id: row for ind in indicators if (row := rows.total(ind.id, period))}
    previous = {ind.id: row for ind in indicators if (row := rows.total(ind.id, period.previous))}
    figures: dict = {}
    areas = []
    for area, members in source.catalogue.areas.items():
        if not members:
            continue
        lead = next((ind.id for ind in members if ind.id in current), None)
        sections = [indicator_section(ind, rows, period, figures, ind.id == lead) for ind in members]
        areas.append(Area(area, [score_row(ind, rows, period, as_of) for ind in members],
                          [s for s in sections if s], [ind for ind, s in zip(members, sections) if s is None]))
    scored = [s for area in areas for s in area.scorecard]
    targets = sorted((s for s in scored if s.target is not None and s.no_data is None),
                     key=lambda s: s.status == "Met")
    return Report(
        period, source, fmt, partial, caveats(source, period, partial, current, indicators),
        largest_changes(indicators, current, previous, str(period), str(period.previous), SMALL_N,
                        counts_comparable=not partial),
        target_crossings(indicators, current, previous, str(period), str(period.previous), SMALL_N),
        targets, areas, programme_rows(source, period), figures,
    )


#: the catalogue's reference-date columns, as a reader says them
REFERENCE_DATE_WORDS = {
    "contact_date": "the date of the contact: the engagement's start for an attendance, the date received for a submission",
    "start_date": "the engagement's start date",
    "end_date": "the engagement's end date",
    "received_on": "the date the submission was received",
    "issued_on": "the date the recommendation was issued",
    "due_on": "the recommendation's follow-up deadline",
    "submitted_on": "the date the response was submitted",
}


def reference_date_words(indicator) -> str:
    words = REFERENCE_DATE_WORDS.get(indicator.reference_date, indicator.reference_date.replace("_", " "))
    return words[:1].upper() + words[1:] + "."

