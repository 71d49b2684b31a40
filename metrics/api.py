"""The indicator engine from Python, for an evaluator in a notebook.

    from metrics.api import indicator_table
    table = indicator_table("agora.duckdb", as_of=date(2026, 6, 30))   # a polars DataFrame
    table.filter(indicator_id="PAR-02", grain="quarter", breakdown="total")
    mine = indicator_table("agora.duckdb", as_of=date(2026, 6, 30), catalogue="our-indicators.toml")

The warehouse is opened read-only and nothing is stored; the numbers are those `agora build
--as-of` keeps (same engine, same catalogue, same run id for the same data, code and date).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from metrics.catalogue import Catalogue, load_catalogue
from metrics.engine import TABLE_SCHEMA, indicator_table as compute_indicator_table
from metrics.runs import data_hash, derive_run_id
from warehouse.db import connect


def indicator_table(warehouse: Path | str, as_of: date | None = None,
                    catalogue: Catalogue | Path | str | None = None) -> pl.DataFrame:
    """The indicator table of the spec for `warehouse` at build date `as_of` (default: today), for
    `catalogue` (a loaded catalogue or a catalogue file; default the shipped one).

    One row per indicator, grain, period and breakdown value; columns indicator_id, indicator_name,
    area, unit, grain, period, period_start, period_end, breakdown, breakdown_value, numerator,
    denominator, value, baseline, target, status, suppressed, as_of, run_id. Internal: no row is
    suppressed, so do not publish it as it is (`agora export --audience public` applies the
    small-cell rule).
    """
    as_of = as_of or date.today()
    if not isinstance(catalogue, Catalogue):
        catalogue = load_catalogue(catalogue)
    con = connect(warehouse, read_only=True)
    try:
        run_id = derive_run_id(data_hash(con), catalogue, as_of)
        return compute_indicator_table(con, as_of, run_id, catalogue).table.cast(TABLE_SCHEMA)
    finally:
        con.close()
