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
    #: grain -> aggregation; None where the unit has no such number
    denominator: Callable[[str], pl.Expr]
    numerator: Callable[[str], pl.Expr] | None = None
    median: Callable[[str], pl.Expr] | None = None


def catalogue_measure(indicator: Indicator, population: pl.Expr | None = None,
                      numerator: pl.Expr | None = None) -> Measure:
    """The measure the catalogue fields describe (masks may be given by a compute function instead)."""
    in_population = population if population is not None else filter_mask(indicator.population_filters)
    in_numerator = in_population & (numerator if numerator is not None else filter_mask(indicator.numerator_filters))
    return Measure(
        indicator=indicator,
        denominator=lambda grain: _counted(indicator, in_population),
        numerator=None if indicator.unit == "median" else (lambda grain: _counted(indicator, in_numerator, True)),
        median=(lambda grain: pl.col(indicator.measure).filter(in_population).median())
        if indicator.unit == "median" else None,
    )


def _counted(indicator: Indicator, mask: pl.Expr, is_numerator: bool = False) -> pl.Expr:
    if indicator.distinct:
        return pl.col(indicator.distinct).filter(mask).n_unique()
    summed = indicator.numerator_sum if is_numerator else indicator.denominator_sum
    if summed:
        return pl.col(summed).filter(mask).sum()
    # counted through a column: a mask without filters is a literal, whose sum would be 1
    return pl.col(indicator.reference_date).filter(mask).len()


def cells(frame: pl.DataFrame, reference_date: str, measures: list[Measure]) -> pl.DataFrame:
    """Every cell of every measure at every grain and breakdown, in the unit's shape:
    counts keep numerator (denominator empty), medians denominator, ratios and means both; a cell
    exists only when its population has a member."""
    lazy = frame.lazy()
    plans = []
    for grain in GRAINS:
        with_period = lazy.with_columns(period_index=period_index(pl.col(reference_date), grain)).filter(
            pl.col("period_index").is_not_null())
        breakdowns = dict.fromkeys(b for m in measures for b in m.indicator.breakdowns)
        for breakdown in breakdowns:
            chosen = [m for m in measures if breakdown in m.indicator.breakdowns]
            keys = ["period_index"] if breakdown == TOTAL else ["period_index", breakdown]
            aggregations = []
            for m in chosen:
                aggregations.append(m.denominator(grain).cast(pl.Int64).alias(f"{m.indicator.id}|denominator"))
                if m.numerator is not None:
                    aggregations.append(m.numerator(grain).cast(pl.Int64).alias(f"{m.indicator.id}|numerator"))
                if m.median is not None:
                    aggregations.append(m.median(grain).cast(pl.Float64).alias(f"{m.indicator.id}|median"))
            grouped = with_period.group_by(keys).agg(aggregations)
            breakdown_value = pl.lit(ALL) if breakdown == TOTAL else pl.col(breakdown).cast(pl.String)
            plans.extend(_in_unit_shape(grouped, m, grain, breakdown, breakdown_value) for m in chosen)
    if not plans:
        return pl.DataFrame(schema=CELL_SCHEMA)
    return pl.concat(pl.collect_all(plans))


def _in_unit_shape(grouped: pl.LazyFrame, measure: Measure, grain: str, breakdown: str,
                   breakdown_value: pl.Expr) -> pl.LazyFrame:
    indicator = measure.indicator
    denominator = pl.col(f"{indicator.id}|denominator")
    numerator = pl.col(f"{indicator.id}|numerator") if measure.numerator is not None else pl.lit(None, pl.Int64)
    if indicator.unit == "count":
        exists, denominator_out, value = numerator >= 1, pl.lit(None, pl.Int64), numerator.cast(pl.Float64)
    elif indicator.unit == "median":
        exists, denominator_out, value = denominator >= 1, denominator, pl.col(f"{indicator.id}|median")
    else:
        exists, denominator_out, value = denominator >= 1, denominator, numerator / denominator
    return grouped.filter(exists).select(
        indicator_id=pl.lit(indicator.id), grain=pl.lit(grain), period_index=pl.col("period_index"),
        breakdown=pl.lit(breakdown), breakdown_value=breakdown_value,
        numerator=numerator, denominator=denominator_out, value=value.cast(pl.Float64),
    ).cast(CELL_SCHEMA)
