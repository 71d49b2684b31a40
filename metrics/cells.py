"""Aggregating a source into indicator cells: one row per (grain, period, breakdown, value).

A `Measure` says, for one indicator, which polars aggregations give its numerator, denominator
(and median); `cells` runs the measures of one source in one group-by per grain and breakdown.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date
from functools import reduce
from typing import Callable

import polars as pl

from metrics.catalogue import Filter, Indicator

GRAINS = ("year", "quarter", "month")
TOTAL = "total"
ALL = "all"

CELL_SCHEMA = {
    "indicator_id": pl.String, "grain": pl.String, "period_index": pl.Int32, "breakdown": pl.String,
    "breakdown_value": pl.String, "numerator": pl.Int64, "denominator": pl.Int64, "value": pl.Float64,
}


def period_index(day: pl.Expr, grain: str) -> pl.Expr:
    """The period a date falls in, as a number that grows by one from a period to the next."""
    year = day.dt.year().cast(pl.Int32)
    if grain == "year":
        return year
    if grain == "quarter":
        return year * 4 + (day.dt.month().cast(pl.Int32) - 1) // 3
    return year * 12 + day.dt.month().cast(pl.Int32) - 1


def period_index_of(day: date, grain: str) -> int:
    return pl.select(period_index(pl.lit(day), grain)).item()


def filter_mask(filters: tuple[Filter, ...]) -> pl.Expr:
    """True where a record passes every filter; a comparison with an empty cell is false."""
    def one(f: Filter) -> pl.Expr:
        column = pl.col(f.column)
        comparison = {
            "eq": lambda: column == f.value, "ne": lambda: column != f.value,
            "lt": lambda: column < f.value, "le": lambda: column <= f.value,
            "gt": lambda: column > f.value, "ge": lambda: column >= f.value,
            "in": lambda: column.is_in(list(f.value)), "not_in": lambda: ~column.is_in(list(f.value)),
            "is_null": column.is_null, "not_null": column.is_not_null,
        }[f.op]()
        return comparison.fill_null(False)

    return reduce(operator.and_, (one(f) for f in filters), pl.lit(True))


@dataclass(frozen=True)
class Measure:
    indicator: Indicator
    #: the records of the population (a row mask)
    population: pl.Expr
    #: grain -> the records of the numerator (a row mask within the population)
    numerator: Callable[[str], pl.Expr]

    @property
    def additive(self) -> bool:
        """Record counts and sums add up from months to quarters and years; distinct counts and
        medians do not."""
        return not self.indicator.distinct and self.indicator.unit != "median"


def catalogue_measure(indicator: Indicator, population: pl.Expr | None = None,
                      numerator: pl.Expr | None = None) -> Measure:
    """The measure the catalogue fields describe (masks may be given by a compute function instead)."""
    in_population = population if population is not None else filter_mask(indicator.population_filters)
    in_numerator = in_population & (numerator if numerator is not None else filter_mask(indicator.numerator_filters))
    return Measure(indicator=indicator, population=in_population, numerator=lambda grain: in_numerator)


def cells(frame: pl.DataFrame, reference_date: str, measures: list[Measure]) -> pl.DataFrame:
    """Every cell of every measure at every grain and breakdown, in the unit's shape:
    counts keep numerator (denominator empty), medians denominator, ratios and means both; a cell
    exists only when its population has a member."""
    dated = frame.lazy().filter(pl.col(reference_date).is_not_null())
    found = []
    additive = [m for m in measures if m.additive]
    if additive:
        found.append(_additive_cells(dated, reference_date, additive))
    aggregated = [m for m in measures if not m.additive]
    if aggregated:
        found.append(_aggregated_cells(dated, reference_date, aggregated))
    return pl.concat(found) if found else pl.DataFrame(schema=CELL_SCHEMA)


def _breakdowns(measures: list[Measure]) -> list[str]:
    return list(dict.fromkeys(b for m in measures for b in m.indicator.breakdowns))


def _additive_cells(dated: pl.LazyFrame, reference_date: str, measures: list[Measure]) -> pl.DataFrame:
    """Sum each record's contribution once per month and combination of breakdown values, then
    roll the (small) result up to every grain and breakdown."""
    def contribution(mask: pl.Expr, summed: str | None) -> pl.Expr:
        return pl.when(mask).then(pl.col(summed) if summed else 1).otherwise(0).cast(pl.Int64)

    contributions = []
    for m in measures:
        contributions.append(contribution(m.population, m.indicator.denominator_sum).alias(f"{m.indicator.id}|denominator"))
        contributions.append(contribution(m.numerator("month"), m.indicator.numerator_sum).alias(f"{m.indicator.id}|numerator"))
    breakdowns = [b for b in _breakdowns(measures) if b != TOTAL]
    names = [c.meta.output_name() for c in contributions]
    monthly = (dated.select(month_index=period_index(pl.col(reference_date), "month"), *breakdowns, *contributions)
               .group_by("month_index", *breakdowns).agg(pl.col(names).sum())
               .collect())
    found = []
    for grain in GRAINS:
        in_grain = monthly.with_columns(period_index=_month_to(grain))
        for breakdown in _breakdowns(measures):
            chosen = [m for m in measures if breakdown in m.indicator.breakdowns]
            columns = [f"{m.indicator.id}|{part}" for m in chosen for part in ("denominator", "numerator")]
            keys = ["period_index"] if breakdown == TOTAL else ["period_index", breakdown]
            grouped = in_grain.group_by(keys).agg(pl.col(columns).sum())
            found.extend(_in_unit_shape(grouped, m, grain, breakdown) for m in chosen)
    return pl.concat(found)


def _month_to(grain: str) -> pl.Expr:
    month_index = pl.col("month_index")
    if grain == "year":
        return month_index // 12
    if grain == "quarter":
        return (month_index // 12) * 4 + (month_index % 12) // 3
    return month_index


def _aggregated_cells(dated: pl.LazyFrame, reference_date: str, measures: list[Measure]) -> pl.DataFrame:
    """Distinct counts and medians: grouped per grain and breakdown from the records."""
    plans, shapes = [], []
    for grain in GRAINS:
        with_period = dated.with_columns(period_index=period_index(pl.col(reference_date), grain))
        for breakdown in _breakdowns(measures):
            chosen = [m for m in measures if breakdown in m.indicator.breakdowns]
            keys = ["period_index"] if breakdown == TOTAL else ["period_index", breakdown]
            by_member: dict[str, list[Measure]] = {}
            for m in chosen:
                if m.indicator.distinct:
                    by_member.setdefault(m.indicator.distinct, []).append(m)
                else:
                    plans.append(_median(with_period, keys, reference_date, m))
                    shapes.append(([m], grain, breakdown))
            for member, counted in by_member.items():
                plans.append(_distinct_counts(with_period, keys, member, grain, counted))
                shapes.append((counted, grain, breakdown))
    return pl.concat(_in_unit_shape(grouped, m, grain, breakdown)
                     for grouped, (chosen, grain, breakdown) in zip(pl.collect_all(plans), shapes)
                     for m in chosen)


def _distinct_counts(with_period: pl.LazyFrame, keys: list[str], member: str, grain: str,
                     measures: list[Measure]) -> pl.LazyFrame:
    """Members in each population and numerator per cell: first one row per member and cell (is
    any of its records in?), then sums; far faster than a filtered n_unique per measure."""
    flags = {}
    for m in measures:
        flags[f"{m.indicator.id}|denominator"] = m.population.any()
        flags[f"{m.indicator.id}|numerator"] = m.numerator(grain).any()
    return (with_period.group_by(*keys, member).agg(**flags)
            .group_by(keys).agg(pl.col(list(flags)).sum()))


def _median(with_period: pl.LazyFrame, keys: list[str], reference_date: str, measure: Measure) -> pl.LazyFrame:
    indicator = measure.indicator
    return with_period.group_by(keys).agg(
        pl.col(reference_date).filter(measure.population).len().alias(f"{indicator.id}|denominator"),
        pl.col(indicator.measure).filter(measure.population).median().alias(f"{indicator.id}|median"),
    )


def _in_unit_shape(grouped: pl.DataFrame, measure: Measure, grain: str, breakdown: str) -> pl.DataFrame:
    indicator = measure.indicator
    denominator = pl.col(f"{indicator.id}|denominator").cast(pl.Int64)
    if indicator.unit == "median":
        numerator = pl.lit(None, pl.Int64)
    else:
        numerator = pl.col(f"{indicator.id}|numerator").cast(pl.Int64)
    if indicator.unit == "count":
        exists, denominator_out, value = numerator >= 1, pl.lit(None, pl.Int64), numerator.cast(pl.Float64)
    elif indicator.unit == "median":
        exists, denominator_out, value = denominator >= 1, denominator, pl.col(f"{indicator.id}|median")
    else:
        exists, denominator_out, value = denominator >= 1, denominator, numerator / denominator
    breakdown_value = pl.lit(ALL) if breakdown == TOTAL else pl.col(breakdown).cast(pl.String)
    return grouped.filter(exists).select(
        indicator_id=pl.lit(indicator.id), grain=pl.lit(grain), period_index=pl.col("period_index"),
        breakdown=pl.lit(breakdown), breakdown_value=breakdown_value,
        numerator=numerator, denominator=denominator_out, value=value.cast(pl.Float64),
    ).cast(CELL_SCHEMA)
