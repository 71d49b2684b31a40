"""Life-of-programme (LOP) targets as a report shows them: the run's LOP baseline and target of an
indicator, its value to date and the per cent achieved against them.

The value to date is the indicator's total of the latest period of the report's grain, up to the
report's period, that has a value (or had one withheld): complete or not over yet, and named beside
it. Per cent achieved is the spec's (v2, `metrics.achievement.achieved`) with the LOP baseline and
target in place of the period's. LOP targets are the programme's plans, not records: the public
edition shows them like period targets, but an achievement against a withheld value is left empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from foundation.vocabulary import Period
from metrics.achievement import achieved
from reports.source import ReportSource


@dataclass(frozen=True)
class ProgrammeTarget:
    indicator_id: str
    baseline: float | None
    target: float
    #: the total row the value to date comes from (its period is the one named), or None if none has a value
    to_date: dict | None
    #: per cent achieved of the value to date against the LOP baseline and target (a fraction)
    achieved: float | None

    @property
    def to_date_period(self) -> str | None:
        return None if self.to_date is None else self.to_date["period"]


def programme_targets(source: ReportSource, period: Period) -> dict[str, ProgrammeTarget]:
    """Per indicator with a LOP target (in catalogue order), its LOP target and the value to date at `period`."""
    lop = source.programme
    if lop.is_empty():
        return {}
    totals = source.table.filter(
        (pl.col("breakdown") == "total") & (pl.col("grain") == period.grain)
        & (pl.col("period_end") <= period.end) & (pl.col("value").is_not_null() | pl.col("suppressed"))
    ).sort("period_end").group_by("indicator_id", maintain_order=True).last()
    lower = sorted(ind.id for ind in source.indicators if ind.lower_is_better)
    totals = totals.drop("baseline", "target", "achieved")
    worked = (
        lop.join(totals, on="indicator_id", how="left")
        .with_columns(achieved=pl.when(pl.col("suppressed").fill_null(False)).then(None)
                      .otherwise(achieved(pl.col("indicator_id").is_in(lower))))
    )
    by_id = {row["indicator_id"]: row for row in worked.iter_rows(named=True)}
    found = {}
    for ind in source.indicators:
        row = by_id.get(ind.id)
        if row is None:
            continue
        to_date = {k: row[k] for k in totals.columns} if row["period"] is not None else None
        found[ind.id] = ProgrammeTarget(ind.id, row["baseline"], row["target"], to_date, row["achieved"])
    return found
