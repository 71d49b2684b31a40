"""Indicators the catalogue's common shapes cannot say, as named functions (never evaluated text).

Each function takes the indicator, its source frame and the build date and returns its cells
(`metrics.cells.CELL_SCHEMA`). The catalogue names them with `compute = "<name>"`.
"""

from __future__ import annotations

import math
from datetime import date
from dataclasses import dataclass
from typing import Callable

import polars as pl

from metrics.catalogue import Indicator
from metrics.cells import CELL_SCHEMA, GRAINS, EngagedMembers, Measure, breakdown_value, breakdowns_of, \
    catalogue_measure, period_index, period_index_of
from warehouse.reference import NO_GROUP

REGIONAL_GROUP_COUNT = 5
ACTED_ON = ("implemented", "partially_implemented")


def returning_organisations(indicator: Indicator, engaged: EngagedMembers, as_of: date) -> pl.DataFrame:
    """PAR-05: of the organisations engaged in the previous period in a cell, those engaged again
    in this period in the same cell (a crossed cell too); periods up to the one containing the build date."""
    found = []
    for grain in GRAINS:
        latest = period_index_of(as_of, grain)
        # the breakdowns reading one set count its members once, by the attributes they break down by
        for key, sharing in engaged.breakdowns_by_set(breakdowns_of(indicator)).items():
            attributes = engaged.attributes_gathered(key, sharing)
            # a member engaged in a set cell counts in the next period's cell, again (row code 1) or not
            counted = (engaged.counts(grain, key, attributes, row_code=engaged.engaged_again(grain, key), row_codes=2)
                       .with_columns(pl.col("set_cell") + engaged.cell_count(key))
                       .filter(pl.col("set_cell") // engaged.cell_count(key) <= latest))
            for breakdown in sharing:
                returning = counted.group_by(engaged.cell_of(key, breakdown)).agg(
                    denominator=pl.col("members").sum(), numerator=(pl.col("members") * pl.col("row_code")).sum())
                found.append(
                    returning.hstack(engaged.cell_labels(returning["cell"], breakdown))
                    .select(indicator_id=pl.lit(indicator.id), grain=pl.lit(grain),
                            period_index=pl.col("period_index"), breakdown=pl.lit(breakdown),
                            breakdown_value=breakdown_value(breakdown), numerator=pl.col("numerator"),
                            denominator=pl.col("denominator"), value=pl.col("numerator") / pl.col("denominator"))
                    .cast(CELL_SCHEMA)
                )
    return pl.concat(found)


def newcomer_share(indicator: Indicator) -> Measure:
    """PAR-06: of the organisations engaged in the period, those whose first contact ever falls in it."""
    return Measure(
        indicator=indicator,
        population=pl.lit(True),
        numerator=lambda grain: (
            period_index(pl.col("first_contact_date"), grain) == period_index(pl.col("contact_date"), grain)),
    )


def regional_balance(indicator: Indicator, engaged: EngagedMembers, as_of: date) -> pl.DataFrame:
    """INC-05: normalised Shannon entropy of the engaged organisations' UN regional groups
    (organisations from a State in no group left out; one group only gives 0.0); in a crossed cell, the
    index of the organisations engaged with that mechanism (or kind)."""
    found = []
    regions = engaged.values_of("region")
    no_group = regions.index_of(NO_GROUP)
    for grain in GRAINS:
        # the breakdowns reading one set count its members once, by region and the attributes they break down by
        for key, sharing in engaged.breakdowns_by_set(breakdowns_of(indicator)).items():
            attributes = list(dict.fromkeys(["region", *engaged.attributes_gathered(key, sharing)]))
            counted = engaged.counts(grain, key, attributes)
            if no_group is not None:
                counted = counted.filter(pl.col("region") != no_group)
            for breakdown in sharing:
                per_group = (counted.group_by(engaged.cell_of(key, breakdown), group=pl.col("region"))
                             .agg(pl.col("members").sum()))
                found.append(_regional_balance_cells(indicator, engaged, grain, breakdown, per_group))
    return pl.concat(found)


def _regional_balance_cells(indicator: Indicator, engaged: EngagedMembers, grain: str, breakdown: str,
                            per_group: pl.DataFrame) -> pl.DataFrame:
    """INC-05's cells of one grain and breakdown from the members per cell and regional group (its code)."""
    share = pl.col("members") / pl.col("members").sum().over("cell")
    balance = (per_group.with_columns(term=-share * share.log())
               # summed in group order (an order a query optimiser cannot drop): the same data always
               # gives the same last digit
               .sort("cell", "group")
               .group_by("cell", maintain_order=True)
               .agg(denominator=pl.col("members").sum(), entropy=pl.col("term").sum()))
    return (
        balance.hstack(engaged.cell_labels(balance["cell"], breakdown))
        .select(indicator_id=pl.lit(indicator.id), grain=pl.lit(grain), period_index=pl.col("period_index"),
                breakdown=pl.lit(breakdown), breakdown_value=breakdown_value(breakdown),
                numerator=pl.lit(None, pl.Int64), denominator=pl.col("denominator"),
                # abs(): a single group gives -0.0, which would print as "-0.0"; clip(): five equal
                # groups give 1.0000000000000002 in floating point, which the output checks refuse
                value=(pl.col("entropy") / math.log(REGIONAL_GROUP_COUNT)).abs().clip(0.0, 1.0))
        .cast(CELL_SCHEMA)
    )


def latest_follow_up_status(indicator: Indicator) -> Measure:
    """FOL-09: of the recommendations with a follow-up reported by the build date, those whose latest
    one (latest reported_on, ties to the greatest follow_up_id) says implemented or partially implemented."""
    latest = pl.col("latest_follow_up_status")
    return catalogue_measure(indicator, population=latest.is_not_null(),
                             numerator=latest.is_in(list(ACTED_ON)).fill_null(False))


@dataclass(frozen=True)
class ComputeFunction:
    #: build date -> the source records of its population: the indicator has rows iff one exists
    population: Callable[[date], pl.Expr]
    #: a measure computed with the common shapes of its source (in the same pass) ...
    measure: Callable[[Indicator], Measure] | None = None
    #: ... or its cells computed on their own
    #: (over the sets of engaged organisations the distinct counts share)
    cells: Callable[[Indicator, EngagedMembers, date], pl.DataFrame] | None = None


COMPUTE_FUNCTIONS: dict[str, ComputeFunction] = {
    # a previous period with contacts exists up to the build date's period iff a contact falls
    # before the build date's month (the finest grain)
    "returning_organisations": ComputeFunction(
        lambda as_of: pl.col("contact_date") < as_of.replace(day=1), cells=returning_organisations),
    "newcomer_share": ComputeFunction(lambda as_of: pl.lit(True), measure=newcomer_share),
    "regional_balance": ComputeFunction(lambda as_of: pl.col("region") != NO_GROUP, cells=regional_balance),
    "latest_follow_up_status": ComputeFunction(
        lambda as_of: pl.col("latest_follow_up_status").is_not_null(), measure=latest_follow_up_status),
}
