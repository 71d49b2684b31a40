"""Benchmark of `agora build`: the polars engine against the DuckDB SQL and pandas baselines.

    .venv/bin/python -m bench.build --scale 1000000
    .venv/bin/python -m bench.build --scale 10000000 --skip-pandas
    .venv/bin/python -m bench.build --scale 1000000 --catalogue our-indicators.toml

--scale is the number of generated participations (other entities in proportion). Each step runs
in a child process of its own, so its wall time and peak memory (ru_maxrss) are its alone:
`engine` computes the indicator table (metrics.api, read-only), `build` is the whole `agora build`
(data hash, engine, output checks, storing the run), `duckdb-sql` and `pandas` the independent
baselines (bench.baseline_sql, bench.baseline_pandas) computing the same indicators. With
--catalogue the engine and the build compute that catalogue's indicators (the baselines still compute
the shipped ones).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from functools import partial
from pathlib import Path

from bench.baseline_sql import benchmark_arguments, measure, participation_count, prepared_warehouse, \
    report_line, sql_in_child


def engine_in_child(warehouse: str, as_of: date, catalogue: Path | None = None) -> int:
    from metrics.api import indicator_table

    return indicator_table(warehouse, as_of, catalogue).height


def build_in_child(warehouse: str, as_of: date, catalogue: Path | None = None) -> int:
    from metrics.catalogue import load_catalogue
    from metrics.runs import build_run

    return build_run(warehouse, as_of, load_catalogue(catalogue)).rows


def build_steps(warehouse: str) -> str:
    """Where the time of the latest build went, step by step (as `agora build` records it)."""
    import json

    import duckdb

    con = duckdb.connect(warehouse, read_only=True)
    try:
        timings = json.loads(con.sql("SELECT timings FROM runs ORDER BY built_at DESC LIMIT 1").fetchall()[0][0])
    finally:
        con.close()
    return "\n".join(f"    {step:45} {seconds:7.2f} s" for step, seconds in timings.items())


def crossed_share(warehouse: str) -> str:
    """How many rows of the latest run are crossed cells (spec v2), and the table's size without them."""
    import duckdb

    con = duckdb.connect(warehouse, read_only=True)
    try:
        rows, crossed = con.sql("""
            SELECT count(*), count(*) FILTER (WHERE contains(breakdown, '|')) FROM indicator_values
            WHERE run_id = (SELECT run_id FROM runs ORDER BY built_at DESC LIMIT 1)""").fetchall()[0]
    finally:
        con.close()
    return (f"    {rows:,} rows, of which {crossed:,} crossed cells: {rows - crossed:,} rows without them "
            f"({rows / max(rows - crossed, 1):.1f}x)")


def pandas_in_child(warehouse: str, as_of: date) -> int:
    from bench.baseline_pandas import indicator_table_pandas, warehouse_tables

    return len(indicator_table_pandas(warehouse_tables(warehouse), as_of))


def main() -> None:
    own = argparse.ArgumentParser(add_help=False)
    own.add_argument("--skip-pandas", action="store_true", help="leave out the (slow) pandas baseline")
    own.add_argument("--catalogue", type=Path, default=None,
                     help="a catalogue file for the engine and the build (default: the shipped catalogue)")
    skip, rest = own.parse_known_args()
    sys.argv = [sys.argv[0], *rest]
    parser_arguments = benchmark_arguments("Time `agora build` against the DuckDB SQL and pandas baselines "
                                           "(--skip-pandas leaves pandas out).")
    # run by `python -m bench build` this module is __main__, which a spawned child cannot import by that
    # name: the children get the functions of the importable module
    from bench import build as importable

    warehouse = prepared_warehouse(parser_arguments.scale, parser_arguments.seed, parser_arguments.workdir)
    participations = participation_count(warehouse)
    as_of = parser_arguments.as_of
    print(f"{participations:,} participations, as of {as_of.isoformat()}")
    sql = measure(sql_in_child, warehouse, as_of)
    print(report_line("duckdb-sql", sql, participations))
    engine = measure(partial(importable.engine_in_child, catalogue=skip.catalogue), warehouse, as_of)
    print(report_line("engine", engine, participations, baseline=sql))
    build = measure(partial(importable.build_in_child, catalogue=skip.catalogue), warehouse, as_of)
    print(report_line("build", build, participations, baseline=sql))
    print(build_steps(str(warehouse)))
    print(crossed_share(str(warehouse)))
    if not skip.skip_pandas:
        pandas = measure(importable.pandas_in_child, warehouse, as_of)
        print(report_line("pandas", pandas, participations, baseline=sql))
        print(f"engine is {pandas['seconds'] / engine['seconds']:.1f}x faster than pandas")
    print(f"engine takes {engine['seconds'] / sql['seconds']:.2f}x the time of duckdb-sql")


if __name__ == "__main__":
    main()
