"""Running a Great Expectations suite (kept as a JSON document) on a frame, offline.

One ephemeral GX context per process, telemetry and progress bars off. Any suite of the product
(raw records, indicator outputs) can run through `run_suite`, on a pandas frame.

`breaking_rows` names the rows of a polars frame that break each expectation of a suite whose every
expectation tests a row on its own (GX's column-map and column-pair expectations, with or without a
row condition). Such a verdict depends only on the values of the columns the expectation reads, so
GX runs on the distinct rows of those columns (a file of a million participations holds a few
thousand dates and twenty head counts), and each distinct row that breaks it names every row of the
frame holding its values: the same rows as a run on the whole frame, in a fraction of the time.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache

import polars as pl


@dataclass(frozen=True)
class Outcome:
    meta: dict
    kwargs: dict
    success: bool
    #: GX's result dict; with COMPLETE format it has `unexpected_index_list`
    result: dict


#: the context is built once per process, by whichever thread asks first (a build warms it up in a thread
#: of its own while it computes): the others wait for it
_BUILDING_CONTEXT = threading.Lock()


def _batch_definition():
    with _BUILDING_CONTEXT:
        return _new_batch_definition()


@cache
def _new_batch_definition():
    # Telemetry off before GX is imported: no network at run time.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("agora").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def run_suite(suite_document: dict, frame, parameters: dict[str, list] | None = None,
              result_format: str = "COMPLETE") -> list[Outcome]:
    """Validate a pandas frame against a suite document; outcomes in the document's order.
    An expectation that cannot run (a bug, not bad data) raises RuntimeError. BOOLEAN_ONLY is
    several times faster than COMPLETE on large frames, for a first pass that usually passes."""
    batch_definition = _batch_definition()
    from great_expectations.core import ExpectationSuite

    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        ExpectationSuite(**suite_document), result_format={"result_format": result_format},
        expectation_parameters=parameters or {},
    )
    position = {e["meta"]["rule"]: i for i, e in enumerate(suite_document["expectations"])}
    outcomes = []
    for outcome in result.results:
        config = outcome.expectation_config
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"The expectation {config.meta['rule']} could not run: {outcome.exception_info['exception_message']}"
            )
        outcomes.append(Outcome(dict(config.meta), dict(config.kwargs), bool(outcome.success), outcome.result))
    return sorted(outcomes, key=lambda o: position[o.meta["rule"]])


def warm_up() -> None:
    """Import GX and build its context now (a fixed few seconds per process), e.g. before timing."""
    _batch_definition()


_COLUMN_KWARGS = ("column", "column_A", "column_B")


def columns_read(expectation: dict) -> tuple[str, ...]:
    """The columns an expectation reads: its column or columns, and its row condition's column."""
    kwargs = expectation["kwargs"]
    named = {kwargs[key] for key in _COLUMN_KWARGS if key in kwargs}
    named.update(kwargs.get("column_list", ()))
    if "row_condition" in kwargs:
        named.add(kwargs["row_condition"]["column"]["name"])
    return tuple(sorted(named))


@dataclass(frozen=True)
class Breaking:
    """The rows of a frame (ascending) that break one expectation, as the suite document has it."""
    expectation: dict
    rows: list[int]


#: distinct rows of groups this small share one frame whatever their sizes (repeating a few thousand
#: rows costs GX less than a call of its own)
_SHARED_FRAME_ROWS = 4_096


@dataclass(frozen=True)
class _Group:
    """The expectations reading the same columns, and the distinct rows of those columns."""
    columns: tuple[str, ...]
    expectations: list[dict]
    #: the distinct rows, each with `rows`: the positions of the frame's rows holding those values
    distinct: pl.DataFrame


#: the GX expectations whose verdict on a row depends on that row's values alone (not, like
#: `expect_column_values_to_be_unique`, on the other rows)
ROW_BY_ROW_EXPECTATIONS = frozenset({
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex", "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal", "expect_column_pair_values_to_be_in_set",
})


def _groups(suite_document: dict, frame: pl.DataFrame) -> list[_Group]:
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for expectation in suite_document["expectations"]:
        if expectation["type"] not in ROW_BY_ROW_EXPECTATIONS or "mostly" in expectation["kwargs"]:
            # `mostly` counts rows, which distinct values do not keep
            raise ValueError(f"The expectation {expectation['meta']['rule']} does not test each row on its own, "
                             f"so it cannot run on distinct values: run the suite with run_suite.")
        by_columns.setdefault(columns_read(expectation), []).append(expectation)
    numbered = frame.with_row_index("rows")
    return [_Group(columns, expectations, numbered.group_by(list(columns), maintain_order=True).agg("rows"))
            for columns, expectations in by_columns.items()]


def _shared_frames(groups: list[_Group]) -> list[list[_Group]]:
    """The groups each GX call checks together, largest first: a group joins a frame at most twice
    its own length, or any frame of at most _SHARED_FRAME_ROWS rows."""
    frames: list[list[_Group]] = []
    for group in sorted(groups, key=lambda g: -g.distinct.height):
        for shared in frames:
            if shared[0].distinct.height <= max(2 * group.distinct.height, _SHARED_FRAME_ROWS):
                shared.append(group)
                break
        else:
            frames.append([group])
    return frames


def _renamed(expectation: dict, names: dict[str, str]) -> dict:
    """The expectation reading its columns under their names in a shared frame."""
    kwargs = dict(expectation["kwargs"])
    for key in _COLUMN_KWARGS:
        if key in kwargs:
            kwargs[key] = names[kwargs[key]]
    if "column_list" in kwargs:
        kwargs["column_list"] = [names[c] for c in kwargs["column_list"]]
    if "row_condition" in kwargs:
        condition = kwargs["row_condition"]
        kwargs["row_condition"] = {**condition, "column": {**condition["column"],
                                                           "name": names[condition["column"]["name"]]}}
    return {**expectation, "kwargs": kwargs}


def _shared_frame(groups: list[_Group]) -> tuple[pl.DataFrame, list[dict[str, str]]]:
    """One frame holding every group's distinct rows under names of its own (`g2_end_date`), a shorter
    group repeated to the frame's length: row i holds its distinct row i mod its length, so a
    repeated row gets the verdict of the row it repeats."""
    length = groups[0].distinct.height
    parts, names = [], []
    for position, group in enumerate(groups):
        renamed = {c: f"g{position}_{c}" for c in group.columns}
        rows = group.distinct.select(group.columns)
        if 0 < rows.height < length:
            rows = rows.select(pl.all().gather(pl.int_range(length) % rows.height))
        parts.append(rows.rename(renamed))
        names.append(renamed)
    return pl.concat(parts, how="horizontal"), names


def breaking_rows(suite_document: dict, frame: pl.DataFrame,
                  parameters: dict[str, list] | None = None) -> list[Breaking]:
    """For each expectation some rows of a polars frame break, which rows, in the suite's order.
    Every expectation must test each row on its own (see the module's docstring). GX checks the
    distinct rows pass/fail first; the offending rows are listed (COMPLETE) only for those that fail."""
    found: dict[str, Breaking] = {}
    for groups in _shared_frames(_groups(suite_document, frame)):
        shared, names = _shared_frame(groups)
        origin: dict[str, tuple[_Group, dict]] = {}
        expectations = []
        for group, renamed in zip(groups, names):
            for expectation in group.expectations:
                origin[expectation["meta"]["rule"]] = (group, expectation)
                expectations.append(_renamed(expectation, renamed))
        document = {**suite_document, "expectations": expectations}
        checked = shared.to_pandas()
        failed = {o.meta["rule"] for o in run_suite(document, checked, parameters, "BOOLEAN_ONLY") if not o.success}
        if not failed:
            continue
        rerun = {**document, "expectations": [e for e in expectations if e["meta"]["rule"] in failed]}
        for outcome in run_suite(rerun, checked, parameters):
            if outcome.success:
                continue
            group, expectation = origin[outcome.meta["rule"]]
            distinct = sorted({int(i) % group.distinct.height for i in outcome.result["unexpected_index_list"]})
            rows = group.distinct.get_column("rows").gather(distinct).explode().sort()
            found[outcome.meta["rule"]] = Breaking(expectation, rows.cast(pl.Int64).to_list())
    return [found[e["meta"]["rule"]] for e in suite_document["expectations"] if e["meta"]["rule"] in found]
