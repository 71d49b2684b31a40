"""Information loss and cost of the public edition: share of cells withheld, and protection time.

    .venv/bin/python -m bench disclosure --warehouse agora.duckdb

Reads the latest run of a built warehouse (`agora generate --scale N`, `agora ingest`, `agora
build`) and prints, over the rows the public edition has (years and quarters, no crossed cells),
the share withheld by the rule before the public edition (a count or denominator under the
threshold), by today's primary rule (counts, numerators, denominators, complements), and after
secondary suppression; and the seconds protection plus audit take, which is what they add to
`agora export --audience public` and `agora report --audience public`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import polars as pl


def main() -> None:
    from metrics.disclosure import in_public_edition, public_table
    from metrics.protection import small_rows
    from metrics.runs import run_table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=Path("agora.duckdb"),
                        help="a built warehouse (default ./agora.duckdb)")
    parser.add_argument("--threshold", type=int, default=5, help="small-cell threshold (default 5)")
    args = parser.parse_args()
    whole = run_table(args.warehouse)
    table = whole.filter(in_public_edition())
    size = pl.when(pl.col("unit") == "count").then(pl.col("numerator")).otherwise(pl.col("denominator"))
    before = table.select((size.fill_null(0) < args.threshold).sum()).item()
    primary = int(small_rows(table, args.threshold).sum())
    started, cpu = time.perf_counter(), time.process_time()
    public = public_table(table, args.threshold)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = int(public["suppressed"].sum())
    print(f"{args.warehouse}: {whole.height:,} indicator rows, {table.height:,} in the public edition")
    for label, rows in (("old rule (count or denominator)", before), ("primary rule", primary),
                        ("primary + secondary (published)", after)):
        print(f"  {label:34} {rows:>9,} withheld  {rows / table.height:6.1%}")
    by_grain = public.group_by("grain").agg(pl.col("suppressed").mean()).sort("grain").rows()
    print("  withheld after, by grain: " + ", ".join(f"{grain} {share:.1%}" for grain, share in by_grain))
    print(f"  protection + audit: {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
