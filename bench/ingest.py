"""Benchmark of `agora ingest`: generated files, fully validated, from Parquet, from CSV and from CSV
through a mapping; rows/s, CPU time, peak memory, and where the time goes.

    .venv/bin/python -m bench.ingest --scale 1000000

The generator writes the files first (not timed): N participations and the other entities in
proportion, once as Parquet and once as CSV. Each load then runs in a child process of its own on a
fresh warehouse, so peak memory (ru_maxrss from wait4) and CPU time are its alone, timed inside the
child after Python and GX have started (GX start-up is a fixed cost per process, shown apart):

  parquet   `ingest_paths` on the Parquet folder (every rule: coercion, GX suites, keys, quarantine)
  csv       the CSV folder: the parents in one call, then participations.csv in a second
  mapped    the same two calls, participations written as a spreadsheet would (its own column
            names, Yes/No answers) and loaded through a mapping that renames and maps them back
  baseline  the Parquet files inserted into the same schema with no validation (the I/O floor)

`rows/cpu s` divides by the child's whole CPU time (start-up included): on a busy machine it is the
steadier figure. The ratios: `csv/parquet` (what reading text costs), `mapped/csv` (what the
mapping costs; the aim is under 1.20), `parquet/base` (what validation costs on top of the floor).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench import run_child

#: participations as a spreadsheet names them (what the mapping renames back)
SPREADSHEET_NAMES = {"engagement_id": "Event code", "org_id": "Organisation ID", "registered": "Registered?",
                     "attended": "Attended?", "spoke": "Spoke?", "participants_total": "Number of participants",
                     "participants_women": "Of whom women", "outcome_communicated_on": "Outcome shared on"}
_YES_NO = ("registered", "attended", "spoke")


def _mapping_text() -> str:
    lines = ['entity = "participations"', "", "[columns]"]
    lines += [f'"{shown}" = "{name}"' for name, shown in SPREADSHEET_NAMES.items()]
    for name in _YES_NO:
        lines += ["", f"[values.{name}]", '"Yes" = "true"', '"No" = "false"']
    return "\n".join(lines) + "\n"


def write_inputs(folder: Path, scale: int) -> None:
    """The generated files as Parquet and CSV, and the spreadsheet-shaped participations with their mapping."""
    import polars as pl

    from warehouse.generate import generate

    generate(folder / "parquet", scale=scale, seed=7)
    generate(folder / "csv", scale=scale, seed=7, fmt="csv")
    parents = folder / "parents"
    parents.mkdir()
    for path in (folder / "csv").glob("*.csv"):
        if path.stem != "participations":
            (parents / path.name).hardlink_to(path)
    participations = pl.read_csv(folder / "csv" / "participations.csv", infer_schema=False)
    participations.with_columns(
        pl.col(name).replace({"true": "Yes", "false": "No"}) for name in _YES_NO
    ).rename(SPREADSHEET_NAMES).write_csv(folder / "participants-list.csv")
    (folder / "participants.toml").write_text(_mapping_text(), encoding="utf-8")


def child(kind: str, folder: Path) -> None:
    """One load of KIND (parquet, csv, mapped, baseline), its timings into FOLDER/KIND.json."""
    import polars as pl

    from warehouse.contract import ENTITIES, LOAD_ORDER
    from warehouse.db import connect

    warehouse = folder / f"{kind}.duckdb"
    if kind == "baseline":
        started = time.perf_counter()
        con = connect(warehouse)
        rows = 0
        con.execute("BEGIN TRANSACTION")
        for entity in LOAD_ORDER:
            frame = pl.read_parquet(folder / "parquet" / f"{entity}.parquet")
            con.register("staging", frame.to_arrow())
            columns = ", ".join(ENTITIES[entity].column_names)
            con.execute(f"INSERT INTO {entity} ({columns}) SELECT {columns} FROM staging")
            con.unregister("staging")
            rows += frame.height
        con.execute("COMMIT")
        con.close()
        report = {"seconds": time.perf_counter() - started, "rows": rows, "phases": {}, "quarantined": 0,
                  "gx_startup": 0.0}
    else:
        from expectations.runner import warm_up
        from metrics.catalogue import load_catalogue
        from warehouse.ingest import IngestOptions, ingest_paths
        from warehouse.mapping import load_mapping

        indicators = load_catalogue().ids
        started = time.perf_counter()
        warm_up()
        gx_startup = time.perf_counter() - started
        started = time.perf_counter()
        if kind == "parquet":
            results = [ingest_paths(warehouse, [folder / "parquet"], None, indicators)]
        elif kind == "csv":
            results = [ingest_paths(warehouse, [folder / "parents"], None, indicators),
                       ingest_paths(warehouse, [folder / "csv" / "participations.csv"], None, indicators)]
        else:
            options = IngestOptions(mapping=load_mapping(folder / "participants.toml"))
            results = [ingest_paths(warehouse, [folder / "parents"], None, indicators),
                       ingest_paths(warehouse, [folder / "participants-list.csv"], None, indicators, options)]
        phases: dict[str, float] = {}
        for result in results:
            for phase, seconds in result.timings.items():
                phases[phase] = phases.get(phase, 0.0) + seconds
        report = {"seconds": time.perf_counter() - started, "gx_startup": gx_startup, "phases": phases,
                  "rows": sum(r.rows_read for r in results), "quarantined": sum(r.rows_quarantined for r in results)}
    (folder / f"{kind}.json").write_text(json.dumps(report))


def measured(kind: str, folder: Path) -> tuple[dict, float, float]:
    """The child's own report, its CPU seconds and its peak RSS (MiB)."""
    _, usage = run_child("bench.ingest", kind, str(folder))
    return json.loads((folder / f"{kind}.json").read_text()), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


KINDS = ("parquet", "csv", "mapped", "baseline")


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

    print("agora ingest, fully validated: Parquet, CSV, CSV through a mapping; baseline: Parquet inserted unvalidated")
    print(f"{'scale':>10} {'kind':>8} {'rows':>11} {'ingest s':>8} {'cpu s':>6} {'rows/s':>10} {'rows/cpu s':>10} "
          f"{'peak MiB':>8} {'GX start s':>10}")
    for scale in args.scale:
        with tempfile.TemporaryDirectory(prefix="agora-bench-ingest-") as name:
            folder = Path(name)
            write_inputs(folder, scale)
            found = {kind: measured(kind, folder) for kind in KINDS}
        for kind, (report, cpu, peak) in found.items():
            seconds = report["seconds"]
            print(f"{scale:>10,} {kind:>8} {report['rows']:>11,} {seconds:8.2f} {cpu:6.1f} "
                  f"{report['rows'] / seconds:10,.0f} {report['rows'] / cpu:10,.0f} {peak:8.0f} "
                  f"{report['gx_startup']:10.2f}")
            if report["phases"]:
                phases = ", ".join(f"{phase} {share:.2f}s" for phase, share in report["phases"].items())
                print(f"{'':>10} {kind:>8} where the time goes: {phases}; {report['quarantined']:,} rows quarantined")

        def ratio(a: str, b: str) -> str:
            (ra, ca, _), (rb, cb, _) = found[a], found[b]
            return f"{a}/{b}: time {ra['seconds'] / rb['seconds']:.2f}x, cpu {ca / cb:.2f}x"

        print(f"{'':>10} ratios: {ratio('csv', 'parquet')}; {ratio('mapped', 'csv')}; {ratio('parquet', 'baseline')}")


if __name__ == "__main__":
    main()
