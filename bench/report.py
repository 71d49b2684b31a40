"""Benchmark of `agora report`: time to write each format from a run built at --scale participations.

    .venv/bin/python -m bench.report --scale 1000000
    .venv/bin/python -m bench.report --warehouse built.duckdb   # a warehouse already built

The dataset is generated, ingested and built first (timed apart, not part of the report). Each
report (period 2026-Q2, public) is then written by a child process of its own, so its peak memory
(ru_maxrss from wait4) is its alone; wall time runs from reading the run to the closed file, imports
excluded. Charts are drawn in-process (no browser). The baseline, measured in the same run, is
`agora export --format csv` of the same run: reading the run and writing its numbers with no
layout, so `time x` says what the report's layout, charts and typesetting cost on top of that.
Under the table, where each report's time goes, in wall (and CPU) seconds per step: read (the run,
disclosure, loads), content (rows picked, sentences, charts drawn), html (the template), layout and
pdf (WeasyPrint typesetting and writing), docx, xlsx.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from bench import run_child

PERIOD = "2026-Q2"
AS_OF = date(2026, 6, 30)
FORMATS = ("html", "pdf", "docx", "xlsx")


def child(kind: str, warehouse: Path, out: Path) -> None:
    """One report (`html`, `pdf`, `docx`, `xlsx`) or the baseline (`export`); seconds into OUT.json.
    A report is written as `agora report` writes it, step by step so each step is timed."""
    from foundation.vocabulary import Period
    from metrics.export import export_run
    from reports.build import report_bytes, timed, write_atomically
    from reports.source import read_report_source

    started = time.perf_counter()
    steps: dict = {}
    if kind == "export":
        path = export_run(warehouse, out, "csv", "public", small_cell_threshold=5)
    else:
        with timed(steps, "read"):
            source = read_report_source(warehouse, None, "public", 5)
        write_atomically(out, report_bytes(source, Period.parse(PERIOD), kind, steps))
        path = out
    seconds = time.perf_counter() - started
    Path(f"{out}.json").write_text(json.dumps({"seconds": seconds, "bytes": path.stat().st_size, "steps": steps}))


def measured(kind: str, warehouse: Path, out: Path) -> tuple[float, float, float, int, dict]:
    """Seconds (imports excluded), CPU seconds, peak RSS (MiB), output size and step seconds of one child."""
    _, usage = run_child("bench.report", kind, str(warehouse), str(out))
    report = json.loads(Path(f"{out}.json").read_text())
    return (report["seconds"], usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, report["bytes"],
            report["steps"])


def built_warehouse(folder: Path, scale: int) -> Path:
    from foundation.settings import Settings
    from agora.core import Agora

    agora = Agora(Settings(warehouse=folder / "agora.duckdb"))
    for step, work in (("generate", lambda: agora.generate(folder / "files", scale=scale, seed=7)),
                       ("ingest", lambda: agora.ingest([folder / "files"])),
                       ("build", lambda: agora.build(as_of=AS_OF))):
        started = time.perf_counter()
        work()
        print(f"  {step:9} {time.perf_counter() - started:8.1f} s")
    return agora.settings.warehouse


def indicator_rows(warehouse: Path) -> int:
    from metrics.runs import run_table

    return run_table(warehouse).height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="participations (default 100,000)")
    parser.add_argument("--warehouse", type=Path, help="report from this built warehouse instead of building one")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "WAREHOUSE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, warehouse, out = args.child
        child(kind, Path(warehouse), Path(out))
        return
    with tempfile.TemporaryDirectory(prefix="agora-bench-report-") as folder:
        folder = Path(folder)
        if args.warehouse:
            warehouse = args.warehouse
        else:
            print(f"Building a run at {args.scale:,} participations (not part of the report's time):")
            warehouse = built_warehouse(folder, args.scale)
        rows = indicator_rows(warehouse)
        base_wall, _, base_peak, _, _ = measured("export", warehouse, folder / "baseline.csv")
        print(f"agora report --period {PERIOD} --audience public, a run of {rows:,} indicator rows; "
              f"baseline: agora export --format csv of the same run ({base_wall:.2f} s, {base_peak:.0f} MiB)")
        print(f"{'format':8} {'wall s':>8} {'cpu s':>7} {'rows/s':>10} {'peak MiB':>9} {'KiB out':>8} | "
              f"{'time x':>7} {'mem x':>6}")
        where = {}
        for fmt in FORMATS:
            wall, cpu, peak, size, where[fmt] = measured(fmt, warehouse, folder / f"report.{fmt}")
            print(f"{fmt:8} {wall:8.2f} {cpu:7.2f} {rows / wall:10,.0f} {peak:9.0f} {size / 1024:8.0f} | "
                  f"{wall / base_wall:7.2f} {peak / base_peak:6.2f}")
        print("where the time goes, wall s (cpu s) per step:")
        for fmt, steps in where.items():
            print(f"  {fmt:6} " + "  ".join(f"{step} {w:.2f} ({c:.2f})" for step, (w, c) in steps.items()))


if __name__ == "__main__":
    main()
