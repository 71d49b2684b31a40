"""Benchmark of `agora import upr-info` against `agora ingest` of the same records as contract files.

    .venv/bin/python -m bench.upr_info --scale 100000

--scale is the number of export rows (the whole UPR Info database holds roughly 100,000). The
synthetic export is saved as the database saves it: Mac Roman, CR-only line endings, quoted
commas and line breaks, State names in several variants, one row in a hundred naming an unknown
State. Each command runs in a child process of its own, so its wall time and peak memory
(ru_maxrss from wait4) are its alone. The baseline ingests the records the import produced, written
as UTF-8 contract CSVs: the ratio says what decoding, name matching and mapping cost.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from bench import run_child

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
STATES = (
    ("Côte d'Ivoire", "AG"), ("Türkiye", "WEOG"), ("Turkey", "WEOG"), ("Viet Nam", "APG"),
    ("United Kingdom of Great Britain and Northern Ireland", "WEOG"), ("Bolivia (Plurinational State of)", "GRULAC"),
    ("São Tomé and Príncipe", "AG"), ("Iran (Islamic Republic of)", "APG"), ("Russian Federation", "EEG"),
    ("Republic of Korea", "APG"), ("Brazil", "GRULAC"), ("Norway", "WEOG"), ("Kenya", "AG"), ("Poland", "EEG"),
)
ISSUES = ("Women's rights", "Torture and other CID", "Freedom of expression", "Justice", "Education")


def synthetic_export(rows: int) -> bytes:
    """A UPR Info export of `rows` rows as the database saves it (Mac Roman, CR-only)."""
    lines = [HEADER]
    for i in range(rows):
        to, to_group = STATES[i % len(STATES)]
        by, by_group = ("Atlantis", "WEOG") if i % 100 == 99 else STATES[i * 7 % len(STATES)]
        text = f'"Adopt measures, within {i % 9 + 1} years, to protect\rdefenders (recommendation {i})"'
        issues = f'"{ISSUES[i % 5]}, {ISSUES[i * 3 % 5]}"'
        response = "Accepted" if i % 3 else "Noted"
        lines.append(
            f'"{to}",{to_group},,{text},"{by}",{by_group},"EU, OIF",{response},{i % 5 + 1},{issues},{i % 40 + 1}'
        )
    return ("\r".join(lines) + "\r").encode("mac_roman")


def contract_files(warehouse: Path, folder: Path) -> None:
    """The records the import loaded, as the contract CSVs `agora ingest` reads (lists `;`-joined)."""
    folder.mkdir()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for entity in ("mechanisms", "engagements", "recommendations"):
            table = con.sql(f"SELECT * FROM {entity}").pl()
            table.with_columns(
                pl.col(name).list.join(";") for name, dtype in table.schema.items() if isinstance(dtype, pl.List)
            ).write_csv(folder / f"{entity}.csv")


def child(kind: str, warehouse: Path, source: Path) -> None:
    """One load in this process: the UPR Info import (`ours`) or contract ingest of its output."""
    from metrics.catalogue import load_catalogue

    if kind == "ours":
        from warehouse.upr_info import import_upr_info

        import_upr_info(warehouse, [source], encoding=None)
        return
    from warehouse.ingest import ingest_paths

    ingest_paths(warehouse, [source], entity=None, known_indicators=load_catalogue().ids)


def measured(kind: str, warehouse: Path, source: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one load in a child process."""
    wall, usage = run_child("bench.upr_info", kind, str(warehouse), str(source))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="export rows (default 100,000)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "WAREHOUSE", "SOURCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, warehouse, source = args.child
        child(kind, Path(warehouse), Path(source))
        return
    with tempfile.TemporaryDirectory(prefix="agora-bench-upr-info-") as folder:
        export = Path(folder) / "upr-info.csv"
        export.write_bytes(synthetic_export(args.scale))
        ours = Path(folder) / "ours.duckdb"
        wall, cpu, peak = measured("ours", ours, export)
        contract = Path(folder) / "contract"
        contract_files(ours, contract)
        base_wall, base_cpu, base_peak = measured("baseline", Path(folder) / "baseline.duckdb", contract)
        with duckdb.connect(str(ours), read_only=True) as con:
            loaded, quarantined = con.sql(
                "SELECT sum(rows_loaded)::BIGINT, sum(rows_quarantined)::BIGINT FROM load_log "
                "WHERE entity = 'recommendations'"
            ).fetchall()[0]
        print(f"agora import upr-info, {args.scale:,} rows ({export.stat().st_size / 2**20:.1f} MiB, Mac Roman, "
              f"CR-only): {loaded:,} loaded, {quarantined:,} quarantined; baseline: agora ingest of the same "
              f"records as contract CSVs")
        print(f"{'':9} {'wall s':>8} {'cpu s':>7} {'rows/s':>10} {'peak MiB':>9}")
        print(f"{'import':9} {wall:8.2f} {cpu:7.2f} {args.scale / wall:10,.0f} {peak:9.0f}")
        print(f"{'baseline':9} {base_wall:8.2f} {base_cpu:7.2f} {loaded / base_wall:10,.0f} {base_peak:9.0f}")
        print(f"{'ratio':9} {wall / base_wall:8.2f} {cpu / base_cpu:7.2f} {'':10} {peak / base_peak:9.2f}")


if __name__ == "__main__":
    main()
