"""Benchmark of `agora generate`: rows/s and peak memory as the scale grows.

    .venv/bin/python -m bench.generate --scale 10000 100000 1000000

Each generation runs in a child process of its own, so its CPU time and peak memory (ru_maxrss
from wait4) are its alone; `gen s` is the generation itself, timed inside the child (without
Python's start-up and imports), and rows/s and µs/row come from it (equal µs/row across scales =
linear). The baseline, measured in the same run at each scale, is a child that only reads the
generated files and writes them again with polars: the I/O floor, so `time x` says what
generating costs beyond writing the files.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench import run_child


def child(kind: str, scale: int, folder: Path) -> None:
    """One generation (`generate`) or one re-write of its files (`copy`), timed into FOLDER/KIND.seconds."""
    import polars as pl

    from warehouse.generate import generate

    started = time.perf_counter()
    if kind == "generate":
        generate(folder / "files", scale=scale, seed=7)
    else:
        (folder / "copy").mkdir(exist_ok=True)
        for path in sorted((folder / "files").glob("*.parquet")):
            pl.read_parquet(path).write_parquet(folder / "copy" / path.name, compression="zstd")
    (folder / f"{kind}.seconds").write_text(str(time.perf_counter() - started))


def measured(kind: str, scale: int, folder: Path) -> tuple[float, float, float]:
    """Seconds of the work itself, CPU seconds and peak RSS (MiB) of one child."""
    _, usage = run_child("bench.generate", kind, str(scale), str(folder))
    seconds = float((folder / f"{kind}.seconds").read_text())
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def rows_written(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(path).num_rows for path in (folder / "files").glob("*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="participations per run (default 10,000 100,000 1,000,000)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SCALE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, scale, folder = args.child
        child(kind, int(scale), Path(folder))
        return
    print("agora generate (parquet); baseline: polars re-reading and re-writing the same files")
    print(f"{'scale':>10} {'rows':>11} {'gen s':>6} {'cpu s':>6} {'rows/s':>10} {'µs/row':>6} {'peak MiB':>8} | "
          f"{'base s':>6} {'base MiB':>8} {'time x':>6}")
    for scale in args.scale:
        with tempfile.TemporaryDirectory(prefix="agora-bench-generate-") as name:
            folder = Path(name)
            wall, cpu, peak = measured("generate", scale, folder)
            rows = rows_written(folder)
            base_wall, _, base_peak = measured("copy", scale, folder)
        print(f"{scale:>10,} {rows:>11,} {wall:6.2f} {cpu:6.2f} {rows / wall:10,.0f} {wall / rows * 1e6:6.2f} "
              f"{peak:8.0f} | {base_wall:6.2f} {base_peak:8.0f} {wall / base_wall:6.2f}")


if __name__ == "__main__":
    main()
