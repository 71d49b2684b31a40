"""Benchmark of `agora ingest`: generated Parquet files, fully validated, rows/s, peak memory, and where the time goes.

    .venv/bin/python -m bench.ingest --scale 1000000

The generator writes the files first (not timed). Each load then runs in a child process of its
own on a fresh warehouse, so peak memory (ru_maxrss from wait4) and CPU time are its alone:
`ingest` is `ingest_paths` on the folder (every rule: coercion, GX suites, keys, quarantine, one
transaction), timed inside the child after Python and GX have started (GX start-up is shown
apart, as it is a fixed cost per process). The baseline, measured in the same run, is a child
that reads the same files and inserts them into the same schema with no validation at all: the
I/O and insert floor, so `time x` says what validation costs on top of it. `rows/cpu s` divides
by the child's whole CPU time (start-up included): on a busy machine it is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench import run_child


def child(kind: str, folder: Path) -> None:
    """One full ingest (`ingest`) or one unvalidated insert (`baseline`), timings into FOLDER/KIND.json."""
    import polars as pl

    from warehouse.contract import ENTITIES, LOAD_ORDER
    from warehouse.db import connect

    files = folder / "files"
    warehouse = folder / f"{kind}.duckdb"
    if kind == "ingest":
        from expectations.runner import warm_up
        from metrics.catalogue import load_catalogue
        from warehouse.ingest import ingest_paths

        started = time.perf_counter()
        warm_up()
        gx_startup = time.perf_counter() - started
        started = time.perf_counter()
        result = ingest_paths(warehouse, [files], None, load_catalogue().ids)
        report = {"seconds": time.perf_counter() - started, "gx_startup": gx_startup, "phases": result.timings,
                  "rows": result.rows_read, "quarantined": result.rows_quarantined}
    else:
        started = time.perf_counter()
        con = connect(warehouse)
        rows = 0
        con.execute("BEGIN TRANSACTION")
        for entity in LOAD_ORDER:
            frame = pl.read_parquet(files / f"{entity}.parquet")
            con.register("staging", frame.to_arrow())
            columns = ", ".join(ENTITIES[entity].column_names)
            con.execute(f"INSERT INTO {entity} ({columns}) SELECT {columns} FROM staging")
            con.unregister("staging")
            rows += frame.height
        con.execute("COMMIT")
        con.close()
        report = {"seconds": time.perf_counter() - started, "rows": rows}
    (folder / f"{kind}.json").write_text(json.dumps(report))


def measured(kind: str, folder: Path) -> tuple[dict, float, float]:
    """The child's own report, its CPU seconds and its peak RSS (MiB)."""
    _, usage = run_child("bench.ingest", kind, str(folder))
    return json.loads((folder / f"{kind}.json").read_text()), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, nargs="+", default=[100_000],
                        help="participations per run (default 100,000; the target is 1,000,000)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, folder = args.child
        child(kind, Path(folder))
        return
    from warehouse.generate import generate

    print("agora ingest of generated Parquet, fully validated; baseline: the same rows inserted unvalidated")
    print(f"{'scale':>10} {'rows':>11} {'ingest s':>8} {'cpu s':>6} {'rows/s':>10} {'rows/cpu s':>10} {'peak MiB':>8} "
          f"{'GX start s':>10} | "
          f"{'base s':>6} {'base MiB':>8} {'time x':>6}")
    for scale in args.scale:
        with tempfile.TemporaryDirectory(prefix="agora-bench-ingest-") as name:
            folder = Path(name)
            generate(folder / "files", scale=scale, seed=7)
            report, cpu, peak = measured("ingest", folder)
            base, _, base_peak = measured("baseline", folder)
        seconds = report["seconds"]
        print(f"{scale:>10,} {report['rows']:>11,} {seconds:8.2f} {cpu:6.1f} {report['rows'] / seconds:10,.0f} "
              f"{report['rows'] / cpu:10,.0f} {peak:8.0f} {report['gx_startup']:10.2f} | {base['seconds']:6.2f} {base_peak:8.0f} "
              f"{seconds / base['seconds']:6.2f}")
        phases = ", ".join(f"{phase} {share:.2f}s" for phase, share in report["phases"].items())
        print(f"{'':>10} where the time goes: {phases}; {report['quarantined']:,} rows quarantined")


if __name__ == "__main__":
    main()
