"""The disclosure auditor: tries to work back every withheld number of a public indicator table.

    python -m metrics.disclosure_audit indicators-<run>-public.csv --warehouse agora.duckdb

It takes the run's internal table, lists every linear relation that holds in it
(`metrics.protection.relations`: breakdowns summing to totals, crossed cells to their plain cells,
mechanisms to their kind, months to quarters and years, one indicator's number equal to
another's, complements), and asks which withheld numbers those relations pin down given the
published ones (a rank test, `metrics.protection.determined`). A public table passes when none is
pinned, no published row shows a number under the threshold, every published number is the
internal one and no withheld row shows its status. `agora export` and `agora report` call
`audit` on every public table before writing it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from foundation.settings import Settings
from metrics.protection import exposure

KEY = ["indicator_id", "grain", "period", "breakdown", "breakdown_value"]
NUMBERS = ("numerator", "denominator", "value")


@dataclass(frozen=True)
class AuditReport:
    rows: int
    withheld: int
    #: withheld quantities the relations pin down: (row key..., field)
    recoverable: list[tuple]
    #: published rows showing a number under the threshold
    small_published: list[tuple]
    #: published rows whose numbers differ from the internal table, or rows missing from it
    mismatched: list[tuple]
    #: withheld rows that still show a status
    status_shown: list[tuple]

    @property
    def safe(self) -> bool:
        return not (self.recoverable or self.small_published or self.mismatched or self.status_shown)

    def summary(self) -> str:
        return (f"{self.rows:,} rows, {self.withheld:,} withheld; {len(self.recoverable):,} withheld numbers "
                f"recoverable, {len(self.small_published):,} small cells published, "
                f"{len(self.mismatched):,} rows not matching the run, {len(self.status_shown):,} withheld "
                f"rows showing a status")


def audit(internal: pl.DataFrame, public: pl.DataFrame, threshold: int) -> AuditReport:
    """Audit `public` (a public edition, possibly a subset of rows) against the run's `internal` table,
    within the rows a public edition has at all (years and quarters, no crossed cell): the relations
    that hold among those rows are the ones a reader of public outputs can use."""
    from metrics.disclosure import in_public_edition

    internal = internal.filter(in_public_edition()).sort(KEY)
    shown = public.select(*KEY, *[pl.col(c).alias(f"public_{c}") for c in (*NUMBERS, "status", "suppressed")])
    joined = internal.join(shown, on=KEY, how="left", maintain_order="left")
    missing_public = public.join(internal.select(KEY), on=KEY, how="anti")
    in_public = joined["public_suppressed"].is_not_null()
    # A row left out of the public table, or with its numbers empty, is withheld.
    withheld_mask = joined.select(
        pl.col("public_suppressed").is_null() | pl.col("public_suppressed")
        | pl.any_horizontal([pl.col(f"public_{c}").is_null() & pl.col(c).is_not_null() for c in NUMBERS])
    ).to_series()
    withheld = np.flatnonzero(withheld_mask.to_numpy())
    guarded = np.flatnonzero((withheld_mask & in_public).to_numpy())
    found = exposure(internal, withheld, threshold, guarded=guarded)
    keys = internal.select(KEY).rows()
    field = {0: "numerator", 1: "denominator", 2: "value"}
    recoverable = [(*keys[q // 3], field[q % 3]) if q >= 0 else (*keys[-1 - q], "denominator - numerator")
                   for q in found.recoverable.tolist()]
    small = [keys[r] for r in found.small_published.tolist() if in_public[r]]
    published = joined.filter(~withheld_mask)
    differs = pl.any_horizontal([
        pl.col(f"public_{c}").ne_missing(pl.col(c)) for c in NUMBERS])
    mismatched = published.filter(differs).select(KEY).rows() + missing_public.select(KEY).rows()
    status_shown = joined.filter(withheld_mask & in_public & pl.col("public_status").is_not_null()).select(KEY).rows()
    return AuditReport(rows=public.height, withheld=int(withheld_mask.sum()), recoverable=recoverable,
                       small_published=small, mismatched=mismatched, status_shown=status_shown)


def read_public(path: Path) -> pl.DataFrame:
    """A public export as written (CSV, JSON Lines or Parquet), typed as the indicator table."""
    from metrics.engine import TABLE_SCHEMA

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pl.read_parquet(path)
    if suffix in (".jsonl", ".json"):
        frame = pl.read_ndjson(path, infer_schema_length=None)
    elif suffix == ".csv":
        frame = pl.read_csv(path, infer_schema=False)
        # undo the spreadsheet neutralising of text cells (a leading ' before = + - @)
        frame = frame.with_columns(pl.col(c).str.replace(r"^'([=+\-@\t\r])", "$1") for c in KEY)
    else:
        raise SystemExit(f"{path}: the auditor reads CSV, JSON Lines or Parquet exports, not {suffix or 'this file'}.")
    casts = {c: t for c, t in TABLE_SCHEMA.items() if c in frame.columns}
    def typed(column: str, dtype) -> pl.Expr:
        text = pl.col(column).cast(pl.String)
        if dtype == pl.Boolean:
            return text.str.to_lowercase() == "true"
        if dtype == pl.Date:
            return text.str.to_date()
        return text.cast(dtype)

    return frame.with_columns(typed(c, t).alias(c) for c, t in casts.items())


def main(argv: list[str] | None = None) -> int:
    from metrics.runs import run_table

    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m metrics.disclosure_audit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="a public export (CSV, JSON Lines or Parquet)")
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse,
                        help=f"the warehouse holding the export's run (default {settings.warehouse})")
    parser.add_argument("--threshold", type=int, default=settings.small_cell_threshold,
                        help=f"small-cell threshold (default {settings.small_cell_threshold})")
    args = parser.parse_args(argv)
    public = read_public(args.file)
    run_ids = public["run_id"].unique().to_list()
    if len(run_ids) != 1:
        print(f"{args.file}: expected the rows of one run, found {len(run_ids)} run ids.", file=sys.stderr)
        return 2
    report = audit(run_table(args.warehouse, run_ids[0]), public, args.threshold)
    print(f"{args.file}: {report.summary()}.")
    for label, items in (("recoverable", report.recoverable), ("small published", report.small_published),
                         ("not matching the run", report.mismatched), ("status shown", report.status_shown)):
        for item in items[:20]:
            print(f"  {label}: {' '.join(str(x) for x in item)}")
    return 0 if report.safe else 1


if __name__ == "__main__":
    raise SystemExit(main())
