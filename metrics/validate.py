"""The output check: the indicator table against `expectations/suites/indicator_outputs.json` (GX).

A run is stored only when every expectation holds; otherwise `OutputCheckFailed` says which
checks failed with a few of the offending rows.

Every expectation is a test of one row (what a row needs from the rows around it, its cell being
unique, its period having a total, its mechanism's own row, is computed first into a column of
its own) or of the set of values a column holds. So the suite first runs on the distinct rows of
the columns it reads, which are a few times fewer than the table's (crossed cells repeat the same
small numbers): the same verdict, a fraction of the time. Only when something fails does it run
again on every row, to name the offending ones. Two value sets are parameters: the catalogue's
indicators, and the indicators whose population has a member at the build date (an indicator
with nobody to measure has no row and is not missing; one with somebody must have rows).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError
from foundation.vocabulary import ALL, CROSS, TOTAL
from expectations.runner import columns_read, run_suite

SUITE_PATH = Path(__file__).resolve().parents[1] / "expectations" / "suites" / "indicator_outputs.json"
SHOWN_ROWS = 5
_ROW_LABEL = ("indicator_id", "grain", "period", "breakdown", "breakdown_value", "numerator", "denominator", "value")
#: the key of the table (spec): one row per cell
CELL_KEY = ("indicator_id", "grain", "period", "breakdown", "breakdown_value")


class OutputCheckFailed(AgoraError):
    """The indicator table broke the output suite; the run was not stored."""


@cache
def _suite_document() -> dict:
    return json.loads(SUITE_PATH.read_text(encoding="utf-8"))


@cache
def _suite_columns() -> tuple[str, ...]:
    """The columns the suite's expectations (and their row conditions) read."""
    return tuple(sorted({c for expectation in _suite_document()["expectations"] for c in columns_read(expectation)}))


def _with_check_columns(table: pl.DataFrame) -> pl.DataFrame:
    """The table narrowed to what the suite reads and what names a row (the rest would only be copied
    to pandas), with cell_unique, period_has_total, cell_well_formed and crossed_within_present. Text
    columns become categories first (the engine's table has them so already): every check below groups
    or compares 4-byte codes, and reads text only for the distinct labels."""
    columns = list(dict.fromkeys((*_suite_columns(), *_ROW_LABEL)))
    read = (table.select(c for c in columns if c in table.columns)
            .with_columns(pl.col(pl.String).cast(pl.Categorical)))
    has_total = (pl.col("breakdown") == TOTAL).any().over("indicator_id", "grain", "period")
    cell_unique = pl.len().over(CELL_KEY) == 1
    return (read.with_columns(cell_unique=cell_unique, period_has_total=has_total, **_crossed_checks(read))
            .select(columns))


def _as_pandas(frame: pl.DataFrame):
    """The frame for GX: its labels are categories already (pandas copies and compares them many times
    faster than strings)."""
    return frame.to_pandas(use_pyarrow_extension_array=False)


def _crossed_checks(table: pl.DataFrame) -> dict[str, pl.Series]:
    """cell_well_formed: a total row has the value `all`, another row as many parts (`M|v`) as its
    breakdown (`mechanism_id|b`). crossed_within_present: a crossed row's mechanism (or kind) has its own
    row in that period, since a crossed cell is a part of the mechanism's cell (true for other rows).
    Both read the texts of the distinct (breakdown, value) pairs only, a few thousand; a row's cell is then
    compared by a 64-bit hash of its label codes (a collision could only hide a missing row). An empty
    breakdown value (a breakdown column with empty cells) is not these checks' business."""
    breakdown, value = pl.col("breakdown").cast(pl.String), pl.col("breakdown_value").cast(pl.String)
    parts = breakdown.str.count_matches(CROSS, literal=True)
    pairs = table.select("breakdown", "breakdown_value").unique().with_columns(
        cell_well_formed=pl.when(breakdown == TOTAL).then(value == ALL).otherwise(
            (value != ALL) & (parts == value.str.count_matches(CROSS, literal=True)) & (parts <= 1)).fill_null(True),
        crossed=parts > 0,
        within=breakdown.str.splitn(CROSS, 2).struct.field("field_0").cast(pl.Categorical),
        within_value=value.str.splitn(CROSS, 2).struct.field("field_0").cast(pl.Categorical))
    rows = table.select("indicator_id", "grain", "period", "breakdown", "breakdown_value").join(
        pairs, on=["breakdown", "breakdown_value"], how="left", maintain_order="left", nulls_equal=True)

    def cell(within: str, of: str) -> pl.Expr:
        codes = (pl.col(c).to_physical() for c in ("indicator_id", "grain", "period", within, of))
        return pl.struct(*codes).hash(seed=0)

    plain_cells = rows.filter(~pl.col("crossed")).select(cell("breakdown", "breakdown_value")).to_series()
    within_present = (~pl.col("crossed") | pl.col("breakdown_value").is_null()
                      | cell("within", "within_value").is_in(plain_cells.implode()))
    return {"cell_well_formed": rows["cell_well_formed"],
            "crossed_within_present": rows.select(within_present).to_series()}


def check_indicator_table(table: pl.DataFrame, catalogue_indicators: frozenset[str],
                          expected_indicators: frozenset[str]) -> dict:
    """Run the output suite; return its summary (stored with the run) or raise OutputCheckFailed."""
    checked = _with_check_columns(table)
    distinct = checked.select(_suite_columns()).unique()
    parameters = {"catalogue_indicators": sorted(catalogue_indicators),
                  "expected_indicators": sorted(expected_indicators)}
    outcomes = run_suite(_suite_document(), _as_pandas(distinct), parameters, result_format="BOOLEAN_ONLY")
    checks = [{"rule": o.meta["rule"], "success": o.success} for o in outcomes]
    failures = []
    if not all(o.success for o in outcomes):
        # again on every row, to name the offending ones, only when something failed
        failures = [_failure_text(o.meta, o.result, checked, expected_indicators)
                    for o in run_suite(_suite_document(), _as_pandas(checked), parameters, result_format="SUMMARY")
                    if not o.success]
    summary = {"suite": _suite_document()["name"], "success": not failures, "rows": table.height, "checks": checks}
    if failures:
        raise OutputCheckFailed(
            "The indicator table failed its output checks, so this run was not stored:\n" + "\n".join(failures))
    return summary


def _failure_text(meta: dict, result: dict, checked: pl.DataFrame, expected: frozenset[str]) -> str:
    if meta["rule"] == "every_indicator_present":
        missing = sorted(expected - set(checked["indicator_id"].unique().to_list()))
        return f"- {meta['reason']}: {', '.join(missing)}"
    rows = result.get("partial_unexpected_index_list") or []
    count = result.get("unexpected_count", len(rows))
    shown = [", ".join(f"{c}={checked[c][int(i)]}" for c in _ROW_LABEL) for i in rows[:SHOWN_ROWS]]
    which = f", the first {len(shown)} of them" if count > len(shown) else ""
    lines = [f"- {meta['reason']} in {count} row(s){which}:"] + [f"    {line}" for line in shown]
    return "\n".join(lines)
