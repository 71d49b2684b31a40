"""Aggregating a source into indicator cells: one row per (grain, period, breakdown, value).

A `Measure` says, for one indicator, which polars aggregations give its numerator, denominator
(and median); `cells` runs the measures of one source in one group-by per grain and breakdown.
"""

from __future__ import annotations

import math
import operator
import threading
from dataclasses import dataclass
from datetime import date
from functools import reduce
from typing import Callable, Iterable

import polars as pl

from foundation.vocabulary import ALL, CROSS, GRAINS, TOTAL, UNKNOWN  # noqa: F401  (special imports them from here)
from metrics.catalogue import Filter, Indicator

#: the most (period, member) slots a dense look-up table may have (a byte each for up to 8 masks) before a
#: sorted search is used
DENSE_LOOKUP_LIMIT = 2 ** 27
#: the breakdowns every other breakdown of an indicator is also computed within (spec v2 crossed cells)
WITHIN = ("mechanism_id", "mechanism_kind")


#: the labels are categories while cells pile up (millions of rows with crossed cells, each label one of
#: a few values: a category is a 4-byte code where a text is 16 bytes or more); the table makes them text
CELL_SCHEMA = {
    "indicator_id": pl.Categorical, "grain": pl.Categorical, "period_index": pl.Int32, "breakdown": pl.Categorical,
    "breakdown_value": pl.Categorical, "numerator": pl.Int64, "denominator": pl.Int64, "value": pl.Float64,
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


def breakdowns_of(indicator: Indicator) -> tuple[str, ...]:
    """The indicator's breakdowns, then its crossed ones (spec v2): for each of `WITHIN` among its
    breakdowns, every other breakdown b of it (not total, nor one of `WITHIN`) as `mechanism_id|b`."""
    plain = indicator.breakdowns
    crossed = [f"{within}{CROSS}{b}" for within in WITHIN if within in plain
               for b in plain if b != TOTAL and b not in WITHIN]
    return (*plain, *crossed)


def breakdown_columns(breakdown: str) -> tuple[str, ...]:
    """The source columns a breakdown's cells are told apart by: none for the total, two for a crossed one."""
    return () if breakdown == TOTAL else tuple(breakdown.split(CROSS))


def breakdown_value(breakdown: str) -> pl.Expr:
    """The breakdown_value of a cell, from its breakdown columns: `all`, `v`, or `M|v` when crossed; an
    empty breakdown cell (an anonymous record's organisation attribute) reads `unknown`."""
    if breakdown == TOTAL:
        return pl.lit(ALL)
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null(UNKNOWN) for c in breakdown_columns(breakdown)],
                         separator=CROSS)


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


#: a measure's sums are columns `<indicator id>|<part>` (ids hold no `|`, spec v2)
_SUMMED = pl.col(r"^.+\|(denominator|numerator|median)$")
#: the sums of some measures in each cell of one grain and breakdown: the grain, the breakdown, and a frame
#: of period_index, the breakdown's columns and the sums
Sums = tuple[str, str, pl.DataFrame]


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
    sums: list[Sums] = []
    additive = [m for m in measures if m.additive]
    if additive:
        sums.extend(_additive_sums(dated, reference_date, additive))
    aggregated = [m for m in measures if not m.additive]
    if aggregated:
        sums.extend(_aggregated_sums(dated, reference_date, aggregated, engaged))
    return _in_unit_shape(sums, measures)


def _breakdowns(measures: list[Measure]) -> list[str]:
    return list(dict.fromkeys(b for m in measures for b in breakdowns_of(m.indicator)))


def _columns(breakdowns: list[str]) -> list[str]:
    return list(dict.fromkeys(c for b in breakdowns for c in breakdown_columns(b)))


def _additive_sums(dated: pl.LazyFrame, reference_date: str, measures: list[Measure]) -> list[Sums]:
    """Sum each record's contribution once per month and combination of breakdown values, then
    roll the (small) result up to every grain and breakdown."""
    def contribution(mask: pl.Expr, summed: str | None) -> pl.Expr:
        # a record counted is a byte (polars sums bytes as 64-bit integers): the contributions of ten
        # measures over ten million records are 200 MB, not 1.6 GB
        if summed is None:
            return mask.fill_null(False).cast(pl.UInt8)
        return pl.when(mask).then(pl.col(summed)).otherwise(0).cast(pl.Int64)

    contributions = []
    for m in measures:
        contributions.append(contribution(m.population, m.indicator.denominator_sum).alias(f"{m.indicator.id}|denominator"))
        contributions.append(contribution(m.numerator("month"), m.indicator.numerator_sum).alias(f"{m.indicator.id}|numerator"))
    breakdowns = _breakdowns(measures)
    columns = _columns(breakdowns)
    names = [c.meta.output_name() for c in contributions]
    # crossed cells add no pass over the records: they are group-bys of this small monthly frame too
    monthly = (dated.select(month_index=period_index(pl.col(reference_date), "month"), *columns, *contributions)
               .group_by("month_index", *columns).agg(pl.col(names).sum())
               .collect())
    found = []
    #: the months of each breakdown done so far, with every sum: a coarser breakdown is summed from the
    #: smallest of them that holds its columns (region from mechanism_kind|region, total from a breakdown),
    #: far fewer rows than the monthly frame
    finer = [monthly]
    # crossed breakdowns first: theirs are the frames the others are summed from
    for breakdown in sorted(breakdowns, key=lambda b: -len(breakdown_columns(b))):
        chosen = [m for m in measures if breakdown in breakdowns_of(m.indicator)]
        summed = [f"{m.indicator.id}|{part}" for m in chosen for part in ("denominator", "numerator")]
        keys = breakdown_columns(breakdown)
        source = min((f for f in finer if set(keys) <= set(f.columns)), key=lambda f: f.height)
        months = source.group_by("month_index", *keys).agg(pl.col(names).sum())
        finer.append(months)
        # the breakdown's months: quarters and years from them
        by_month = months.select("month_index", *keys, *summed)
        for grain in GRAINS:
            grouped = by_month.group_by(_month_to(grain).alias("period_index"), *keys).agg(pl.col(summed).sum())
            found.append((grain, breakdown, grouped))
    return found


def _month_to(grain: str) -> pl.Expr:
    month_index = pl.col("month_index")
    if grain == "year":
        return month_index // 12
    if grain == "quarter":
        return (month_index // 12) * 4 + (month_index % 12) // 3
    return month_index


def _aggregated_sums(dated: pl.LazyFrame, reference_date: str, measures: list[Measure],
                     engaged: EngagedMembers | None) -> list[Sums]:
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
            for breakdown in breakdowns_of(m.indicator):
                keys = ["period_index", *breakdown_columns(breakdown)]
                plans.append(_median(with_period, keys, reference_date, m))
                shapes.append((grain, breakdown))
    found.extend((grain, breakdown, grouped) for grouped, (grain, breakdown) in zip(pl.collect_all(plans), shapes))
    return found


def period_start(index: pl.Expr, grain: str) -> pl.Expr:
    """The first day of the period `period_index` numbers."""
    if grain == "year":
        return pl.date(index, 1, 1)
    if grain == "quarter":
        return pl.date(index // 4, (index % 4) * 3 + 1, 1)
    return pl.date(index // 12, index % 12 + 1, 1)


class EngagedMembers:
    """One row per (period, cell, member) with a record there, at every grain and breakdown, for a source
    whose records belong to members (organisations): the sets every distinct count over the source needs,
    computed once and shared (the catalogue's distinct counts, PAR-05 and INC-05 read the same sets).

    A set is keyed by the breakdown's columns of the records: none for the total, `engagement_kind`, or
    `mechanism_id` and `engagement_kind` for the crossed `mechanism_id|engagement_kind`. A member's own
    attributes (constant for the member) are never part of a key: a breakdown by one of them reads the set
    of its other columns (the total set for `region`, the mechanism set for `mechanism_id|region`) with the
    attribute's code gathered by member number. Everything is numbers: a set's key (period, cell, member)
    is packed into one integer, the cell being the mixed-radix number of its columns' value codes, and the
    members of a set's cells are counted (`counts`) on one integer holding the set cell and the codes the
    breakdowns reading the set need (their attributes, a profile of the member's masks), turned into labels
    only once counted, because hashing one integer column is many times faster than hashing several
    columns or text. Quarters come from the month sets, years from the quarter sets. The engine's threads
    share the sets (a pass and the indicators computed on their own): each is built once, under a lock.
    """

    def __init__(self, frame: pl.DataFrame | pl.LazyFrame, reference_date: str, member: str,
                 member_attributes: tuple[str, ...], breakdowns: Iterable[str]) -> None:
        self.reference_date = reference_date
        self.member = member
        self.member_attributes = member_attributes
        dated = frame.lazy().filter(pl.col(reference_date).is_not_null() & pl.col(member).is_not_null())
        columns = frame.collect_schema()
        if not columns[member].is_integer():
            # the sets pack members as numbers from 0: text ids (an engagement's) are numbered first
            dated = dated.with_columns((pl.col(member).cast(pl.String).rank("dense") - 1).cast(pl.UInt32))
        #: kept for the sets of the records passing a filter (`restricted`)
        self._dated, self._breakdowns = dated, tuple(breakdowns)
        self._restricted: dict[bytes, EngagedMembers] = {}
        own_columns = [c for c in _columns(list(self._breakdowns))
                       if c in columns and c not in (*member_attributes, member)]
        self._records = dated.select(period_index(pl.col(reference_date), "month").alias("period_index"), member,
                                     *own_columns).collect()
        self.member_count = int(self._records[member].max() or 0) + 1
        everybody = pl.int_range(self.member_count, dtype=self._records[member].dtype, eager=True).alias(member)
        #: row i holds the attributes of member i (members are numbers from 0): gathered, never joined
        self.attributes = everybody.to_frame().join(
            dated.select(member, *member_attributes).unique(member).collect(), on=member, how="left",
            maintain_order="left")
        self._values: dict[str, pl.Series] = {}
        self._attribute_codes: dict[str, pl.Series] = {}
        self._packed: dict[tuple[str, tuple[str, ...]], pl.Series] = {}
        self._building = threading.RLock()

    def restricted(self, mask: pl.Expr) -> EngagedMembers:
        """The sets of the members' records that pass `mask`: a member is in a cell when one of its
        records there passes (a filter on the records, such as the engagement's kind of a contact)."""
        key = mask.meta.serialize()
        if key not in self._restricted:
            self._restricted[key] = EngagedMembers(self._dated.filter(mask), self.reference_date, self.member,
                                                   self.member_attributes, self._breakdowns)
        return self._restricted[key]

    def members(self, grain: str, breakdown: str) -> pl.DataFrame:
        """`cell` (a number for the period and the breakdown's values: `cell_labels` reads it) and the
        member: one row per member engaged in a period and cell."""
        key = self._set_of(breakdown)
        return self._in_cells(self._packed_set(grain, key), key, breakdown)

    def engaged_again(self, grain: str, key: tuple[str, ...]) -> Callable[[pl.Series, pl.Series], pl.Series]:
        """A `row_code` for `counts`: 1 where the member of a row of the set is in the set again in the next
        period's cell with the same values, else 0."""
        engaged = self._packed_set(grain, key)

        def again(set_cell: pl.Series, members: pl.Series) -> pl.Series:
            next_period = (set_cell + self.cell_count(key)) * self.member_count + members
            return next_period.is_in(engaged.implode()).cast(pl.UInt64)

        return again

    def cell_labels(self, cells: pl.Series, breakdown: str) -> pl.DataFrame:
        """period_index and the breakdown's columns (`breakdown_columns`) of each cell number."""
        key = self._set_of(breakdown)
        decoded, rest = {}, cells
        for column in [*key, *self.gathered(key, breakdown)][::-1]:
            values = self.values_of(column)
            decoded[column] = values.gather(rest % len(values))
            rest = rest // len(values)
        return pl.DataFrame([rest.cast(pl.Int32).alias("period_index"),
                             *(decoded[c].alias(c) for c in breakdown_columns(breakdown))])

    def breakdowns_by_set(self, breakdowns: Iterable[str]) -> dict[tuple[str, ...], list[str]]:
        """The breakdowns grouped by the set they read (`set_members`)."""
        by_set: dict[tuple[str, ...], list[str]] = {}
        for breakdown in breakdowns:
            by_set.setdefault(self._set_of(breakdown), []).append(breakdown)
        return by_set

    def set_members(self, grain: str, key: tuple[str, ...]) -> tuple[pl.Series, pl.Series]:
        """The set keyed by the records' columns `key`: one row per member engaged in a period and set cell,
        as the set cell (period_index * `cell_count(key)` + the key's value codes) and the member."""
        packed = self._packed_set(grain, key)
        return packed // self.member_count, (packed % self.member_count).cast(self.attributes[self.member].dtype)

    def counts(self, grain: str, key: tuple[str, ...], attributes: list[str], member_code: pl.Series | None = None,
               member_codes: int = 1, row_code: Callable[[pl.Series, pl.Series], pl.Series] | None = None,
               row_codes: int = 1) -> pl.DataFrame:
        """How many members of each set cell (`set_members`) have each combination of: the codes of their
        `attributes`, their `member_code` (a number per member, below `member_codes`) and the `row_code` of
        their row of the set (a number of (set cell, member), below `row_codes`). Columns set_cell, the
        attributes (codes), member_code, row_code and members. Counted on one packed integer per row, because
        hashing one integer column is many times faster than grouping by several."""
        set_cell, members = self.set_members(grain, key)
        code, codes = (member_code if member_code is not None else pl.zeros(self.member_count, pl.UInt64, eager=True)
                       ).cast(pl.UInt64), member_codes
        for attribute in attributes:
            code = code * self.value_count(attribute) + self.attribute_codes(attribute)
            codes *= self.value_count(attribute)
        code = code.gather(members) * row_codes
        if row_code is not None:
            code = code + row_code(set_cell, members)
        codes *= row_codes
        if (int(set_cell.max() or 0) + 1) * codes >= 2 ** 64:
            raise OverflowError("Too many breakdown values and profiles to count members by packed keys.")
        counted = (set_cell * codes + code).value_counts(name="members")
        # the counted number, unpacked: set cell, then member code and attribute codes, then row code
        rest = pl.first() % codes // row_codes
        unpacked = {}
        for attribute in reversed(attributes):
            unpacked[attribute] = rest % self.value_count(attribute)
            rest = rest // self.value_count(attribute)
        return counted.select(set_cell=pl.first() // codes, **unpacked, member_code=rest,
                              row_code=pl.first() % row_codes, members=pl.col("members"))

    def attributes_gathered(self, key: tuple[str, ...], breakdowns: Iterable[str]) -> list[str]:
        """The member attributes any of `breakdowns` (reading the set keyed by `key`) breaks down by."""
        return list(dict.fromkeys(a for b in breakdowns for a in self.gathered(key, b)))

    def cell_of(self, key: tuple[str, ...], breakdown: str) -> pl.Expr:
        """A breakdown's `cell` (as `members` numbers it) from the columns of `counts` of its set."""
        cell = pl.col("set_cell")
        for attribute in self.gathered(key, breakdown):
            cell = cell * self.value_count(attribute) + pl.col(attribute)
        return cell.alias("cell")

    def value_count(self, column: str) -> int:
        """How many values a column of the records or of the members holds (its codes are 0 to this - 1)."""
        return len(self.values_of(column))

    def _set_of(self, breakdown: str) -> tuple[str, ...]:
        """The columns of the records that key the set a breakdown reads."""
        return tuple(c for c in breakdown_columns(breakdown) if c not in self.member_attributes)

    def gathered(self, key: tuple[str, ...], breakdown: str) -> list[str]:
        """The breakdown's columns that are the member's attributes."""
        return [c for c in breakdown_columns(breakdown) if c not in key]

    def cell_count(self, key: tuple[str, ...]) -> int:
        """How many set cells a period has in the set keyed by `key`."""
        return math.prod(len(self.values_of(column)) for column in key)

    def _in_cells(self, packed: pl.Series, key: tuple[str, ...], breakdown: str) -> pl.DataFrame:
        members = (packed % self.member_count).cast(self.attributes[self.member].dtype).alias(self.member)
        cell = packed // self.member_count
        for column in self.gathered(key, breakdown):
            cell = cell * len(self.values_of(column)) + self.attribute_codes(column).gather(members)
        return pl.DataFrame([cell.alias("cell"), members])

    def values_of(self, column: str) -> pl.Series:
        """The values of a column of the records or of the members, in the order of their codes."""
        if column not in self._values:
            found = self._records[column] if column in self._records.columns else self.attributes[column]
            self._values[column] = found.unique().sort()
        return self._values[column]

    def attribute_codes(self, attribute: str) -> pl.Series:
        """Row i: the code of member i's value of the attribute."""
        if attribute not in self._attribute_codes:
            values = self.values_of(attribute)
            self._attribute_codes[attribute] = self.attributes[attribute].replace_strict(
                values, pl.int_range(len(values), dtype=pl.UInt64, eager=True))
        return self._attribute_codes[attribute]

    def _packed_set(self, grain: str, key: tuple[str, ...]) -> pl.Series:
        with self._building:
            if (grain, key) not in self._packed:
                self._packed[(grain, key)] = self._new_packed_set(grain, key)
            return self._packed[(grain, key)]

    def _new_packed_set(self, grain: str, key: tuple[str, ...]) -> pl.Series:
        cell_count = self.cell_count(key)
        per_period = cell_count * self.member_count
        # room for the period after the last one too (PAR-05 looks one period ahead)
        if (int(self._records["period_index"].max() or 0) + 2) * per_period >= 2 ** 63:
            raise OverflowError("Too many breakdown values and members to count distinct members by packed keys.")
        if grain == "month" and self._records.is_empty():
            packed = pl.Series("key", [], pl.UInt64)
        elif grain == "month":
            code = pl.lit(0, pl.UInt64)
            for column in key:
                values = self.values_of(column)
                code = code * len(values) + pl.col(column).replace_strict(
                    values, pl.int_range(len(values), dtype=pl.UInt64, eager=True))
            packed_key = ((pl.col("period_index").cast(pl.UInt64) * cell_count + code) * self.member_count
                          + pl.col(self.member).cast(pl.UInt64))
            packed = self._records.select(packed_key.alias("key"))["key"].unique()
        else:
            finer = self._packed_set("month" if grain == "quarter" else "quarter", key)
            finer_period, rest = finer // per_period, finer % per_period
            coarser = (finer_period // 12) * 4 + (finer_period % 12) // 3 if grain == "quarter" else finer_period // 4
            packed = (coarser * per_period + rest).unique()
        return packed


def _distinct_counts(engaged: EngagedMembers, measures: list[Measure]) -> list[Sums]:
    """Members in each population and numerator per cell, from the engaged members' sets.

    A member's masks are the same in every cell of a period: those reading the member's attributes only
    are evaluated once per member, those reading the reference date once per engaged (member, period) of
    the total set, the date being the period's first day (masks of a distinct count compare periods of
    the reference date, never days). Their combinations (profiles) are few, so each cell's members are
    counted per profile, on one packed integer, and the counts weighted by the masks. The breakdowns that
    read the same set (`region`, `org_type` and the total read the total set) are counted together: the
    packed integer holds the member's codes of those breakdowns' attributes too, and each breakdown's
    cells are sums over the (few) counted combinations. Catalogue filters on any other column of the
    records are evaluated on the records (`_distinct_counts_on_records`)."""
    on_records = [m for m in measures if _filters_records(m, engaged)]
    found = _distinct_counts_on_records(engaged, on_records)
    measures = [m for m in measures if not _filters_records(m, engaged)]
    breakdowns = _breakdowns(measures)
    # a mask may be a literal (everybody): anded with a column it is one value per row
    a_member = pl.col(engaged.member).is_not_null()
    for grain in GRAINS:
        masks = {}
        for m in measures:
            masks[f"{m.indicator.id}|denominator"] = (a_member & m.population).fill_null(False)
            masks[f"{m.indicator.id}|numerator"] = (a_member & m.numerator(grain)).fill_null(False)
        dated = {name: mask for name, mask in masks.items() if engaged.reference_date in mask.meta.root_names()}
        by_member = engaged.attributes.select(**{name: mask for name, mask in masks.items() if name not in dated})
        member_profiles = by_member.unique(maintain_order=True).with_row_index("member_profile")
        member_profile = (by_member.join(member_profiles, on=by_member.columns, how="left", maintain_order="left")
                          ["member_profile"] if by_member.width else pl.zeros(engaged.attributes.height, pl.UInt32,
                                                                              eager=True))
        dated_bits = _dated_profile(engaged, grain, dated)
        for key, sharing in engaged.breakdowns_by_set(breakdowns).items():
            attributes = engaged.attributes_gathered(key, sharing)
            dated_code = (lambda set_cell, members, key=key: dated_bits(set_cell // engaged.cell_count(key), members)
                          ) if dated else None
            per_code = (engaged.counts(grain, key, attributes, member_profile, max(member_profiles.height, 1),
                                       dated_code, 2 ** len(dated))
                        .with_columns(**{name: (pl.col("row_code") // (2 ** bit)) % 2 == 1
                                         for bit, name in enumerate(dated)})
                        .join(member_profiles, left_on=pl.col("member_code").cast(pl.UInt32),
                              right_on="member_profile", how="left"))
            for breakdown in sharing:
                chosen = [m for m in measures if breakdown in breakdowns_of(m.indicator)]
                summed = [f"{m.indicator.id}|{part}" for m in chosen for part in ("denominator", "numerator")]
                grouped = per_code.group_by(engaged.cell_of(key, breakdown)).agg(
                    (pl.col(n) * pl.col("members")).sum() for n in summed)
                labelled = grouped.hstack(engaged.cell_labels(grouped["cell"], breakdown))
                found.append((grain, breakdown, labelled))
    return found


def _filters_records(measure: Measure, engaged: EngagedMembers) -> bool:
    """A catalogue distinct count filtered on a column that is not an attribute of the member."""
    indicator = measure.indicator
    read = {f.column for f in (*indicator.population_filters, *indicator.numerator_filters)}
    return not indicator.compute and bool(read - set(engaged.member_attributes) - {engaged.member})


def _distinct_counts_on_records(engaged: EngagedMembers, measures: list[Measure]) -> list[Sums]:
    """Distinct counts whose filters read the records: the members of each cell with a record passing the
    population filters, and of those, the members with a record passing the numerator filters too."""
    found = []
    for m in measures:
        # a catalogue measure's masks are the same at every grain
        sets = {"denominator": engaged.restricted(m.population), "numerator": engaged.restricted(m.numerator("month"))}
        for grain in GRAINS:
            for breakdown in breakdowns_of(m.indicator):
                # the two sets number their cells apart: their counts meet on the cells' labels
                labels = ["period_index", *breakdown_columns(breakdown)]
                denominator, numerator = (_members_per_cell(members, grain, breakdown, f"{m.indicator.id}|{part}")
                                          for part, members in sets.items())
                grouped = denominator.join(numerator, on=labels, how="left", nulls_equal=True).with_columns(
                    pl.col(f"{m.indicator.id}|numerator").fill_null(0))
                found.append((grain, breakdown, grouped))
    return found


def _members_per_cell(engaged: EngagedMembers, grain: str, breakdown: str, name: str) -> pl.DataFrame:
    """period_index, the breakdown's columns and how many members are in each cell (`name`)."""
    counted = engaged.members(grain, breakdown)["cell"].value_counts(name=name)
    return counted.hstack(engaged.cell_labels(counted["cell"], breakdown)).drop("cell").with_columns(
        pl.col(name).cast(pl.Int64))


def _dated_profile(engaged: EngagedMembers, grain: str, dated: dict[str, pl.Expr]):
    """A function giving, for rows (period_index, member) of a set, the bits of the masks that read the
    reference date (bit i: the i-th mask), evaluated once per (period, member) engaged in the period."""
    if not dated:
        return None
    everybody = engaged.members(grain, TOTAL)
    read = sorted({c for mask in dated.values() for c in mask.meta.root_names()}
                  - {engaged.reference_date, engaged.member})
    ids = everybody[engaged.member]
    first_period = int(everybody["cell"].min() or 0)
    bits = (everybody.hstack(engaged.attributes.select(pl.col(read).gather(ids)))
            .with_columns(period_start(pl.col("cell").cast(pl.Int32), grain).alias(engaged.reference_date))
            .select(key=(pl.col("cell") - first_period) * engaged.member_count + pl.col(engaged.member),
                    bits=pl.sum_horizontal(mask.cast(pl.UInt64) * (2 ** bit) for bit, mask in enumerate(dated.values()))))
    span = int(bits["key"].max() or 0) + 1
    if span <= DENSE_LOOKUP_LIMIT:
        # one slot per (period, member): a lookup is a gather, where a sorted search costs a log per row
        narrowest = next(t for bits_held, t in ((8, pl.UInt8), (16, pl.UInt16), (32, pl.UInt32), (64, pl.UInt64))
                         if len(dated) <= bits_held)
        by_key = pl.zeros(span, narrowest, eager=True).scatter(bits["key"], bits["bits"].cast(narrowest))
        bits_at = by_key.gather
    else:
        bits = bits.sort("key")
        by_key = bits["bits"]
        bits_at = lambda keys: by_key.gather(bits["key"].search_sorted(keys))  # noqa: E731

    def of(period: pl.Series, members: pl.Series) -> pl.Series:
        return bits_at((period - first_period) * engaged.member_count + members)

    return of


def _median(with_period: pl.LazyFrame, keys: list[str], reference_date: str, measure: Measure) -> pl.LazyFrame:
    indicator = measure.indicator
    return with_period.group_by(keys).agg(
        pl.col(reference_date).filter(measure.population).len().alias(f"{indicator.id}|denominator"),
        pl.col(indicator.measure).filter(measure.population).median().alias(f"{indicator.id}|median"),
    )


def _in_unit_shape(sums: list[Sums], measures: list[Measure]) -> pl.DataFrame:
    """The cells of each measure from its sums: the frames of every grain and breakdown are labelled and
    stacked once, and each measure's cells are one selection from the stack (one query for all of them)."""
    if not sums:
        return pl.DataFrame(schema=CELL_SCHEMA)
    stacked = pl.concat([frame.lazy().select(
        pl.lit(grain, pl.Categorical).alias("grain"), "period_index",
        pl.lit(breakdown, pl.Categorical).alias("breakdown"),
        breakdown_value(breakdown).cast(pl.Categorical).alias("breakdown_value"), _SUMMED)
        for grain, breakdown, frame in sums], how="diagonal_relaxed").collect().lazy()
    return pl.concat([_measure_cells(stacked, m) for m in measures]).collect()


def _measure_cells(stacked: pl.LazyFrame, measure: Measure) -> pl.LazyFrame:
    indicator = measure.indicator
    if f"{indicator.id}|denominator" not in stacked.collect_schema():  # (no breakdown of the measure has a cell)
        return pl.LazyFrame(schema=CELL_SCHEMA)
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
    # a frame of a breakdown the measure does not have holds no column of it: empty in the stack, no cell
    return stacked.filter(exists.fill_null(False)).select(
        indicator_id=pl.lit(indicator.id), grain=pl.col("grain"), period_index=pl.col("period_index"),
        breakdown=pl.col("breakdown"), breakdown_value=pl.col("breakdown_value"),
        numerator=numerator, denominator=denominator_out, value=value.cast(pl.Float64),
    ).cast(CELL_SCHEMA)
