"""The polars engine: every indicator of the catalogue at every grain and breakdown, in one build.

`indicator_table(con, as_of, run_id)` reads the warehouse through Arrow, builds the sources
(`metrics.sources`), aggregates them into cells (`metrics.cells`, `metrics.special`) and returns
the indicator table of the spec, columns in the spec's order, sorted, its labels as categories
(`ENGINE_SCHEMA`; `metrics.api` hands readers text).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from datetime import date

import duckdb
import polars as pl

from foundation.progress import progress
from foundation.vocabulary import Period
from metrics.catalogue import Catalogue, Indicator, load_catalogue
from metrics.cells import CELL_SCHEMA, TOTAL, EngagedMembers, Measure, breakdowns_of, catalogue_measure, cells, \
    filter_mask
from metrics.source_columns import ORGANISATION_ATTRIBUTES
from metrics.sources import SOURCES, build_sources
from metrics.special import COMPUTE_FUNCTIONS
from metrics.targets import ReadTargets, read_targets

TABLE_COLUMNS = (
    "indicator_id", "indicator_name", "area", "unit", "grain", "period", "period_start", "period_end",
    "breakdown", "breakdown_value", "numerator", "denominator", "value", "baseline", "target", "status",
    "suppressed", "as_of", "run_id", "partial",
)
TABLE_SCHEMA = {
    "indicator_id": pl.String, "indicator_name": pl.String, "area": pl.String, "unit": pl.String,
    "grain": pl.String, "period": pl.String, "period_start": pl.Date, "period_end": pl.Date,
    "breakdown": pl.String, "breakdown_value": pl.String, "numerator": pl.Int64, "denominator": pl.Int64,
    "value": pl.Float64, "baseline": pl.Float64, "target": pl.Float64, "status": pl.String,
    "suppressed": pl.Boolean, "as_of": pl.Date, "run_id": pl.String, "partial": pl.Boolean,
}
#: the source passes computed at once: polars leaves the GIL free while it computes, so one pass's Python
#: between its polars calls overlaps another's computing (at 1M on 2 cores, the cells took 2.4-2.5 s in one
#: thread, 2.1 s in two, 2.0-2.1 s in three, with the same peak memory)
CELL_THREADS = 3
#: the text columns: a few distinct values each over millions of rows
LABEL_COLUMNS = tuple(c for c, t in TABLE_SCHEMA.items() if t == pl.String)
#: the table as the engine hands it over: labels as categories (a 4-byte code a row where text is 16 bytes
#: or more), which the output checks and the store read as they are; `TABLE_SCHEMA` makes them text
ENGINE_SCHEMA = {c: pl.Categorical if c in LABEL_COLUMNS else t for c, t in TABLE_SCHEMA.items()}
SORT_KEY = ("indicator_id", "grain", "period", "breakdown", "breakdown_value")


@dataclass
class EngineResult:
    #: the indicator table, labels as categories (`ENGINE_SCHEMA`)
    table: pl.DataFrame
    #: step -> seconds
    timings: dict[str, float] = field(default_factory=dict)
    #: the indicators whose population has a member at the build date: each must have rows
    expected_indicators: frozenset[str] = frozenset()
    #: the targets as read (ratios as shares, life-of-programme ones apart, warnings)
    targets: ReadTargets | None = None


def period_label(grain: str, index: int) -> tuple[str, date, date]:
    """The period string of the spec and its first and last day."""
    period = Period.from_index(grain, index)
    return str(period), period.start, period.end


def partial_period() -> pl.Expr:
    """Spec v2: a period whose last day is after the build date is partial (derived, never stored)."""
    return pl.col("period_end") > pl.col("as_of")


def _periods(cell_frame: pl.DataFrame) -> pl.DataFrame:
    pairs = cell_frame.select("grain", "period_index").unique().rows()
    labels = [(grain, index, *period_label(grain, index)) for grain, index in pairs]
    return pl.DataFrame(labels, orient="row", schema={
        "grain": pl.Categorical, "period_index": pl.Int32, "period": pl.Categorical, "period_start": pl.Date,
        "period_end": pl.Date})


def _population(indicator: Indicator, as_of: date) -> pl.Expr:
    if indicator.compute:
        return COMPUTE_FUNCTIONS[indicator.compute].population(as_of)
    mask = filter_mask(indicator.population_filters)
    if indicator.unit == "count":
        return mask & filter_mask(indicator.numerator_filters)
    if indicator.denominator_sum:
        return mask & (pl.col(indicator.denominator_sum) > 0)
    return mask


def expected_indicators(catalogue: Catalogue, sources: dict[str, pl.DataFrame], as_of: date) -> frozenset[str]:
    """The indicators whose population has a member somewhere: counted over the whole source,
    apart from the grouping, so the output check can tell a lost indicator from an empty one."""
    return frozenset(
        i.id for i in catalogue.indicators
        if sources[i.source].filter(_population(i, as_of) & pl.col(i.reference_date).is_not_null()).height
    )


def _measure(indicator: Indicator) -> Measure:
    if indicator.compute:
        return COMPUTE_FUNCTIONS[indicator.compute].measure(indicator)
    return catalogue_measure(indicator)


def indicator_cells(catalogue: Catalogue, sources: dict[str, pl.DataFrame], as_of: date,
                    timings: dict[str, float]) -> pl.DataFrame:
    """Every cell of every indicator: one pass per source and reference date for the measures
    (the catalogue's common shapes and named measures), one call per named cells function. A source is
    dropped from `sources` once its last pass is done, so that its memory serves the passes still running."""
    passes: dict[tuple[str, str], list[Indicator]] = defaultdict(list)
    on_their_own: list[Indicator] = []
    for indicator in catalogue.indicators:
        if indicator.compute and COMPUTE_FUNCTIONS[indicator.compute].cells:
            on_their_own.append(indicator)
        else:
            passes[(indicator.source, indicator.reference_date)].append(indicator)
    engaged: dict[tuple[str, str, str], EngagedMembers] = {}
    #: the breakdowns (crossed ones too) of every indicator reading the same sets of distinct members
    shared_breakdowns: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for indicator in catalogue.indicators:
        if indicator.distinct:
            shared_breakdowns[(indicator.source, indicator.reference_date, indicator.distinct)].extend(
                breakdowns_of(indicator))

    def engaged_members(indicator: Indicator) -> EngagedMembers | None:
        """The sets of the indicator's distinct members, built by the first indicator that needs them."""
        if not indicator.distinct:
            return None
        key = (indicator.source, indicator.reference_date, indicator.distinct)
        if key not in engaged:
            frame = sources[indicator.source]
            # attributes of the organisation are constant only for a count of organisations
            attributes = tuple(c for c in SOURCES[indicator.source].member_attributes if c in frame.columns) \
                if indicator.distinct == "org_id" else ()
            engaged[key] = EngagedMembers(frame, indicator.reference_date, indicator.distinct, attributes,
                                          shared_breakdowns[key])
        return engaged[key]

    def source_pass(source: str, reference_date: str, indicators: list[Indicator]) -> pl.DataFrame:
        started = time.perf_counter()
        distinct = next((engaged_members(i) for i in indicators if i.distinct), None)
        found = cells(sources[source], reference_date, [_measure(i) for i in indicators], distinct)
        timings[f"cells: {source} by {reference_date}"] = time.perf_counter() - started
        return found

    def own_cells(indicator: Indicator) -> pl.DataFrame:
        started = time.perf_counter()
        found = COMPUTE_FUNCTIONS[indicator.compute].cells(indicator, engaged_members(indicator), as_of)
        timings[f"cells: {indicator.id} ({indicator.compute})"] = time.perf_counter() - started
        return found

    # (whether it is an indicator computed on its own, its source, its reference date, the step)
    steps = [(False, *key, partial(source_pass, *key, indicators)) for key, indicators in passes.items()]
    steps += [(True, i.source, i.reference_date, partial(own_cells, i)) for i in on_their_own]
    # the passes over the most records first, so that none of them starts last; the indicators computed on
    # their own after them, so that the sets of engaged members they share with a pass are built by then
    steps.sort(key=lambda step: (step[0], -sources[step[1]].height))
    #: a source, and its sets of engaged members, are dropped once no step left reads them
    steps_left = Counter((source, reference_date) for _, source, reference_date, _ in steps)
    sources_left = Counter(source for _, source, _, _ in steps)
    dropping = threading.Lock()

    def dropped_once_done(source: str, reference_date: str) -> None:
        with dropping:
            steps_left[(source, reference_date)] -= 1
            if not steps_left[(source, reference_date)]:
                for done in [key for key in engaged if key[:2] == (source, reference_date)]:
                    del engaged[done]
            sources_left[source] -= 1
            if not sources_left[source]:
                del sources[source]

    def in_its_turn(step) -> pl.DataFrame:
        _, source, reference_date, compute = step
        found = compute()
        dropped_once_done(source, reference_date)
        bar.advance()
        return found

    started = time.perf_counter()
    with progress("Computing indicators", total=len(steps)) as bar, \
            ThreadPoolExecutor(max_workers=CELL_THREADS) as pool:
        # the sets an indicator computed on its own shares with a pass are made before the threads start
        # (the pass and the indicator may run at once: the sets build themselves once, under a lock)
        for indicator in on_their_own:
            engaged_members(indicator)
        found = list(pool.map(in_its_turn, steps))
    timings[f"cells (the passes above, {CELL_THREADS} at once)"] = time.perf_counter() - started
    return pl.concat(found) if found else pl.DataFrame(schema=CELL_SCHEMA)


def organisation_attributes_read(catalogue: Catalogue) -> frozenset[str]:
    """The organisation attributes the catalogue's indicators read: the only ones the sources carry."""
    return frozenset(c for i in catalogue.indicators for c in i.columns_read if c in ORGANISATION_ATTRIBUTES)


def _ranks(labels: pl.Series) -> tuple[pl.Series, int]:
    """Each row's rank of its label among the column's distinct labels (in text order), and how many there
    are: the distinct labels are ranked as text once, and each row's rank gathered by its category code.
    An empty label ranks first, as a sort puts it."""
    codes = labels.to_physical()
    present = labels.drop_nulls().unique()
    ranks = present.cast(pl.String).rank("ordinal").cast(pl.UInt64)
    by_code = pl.zeros(int(codes.max() or 0) + 1, pl.UInt64, eager=True).scatter(present.to_physical(), ranks)
    return by_code.gather(codes).fill_null(0), present.len() + 1


def _in_table_order(cells: pl.DataFrame) -> pl.DataFrame:
    """The cells in the table's order (SORT_KEY; within a grain a period's label sorts like its number),
    sorted on one integer, each label's rank and the period packed into it, because sorting one integer
    column is many times faster than sorting millions of texts (and the labels move as 4-byte codes)."""
    if cells.is_empty():
        return cells
    key, key_size = pl.zeros(cells.height, pl.UInt64, eager=True), 1
    for column in ("indicator_id", "grain", "period_index", "breakdown", "breakdown_value"):
        if column == "period_index":
            first = int(cells[column].min())
            rank, size = (cells[column] - first).cast(pl.UInt64), int(cells[column].max()) - first + 1
        else:
            rank, size = _ranks(cells[column])
        key, key_size = key * size + rank, key_size * size
    if key_size >= 2 ** 64:  # (never at real sizes: a few dozen indicators, breakdowns and periods)
        raise OverflowError("Too many indicators, periods and breakdown values to sort the table by one key.")
    return cells.sort(key)


def _beside(table: pl.DataFrame, right: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """The table with `right`'s other columns for each row, matched on `on` (right's keys are unique). Only
    the keys are joined: the table's own columns are never copied (it has millions of rows)."""
    return table.hstack(table.select(on).join(right, on=on, how="left", maintain_order="left").drop(on))


def _with_targets(table: pl.DataFrame, targets: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Baseline and target on total rows from the targets entity; status in the indicator's direction."""
    lower_is_better = pl.DataFrame(
        [(i.id, i.lower_is_better) for i in catalogue.indicators], orient="row",
        schema={"indicator_id": pl.Categorical, "lower_is_better": pl.Boolean})
    total_targets = targets.with_columns(breakdown=pl.lit(TOTAL)).cast(
        {"indicator_id": pl.Categorical, "period": pl.Categorical, "breakdown": pl.Categorical})
    joined = _beside(_beside(table, total_targets, ["indicator_id", "period", "breakdown"]), lower_is_better,
                     ["indicator_id"])
    reached = pl.when(pl.col("lower_is_better")).then(pl.col("value") <= pl.col("target")).otherwise(
        pl.col("value") >= pl.col("target"))
    status = (pl.when(pl.col("target").is_null()).then(pl.lit("no_target", pl.Categorical))
              .when(reached.fill_null(False)).then(pl.lit("met", pl.Categorical))
              .otherwise(pl.lit("not_met", pl.Categorical)))
    return joined.with_columns(status=status).drop("lower_is_better")


def indicator_table(con: duckdb.DuckDBPyConnection, as_of: date, run_id: str,
                    catalogue: Catalogue | None = None,
                    records_freed: Callable[[], None] | None = None) -> EngineResult:
    """The indicator table of the warehouse at build date `as_of` (internal: nothing suppressed).

    `records_freed` is called once the records' memory is free (past the engine's peak), for work
    that may overlap the table's assembly."""
    catalogue = catalogue or load_catalogue()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    sources = build_sources(con, as_of, organisation_attributes_read(catalogue))
    targets = read_targets(con.sql("SELECT indicator_id, period, baseline, target FROM targets").pl(), catalogue)
    timings["read warehouse"] = time.perf_counter() - started

    expected = expected_indicators(catalogue, sources, as_of)
    cell_frame = indicator_cells(catalogue, sources, as_of, timings)

    started = time.perf_counter()
    del sources  # (emptied by the cells) the records' memory is free for the table
    if records_freed is not None:
        records_freed()
    metadata = pl.DataFrame(
        [(i.id, i.name, i.area, i.unit) for i in catalogue.indicators], orient="row",
        schema={"indicator_id": pl.Categorical, "indicator_name": pl.Categorical, "area": pl.Categorical,
                "unit": pl.Categorical})
    # sorted before the labels and metadata are set beside (keeping the cells' order); every label is a
    # category (a 4-byte code) until the table is made, and text only then
    in_order = _in_table_order(cell_frame)
    del cell_frame
    table = _beside(_beside(in_order, _periods(in_order), ["grain", "period_index"]), metadata, ["indicator_id"])
    table = _with_targets(table, targets.periods, catalogue).with_columns(
        suppressed=pl.lit(False), as_of=pl.lit(as_of, pl.Date), run_id=pl.lit(run_id, pl.Categorical),
    ).with_columns(partial=partial_period()).select(TABLE_COLUMNS).cast(ENGINE_SCHEMA)
    timings["assemble"] = time.perf_counter() - started
    return EngineResult(table=table, timings=timings, expected_indicators=expected, targets=targets)
