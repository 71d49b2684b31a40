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

from foundation.vocabulary import ALL, GRAINS, TOTAL, UNKNOWN  # noqa: F401  (special imports them from here)
from metrics.catalogue import Filter, Indicator


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


def cells(frame: pl.DataFrame, reference_date: str, measures: list[Measure],
          engaged: EngagedMembers | None = None) -> pl.DataFrame:
    """Every cell of every measure at every grain and breakdown, in the unit's shape:
    counts keep numerator (denominator empty), medians denominator, ratios and means both; a cell
    exists only when its population has a member. Distinct counts count the `engaged` members' sets."""
    dated = frame.lazy().filter(pl.col(reference_date).is_not_null())
    found = []
    additive = [m for m in measures if m.additive]
    if additive:
        found.append(_additive_cells(dated, reference_date, additive))
    aggregated = [m for m in measures if not m.additive]
    if aggregated:
        found.append(_aggregated_cells(dated, reference_date, aggregated, engaged))
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


def _aggregated_cells(dated: pl.LazyFrame, reference_date: str, measures: list[Measure],
                      engaged: EngagedMembers | None) -> pl.DataFrame:
    """Distinct counts from the engaged members' sets; medians grouped per grain and breakdown from the records."""
    found = []
    distinct = [m for m in measures if m.indicator.distinct]
    if distinct:
        found.extend(_distinct_counts(engaged, distinct))
    plans, shapes = [], []
    medians = [m for m in measures if not m.indicator.distinct]
    for grain in GRAINS if medians else ():
        with_period = dated.with_columns(period_index=period_index(pl.col(reference_date), grain))
        for m in medians:
            for breakdown in m.indicator.breakdowns:
                keys = ["period_index"] if breakdown == TOTAL else ["period_index", breakdown]
                plans.append(_median(with_period, keys, reference_date, m))
                shapes.append((m, grain, breakdown))
    found.extend(_in_unit_shape(grouped, m, grain, breakdown)
                 for grouped, (m, grain, breakdown) in zip(pl.collect_all(plans), shapes))
    return pl.concat(found)


def period_start(index: pl.Expr, grain: str) -> pl.Expr:
    """The first day of the period `period_index` numbers."""
    if grain == "year":
        return pl.date(index, 1, 1)
    if grain == "quarter":
        return pl.date(index // 4, (index % 4) * 3 + 1, 1)
    return pl.date(index // 12, index % 12 + 1, 1)


class EngagedMembers:
    """One row per (period, breakdown value, member) with a record there, at every grain and breakdown, for a
    source whose records belong to members (organisations): the sets every distinct count over the source
    needs, computed once and shared (the catalogue's distinct counts, PAR-05 and INC-05 read the same sets).

    A member's own attributes (constant for the member) are never part of a set's key: a breakdown by one
    of them is the total set with the attribute gathered by member number. Quarters come from the month
    sets and years from the quarter sets, and a set's key (period, breakdown value, member) is packed into
    one integer, because hashing one integer column is many times faster than hashing several columns.
    """

    def __init__(self, frame: pl.DataFrame, reference_date: str, member: str,
                 member_attributes: tuple[str, ...], breakdowns: tuple[str, ...]) -> None:
        self.reference_date = reference_date
        self.member = member
        self.member_attributes = member_attributes
        dated = frame.filter(pl.col(reference_date).is_not_null() & pl.col(member).is_not_null())
        if not dated.schema[member].is_integer():
            # the sets pack members as numbers from 0: text ids (an engagement's) are numbered first
            dated = dated.with_columns((pl.col(member).cast(pl.String).rank("dense") - 1).cast(pl.UInt32))
        #: kept for the sets of the records passing a filter (`restricted`)
        self._dated, self._breakdowns = dated, breakdowns
        self._restricted: dict[bytes, EngagedMembers] = {}
        self._records = dated.select(period_index(pl.col(reference_date), "month").alias("period_index"), member,
                                     *(b for b in breakdowns if b in frame.columns and b not in (*member_attributes, member)))
        self._member_count = int(self._records[member].max() or 0) + 1
        everybody = pl.int_range(self._member_count, dtype=self._records[member].dtype, eager=True).alias(member)
        #: row i holds the attributes of member i (members are numbers from 0): gathered, never joined
        self.attributes = everybody.to_frame().join(dated.select(member, *member_attributes).unique(member),
                                                    on=member, how="left", maintain_order="left")
        self._values: dict[str, pl.Series] = {}
        self._packed: dict[tuple[str, str], pl.Series] = {}

    def restricted(self, mask: pl.Expr) -> EngagedMembers:
        """The sets of the members' records that pass `mask`: a member is in a cell when one of its
        records there passes (a filter on the records, such as the engagement's kind of a contact)."""
        key = mask.meta.serialize()
        if key not in self._restricted:
            self._restricted[key] = EngagedMembers(self._dated.filter(mask), self.reference_date, self.member,
                                                   self.member_attributes, self._breakdowns)
        return self._restricted[key]

    def members(self, grain: str, breakdown: str) -> pl.DataFrame:
        """period_index, breakdown_value (`all` for the total) and the member: one row per engaged member."""
        key = self._set_of(breakdown)
        return self._unpacked(self._packed_set(grain, key), key, breakdown)

    def engaged_again(self, grain: str, breakdown: str) -> pl.DataFrame:
        """For each member engaged in a period and cell: the next period_index, the breakdown_value, the
        member, and whether it is engaged in that next period in the same cell (`engaged_again`)."""
        key = self._set_of(breakdown)
        engaged = self._packed_set(grain, key)
        next_period = engaged + len(self._values_of(key)) * self._member_count
        return self._unpacked(next_period, key, breakdown).with_columns(
            engaged_again=next_period.is_in(engaged.implode()))

    def _set_of(self, breakdown: str) -> str:
        """The set a breakdown reads: its own for a breakdown of the records, the total one otherwise."""
        return breakdown if breakdown != TOTAL and breakdown not in self.member_attributes else TOTAL

    def _unpacked(self, packed: pl.Series, key: str, breakdown: str) -> pl.DataFrame:
        values = self._values_of(key)
        members = (packed % self._member_count).cast(self.attributes[self.member].dtype).alias(self.member)
        if breakdown == TOTAL:
            breakdown_value = pl.repeat(ALL, len(packed), eager=True)
        elif key == TOTAL:
            breakdown_value = self.attributes[breakdown].gather(members)
        else:
            breakdown_value = values.gather((packed // self._member_count) % len(values))
        return pl.DataFrame([(packed // (len(values) * self._member_count)).cast(pl.Int32).alias("period_index"),
                             breakdown_value.alias("breakdown_value"), members])

    def _values_of(self, breakdown: str) -> pl.Series:
        if breakdown not in self._values:
            self._values[breakdown] = (pl.Series([ALL]) if breakdown == TOTAL
                                       else self._records[breakdown].unique().sort())
        return self._values[breakdown]

    def _packed_set(self, grain: str, breakdown: str) -> pl.Series:
        if (grain, breakdown) in self._packed:
            return self._packed[(grain, breakdown)]
        values = self._values_of(breakdown)
        per_period = len(values) * self._member_count
        # room for the period after the last one too (PAR-05 looks one period ahead)
        if (int(self._records["period_index"].max() or 0) + 2) * per_period >= 2 ** 63:
            raise OverflowError("Too many breakdown values and members to count distinct members by packed keys.")
        if grain == "month" and self._records.is_empty():
            packed = pl.Series("key", [], pl.UInt64)
        elif grain == "month":
            code = (pl.lit(0, pl.UInt64) if breakdown == TOTAL else
                    pl.col(breakdown).replace_strict(values, pl.int_range(len(values), dtype=pl.UInt64, eager=True)))
            key = ((pl.col("period_index").cast(pl.UInt64) * len(values) + code) * self._member_count
                   + pl.col(self.member).cast(pl.UInt64))
            packed = self._records.select(key.alias("key"))["key"].unique()
        else:
            finer = self._packed_set("month" if grain == "quarter" else "quarter", breakdown)
            finer_period, rest = finer // per_period, finer % per_period
            coarser = (finer_period // 12) * 4 + (finer_period % 12) // 3 if grain == "quarter" else finer_period // 4
            packed = (coarser * per_period + rest).unique()
        self._packed[(grain, breakdown)] = packed
        return packed


def _distinct_counts(engaged: EngagedMembers, measures: list[Measure]) -> list[pl.DataFrame]:
    """Members in each population and numerator per cell, from the engaged members' sets. A mask that reads
    the members' attributes only is evaluated once per member and gathered; one that reads the reference
    date is evaluated on the set, the date being the period's first day (masks of a distinct count compare
    periods of the reference date, never days). Catalogue filters on any other column of the records are
    evaluated on the records (`_distinct_counts_on_records`)."""
    on_records = [m for m in measures if _filters_records(m, engaged)]
    found = _distinct_counts_on_records(engaged, on_records)
    measures = [m for m in measures if not _filters_records(m, engaged)]
    # a mask may be a literal (everybody): anded with a column it is one value per row
    a_member = pl.col(engaged.member).is_not_null()
    for grain in GRAINS:
        masks = {}
        for m in measures:
            masks[f"{m.indicator.id}|denominator"] = a_member & m.population
            masks[f"{m.indicator.id}|numerator"] = a_member & m.numerator(grain)
        dated = {name: mask for name, mask in masks.items() if engaged.reference_date in mask.meta.root_names()}
        by_member = engaged.attributes.select(**{name: mask for name, mask in masks.items() if name not in dated})
        for breakdown in _breakdowns(measures):
            chosen = [m for m in measures if breakdown in m.indicator.breakdowns]
            counted = [f"{m.indicator.id}|{part}" for m in chosen for part in ("denominator", "numerator")]
            on_the_set = {name: dated[name] for name in counted if name in dated}
            members = engaged.members(grain, breakdown)
            ids = members[engaged.member]
            flagged = members.hstack(by_member.select(pl.col([n for n in counted if n not in dated]).gather(ids)))
            if on_the_set:
                read = sorted({c for mask in on_the_set.values() for c in mask.meta.root_names()}
                              - {engaged.reference_date, engaged.member})
                flagged = flagged.hstack(engaged.attributes.select(pl.col(read).gather(ids))).with_columns(
                    period_start(pl.col("period_index"), grain).alias(engaged.reference_date)
                ).with_columns(**on_the_set)
            grouped = flagged.group_by("period_index", "breakdown_value").agg(pl.col(counted).sum())
            found.extend(_in_unit_shape(grouped.rename({"breakdown_value": breakdown}) if breakdown != TOTAL
                                        else grouped, m, grain, breakdown) for m in chosen)
    return found


def _filters_records(measure: Measure, engaged: EngagedMembers) -> bool:
    """A catalogue distinct count filtered on a column that is not an attribute of the member."""
    indicator = measure.indicator
    read = {f.column for f in (*indicator.population_filters, *indicator.numerator_filters)}
    return not indicator.compute and bool(read - set(engaged.member_attributes) - {engaged.member})


def _distinct_counts_on_records(engaged: EngagedMembers, measures: list[Measure]) -> list[pl.DataFrame]:
    """Distinct counts whose filters read the records: the members of each cell with a record passing the
    population filters, and of those, the members with a record passing the numerator filters too."""
    found = []
    for m in measures:
        # a catalogue measure's masks are the same at every grain
        sets = {"denominator": engaged.restricted(m.population), "numerator": engaged.restricted(m.numerator("month"))}
        for grain in GRAINS:
            for breakdown in m.indicator.breakdowns:
                counts = [members.members(grain, breakdown).group_by("period_index", "breakdown_value").agg(
                          pl.len().cast(pl.Int64).alias(f"{m.indicator.id}|{part}"))
                          .with_columns(pl.col("breakdown_value").cast(pl.String)) for part, members in sets.items()]
                grouped = counts[0].join(counts[1], on=["period_index", "breakdown_value"], how="left").with_columns(
                    pl.col(f"{m.indicator.id}|numerator").fill_null(0))
                found.append(_in_unit_shape(grouped.rename({"breakdown_value": breakdown}) if breakdown != TOTAL
                                            else grouped, m, grain, breakdown))
    return found


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
    # an empty breakdown cell (an anonymous record's organisation attribute) reads `unknown`
    breakdown_value = pl.lit(ALL) if breakdown == TOTAL else pl.col(breakdown).cast(pl.String).fill_null(UNKNOWN)
    return grouped.filter(exists).select(
        indicator_id=pl.lit(indicator.id), grain=pl.lit(grain), period_index=pl.col("period_index"),
        breakdown=pl.lit(breakdown), breakdown_value=breakdown_value,
        numerator=numerator, denominator=denominator_out, value=value.cast(pl.Float64),
    ).cast(CELL_SCHEMA)
