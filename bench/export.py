"""Benchmark of `agora export`: each format against polars' own writer of the same table.

    .venv/bin/python -m bench.export --scale 100000

--scale is the number of indicator-table rows (a full build of five years of data at the spec's
grains and breakdowns makes tens of thousands). Each export runs in a child process of its own,
so its peak memory (ru_maxrss from wait4) is its alone; wall time is the export's, from
reading the run to the closed file, without the interpreter's start and imports. The baseline is polars
writing the same run table with no disclosure, ordering, neutralising or fixed number format:
the ratio says what Agora's guarantees cost. Last, the same CSV export for the internal audience
says what the public edition's protection and audit add. The synthetic table's cells are
unrelated, so its relations are few; `python -m bench disclosure --warehouse W` measures them on
a real build.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl

FORMATS = ("csv", "json", "parquet", "xlsx")
UNITS = ("count", "ratio", "mean", "median", "index")
AREAS = ("Participation", "Inclusivity", "Follow-through")
BREAKDOWN_VALUES = ("all", "upr", "treaty_body", "SR-FOE", "=SUM(A1)", "AG", "WEOG", "national_ngo")


def synthetic_run_table(rows: int) -> pl.DataFrame:
    """A run's indicator rows of every unit, a tenth of them small cells, some formula-like."""
    i = pl.col("i")
    months = i % 120
    start = pl.date(2016 + months // 12, 1 + months % 12, 1)
    denominator = i * 7919 % 200

    def cycle(values: tuple[str, ...]) -> pl.Expr:
        return pl.lit(pl.Series(values)).gather(i % len(values))

    return pl.DataFrame({"i": pl.int_range(0, rows, eager=True)}).select(
        run_id=pl.lit("bench-run"),
        indicator_id=pl.format("X-{}", (i % 29).cast(pl.String).str.zfill(2)),
        indicator_name=pl.lit("Benchmark indicator"),
        area=cycle(AREAS),
        unit=cycle(UNITS),
        grain=pl.lit("month"),
        period=pl.format("{}-{}", 2016 + months // 12, (1 + months % 12).cast(pl.String).str.zfill(2)),
        period_start=start,
        period_end=start.dt.month_end(),
        breakdown=pl.lit("mechanism_id"),
        breakdown_value=pl.format("{}-{}", cycle(BREAKDOWN_VALUES), i),
        numerator=denominator // 3,
        denominator=denominator,
        value=pl.when(denominator > 0).then((denominator // 3) / denominator).otherwise(0.0),
        baseline=pl.lit(None, pl.Float64),
        target=pl.lit(None, pl.Float64),
        status=pl.lit("no_target"),
        as_of=pl.lit(date(2026, 6, 30)),
    )


def make_warehouse(path: Path, rows: int) -> None:
    from warehouse.db import connect

    table = synthetic_run_table(rows)
    con = connect(path)
    con.execute(
        "INSERT INTO runs VALUES ('bench-run', DATE '2026-06-30', ?, 'c', 'd', 'bench', '{}', '{}', ?)",
        [datetime(2026, 7, 1), rows],
    )
    con.register("synthetic", table.to_arrow())
    con.execute("INSERT INTO indicator_values SELECT * FROM synthetic")
    con.close()


def child(kind: str, fmt: str, warehouse: Path, out: Path) -> None:
    """One export in this process, Agora's (`ours`) or polars' writer of the same table; prints
    its seconds, imports excluded."""
    from metrics.export import export_run
    from metrics.runs import run_table

    started = time.perf_counter()
    if kind in ("ours", "internal"):
        export_run(warehouse, out, fmt, "public" if kind == "ours" else "internal", small_cell_threshold=5)
    else:
        table = run_table(warehouse, "bench-run")
        {"csv": table.write_csv, "json": table.write_ndjson, "parquet": table.write_parquet,
         "xlsx": table.write_excel}[fmt](out)
    print(time.perf_counter() - started)


def measured(kind: str, fmt: str, warehouse: Path, out: Path) -> tuple[float, float]:
    """Seconds of one export (imports excluded) and the peak RSS (MiB) of its child process."""
    process = subprocess.Popen([sys.executable, "-m", "bench.export", "--child", kind, fmt, str(warehouse), str(out)],
                               stdout=subprocess.PIPE, text=True)
    seconds = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"the {kind} {fmt} export failed (exit {process.returncode})")
    return float(seconds), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="indicator-table rows (default 100,000)")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "FORMAT", "WAREHOUSE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, fmt, warehouse, out = args.child
        child(kind, fmt, Path(warehouse), Path(out))
        return
    with tempfile.TemporaryDirectory(prefix="agora-bench-export-") as folder:
        warehouse = Path(folder) / "bench.duckdb"
        make_warehouse(warehouse, args.scale)
        print(f"agora export, {args.scale:,} indicator rows, public audience; baseline: polars' own writer")
        print(f"{'format':8} {'wall s':>8} {'rows/s':>10} {'peak MiB':>9} {'MiB out':>8} | "
              f"{'base s':>7} {'base MiB':>9} {'time x':>7} {'mem x':>6}")
        for fmt in FORMATS:
            ours_out, base_out = Path(folder) / f"ours.{fmt}", Path(folder) / f"base.{fmt}"
            wall, peak = measured("ours", fmt, warehouse, ours_out)
            base_wall, base_peak = measured("baseline", fmt, warehouse, base_out)
            print(f"{fmt:8} {wall:8.2f} {args.scale / wall:10,.0f} {peak:9.0f} "
                  f"{ours_out.stat().st_size / 2**20:8.1f} | {base_wall:7.2f} {base_peak:9.0f} "
                  f"{wall / base_wall:7.2f} {peak / base_peak:6.2f}")
        # The public edition's protection and audit: the same export for the internal audience skips them.
        internal_wall, _ = measured("internal", "csv", warehouse, Path(folder) / "internal.csv")
        public_wall, _ = measured("ours", "csv", warehouse, Path(folder) / "public.csv")
        print(f"protection + audit add {public_wall - internal_wall:.2f} s to a CSV export "
              f"({public_wall:.2f} s public, {internal_wall:.2f} s internal)")


if __name__ == "__main__":
    main()
