"""`agora export`: the indicator table of a kept run as CSV, Parquet, JSON Lines or XLSX.

Every format carries the spec's columns in the spec's order (JSON sorts its keys), one row per
indicator, grain, period and breakdown value, sorted the same way. The same run, arguments and code give byte-identical
files: nothing in them depends on the clock, the machine or the order rows were stored in.

Formats, as written:
* CSV: UTF-8 without BOM, comma, `\\n` line ends, header row. numerator and denominator are
  integers, value/baseline/target the shortest decimal that reads back as the same float
  (never exponent notation; `12` for 12.0), dates ISO, booleans `true`/`false`, empty for null.
  Text starting with `= + - @` (or a tab or carriage return) is prefixed with `'` so no
  spreadsheet runs it.
* JSON: JSON Lines (one object per row, keys sorted, null for empty), the same form
  `agora ingest` reads; numbers exactly as stored, dates ISO. Columns such as target are empty
  in most rows: read with `pl.read_ndjson(path, infer_schema_length=None)`.
* Parquet: typed columns (Int64 counts, Float64 values, Date dates, Boolean suppressed).
* XLSX: see `metrics.xlsx`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError
from metrics.catalogue import Catalogue
from metrics.cells import GRAINS
from metrics.disclosure import apply_disclosure, suppression_rule
from metrics.engine import TABLE_COLUMNS
from metrics.runs import list_runs, run_catalogue, run_table
from metrics.xlsx import EXCEL_ROW_LIMIT, neutralised, write_xlsx

FORMATS = ("csv", "xlsx", "parquet", "json")
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet", "json": "jsonl"}
#: file endings that say a format, so an --out of another format is caught before writing
SUFFIX_FORMATS = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet", "jsonl": "json", "json": "json"}
PERIOD_FORMAT = re.compile(r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?")


class ExportError(AgoraError):
    """An export that cannot be written as asked, worded for a programme officer."""


@dataclass(frozen=True)
class RunInfo:
    """What the About sheet says of the run an export comes from (never its wall-clock time)."""

    run_id: str
    as_of: date
    data_hash: str
    catalogue_hash: str
    code_version: str


def chosen_run(warehouse: Path, run_id: str | None) -> RunInfo:
    """The run asked for, or the latest one; a clear error when there is none of that id."""
    # A busy, damaged or missing warehouse is told by `connect`, each by its own name.
    runs = list_runs(warehouse).select("run_id", "as_of", "data_hash", "catalogue_hash", "code_version").rows()
    if not runs:
        raise ExportError(f"The warehouse {warehouse} has no indicator runs yet: run `agora build` first.")
    if run_id is None:
        return RunInfo(*runs[0])
    for row in runs:
        if row[0] == run_id:
            return RunInfo(*row)
    latest = ", ".join(f"{r[0]} (as of {r[1]})" for r in runs[:5])
    raise ExportError(
        f"The warehouse {warehouse} has no run {run_id!r}. The latest runs are: {latest}. "
        f"Leave out --run to use the latest."
    )


def period_rows(table: pl.DataFrame, periods: list[str], grain: str | None) -> pl.Expr:
    """Rows of the periods asked for: the period itself, or with --grain, that grain's periods inside it
    (GRAINS runs coarse to fine)."""
    known = table.select("period", "grain", "period_start", "period_end").unique(subset="period")
    selected = pl.lit(False)
    for period in periods:
        match = known.filter(pl.col("period") == period)
        if match.is_empty():
            if not PERIOD_FORMAT.fullmatch(period):
                raise ExportError(
                    f"{period!r} is not a period: write a year (2026), a quarter (2026-Q2) or a month (2026-07)."
                )
            raise ExportError(
                f"The run has no indicator rows for the period {period}: its periods run from "
                f"{known['period_start'].min()} to {known['period_end'].max()}."
            )
        period_grain, start, end = match.row(0)[1:]
        if grain is None or grain == period_grain:
            selected = selected | (pl.col("period") == period)
        elif GRAINS.index(grain) < GRAINS.index(period_grain):
            raise ExportError(
                f"The period {period} is a {period_grain}, shorter than the grain {grain} asked for: "
                f"ask for --grain {period_grain} or finer, or for a {grain} period."
            )
        else:
            selected = selected | (
                (pl.col("grain") == grain) & (pl.col("period_start") >= start) & (pl.col("period_end") <= end)
            )
    return selected


def selected_rows(table: pl.DataFrame, indicators: list[str] | None, grain: str | None,
                  periods: list[str] | None) -> pl.DataFrame:
    """The rows the filters ask for; an indicator, grain or period the run lacks is an error."""
    if grain is not None and grain not in GRAINS:
        raise ExportError(f"The grain must be one of {', '.join(GRAINS)}, not {grain!r}.")
    keep = pl.lit(True)
    if indicators:
        known = set(table["indicator_id"].unique().to_list())
        wanted = [i.strip().upper() for i in indicators]
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise ExportError(
                f"The run has no indicator {', '.join(unknown)}. Its indicators are "
                f"{', '.join(sorted(known))} (`agora indicators` lists the catalogue)."
            )
        keep = keep & pl.col("indicator_id").is_in(wanted)
    if periods:
        keep = keep & period_rows(table, periods, grain)
    elif grain is not None:
        keep = keep & (pl.col("grain") == grain)
    rows = table.filter(keep)
    if rows.is_empty():
        raise ExportError("No indicator rows match these filters together; loosen --indicator, --grain or --period.")
    return rows


def export_order(table: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Area (in the catalogue's order of areas), indicator, grain coarse to fine, period, total row first:
    the same order every time."""
    areas = list(catalogue.areas)
    return table.sort(
        pl.col("area").replace_strict(areas, range(len(areas)), default=len(areas)),
        "indicator_id",
        pl.col("grain").replace_strict(GRAINS, range(len(GRAINS)), default=len(GRAINS)),
        "period",
        pl.col("breakdown") != "total",
        "breakdown",
        "breakdown_value",
        maintain_order=True,
    ).select(TABLE_COLUMNS)


def refuse_oversized_sheets(table: pl.DataFrame) -> None:
    """Excel cannot hold an area with more rows than a sheet has; say so instead of cutting it short."""
    for area, rows in table.group_by("area").len().sort("area").rows():
        if rows >= EXCEL_ROW_LIMIT:
            raise ExportError(
                f"The {area} indicators have {rows:,} rows, more than an Excel sheet holds "
                f"({EXCEL_ROW_LIMIT - 1:,}): narrow the export with --indicator, --grain or --period, "
                f"or export CSV or Parquet."
            )


def write_csv(table: pl.DataFrame, path: Path) -> None:
    # polars writes each float as the shortest decimal that reads back the same (ryu), positional.
    neutralised(table).write_csv(path, line_terminator="\n", null_value="", float_scientific=False)


def write_json_lines(table: pl.DataFrame, path: Path) -> None:
    table.select(sorted(table.columns)).write_ndjson(path)


def write_parquet(table: pl.DataFrame, path: Path) -> None:
    table.write_parquet(path, compression="zstd", statistics=True)


def default_path(run_id: str, audience: str, fmt: str) -> Path:
    return Path(f"indicators-{run_id}-{audience}.{EXTENSIONS[fmt]}")


def output_path(out: Path | None, run_id: str, audience: str, fmt: str) -> Path:
    """Where to write: --out, a file named after the run inside --out when it is a folder, or ./"""
    if out is None:
        return default_path(run_id, audience, fmt)
    out = Path(out)
    if out.is_dir():
        return out / default_path(run_id, audience, fmt)
    suffix = out.suffix.lower().lstrip(".")
    if SUFFIX_FORMATS.get(suffix, fmt) != fmt:
        raise ExportError(
            f"{out} ends in .{suffix} but the format asked for is {fmt}: "
            f"pass --format {SUFFIX_FORMATS[suffix]}, or an --out ending in .{EXTENSIONS[fmt]}."
        )
    return out


def about_lines(run: RunInfo, audience: str, threshold: int, filters: dict[str, str]) -> list[tuple[str, str]]:
    """What an export is, for the About sheet: run, hashes, audience, rule, filters."""
    from foundation import __version__

    lines = [
        ("As of", run.as_of.isoformat()),
        ("Run id", run.run_id),
        ("Data hash", run.data_hash),
        ("Catalogue hash", run.catalogue_hash),
        ("Code version", run.code_version),
        ("Audience", audience),
        ("Suppression rule", suppression_rule(threshold) if audience == "public"
         else "None: this internal export carries every row unsuppressed. Do not publish it."),
        ("Small-cell threshold", str(threshold)),
    ]
    lines += [(f"Filter: {name}", value) for name, value in filters.items() if value]
    lines.append(("Generated by", f"Agora {__version__}, agora export"))
    return lines


def export_run(warehouse: Path, out: Path | None, fmt: str, audience: str, indicators: list[str] | None = None,
               grain: str | None = None, periods: list[str] | None = None, run_id: str | None = None,
               small_cell_threshold: int = 5) -> Path:
    """Write the indicator table of a run (the latest when run_id is None) and return the file's path."""
    if fmt not in FORMATS:
        raise ExportError(f"The export format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    run = chosen_run(Path(warehouse), run_id)
    path = output_path(out, run.run_id, audience, fmt)
    internal = run_table(Path(warehouse), run.run_id)
    selected_rows(internal, indicators, grain, periods)  # a filter the run cannot meet fails before the work
    # The whole run is protected, then filtered: every public export of a run withholds the same rows.
    catalogue = run_catalogue(Path(warehouse), run.run_id)
    table = export_order(selected_rows(apply_disclosure(internal, audience, small_cell_threshold),
                                       indicators, grain, periods), catalogue)
    if fmt == "xlsx":
        refuse_oversized_sheets(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a failed export never leaves half a file behind.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        if fmt == "csv":
            write_csv(table, partial)
        elif fmt == "json":
            write_json_lines(table, partial)
        elif fmt == "parquet":
            write_parquet(table, partial)
        else:
            filters = {
                "indicators": ", ".join(indicators or []), "grain": grain or "", "periods": ", ".join(periods or []),
            }
            write_xlsx(table, partial, about_lines(run, audience, small_cell_threshold, filters), run.as_of,
                       catalogue)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
