"""The public edition of generated datasets at several sizes and seeds passes the auditor: no
withheld number recoverable, no small cell published; the CLI auditor reads the export back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agora.core import Agora
from foundation.settings import Settings
from metrics.disclosure import in_public_edition
from metrics.disclosure_audit import audit, main as audit_main, read_public
from metrics.runs import run_table


def built(tmp_path: Path, scale: int, seed: int) -> Agora:
    agora = Agora(Settings(warehouse=tmp_path / "agora.duckdb"))
    agora.generate(tmp_path / "data", scale=scale, seed=seed)
    agora.ingest([tmp_path / "data"])
    agora.build(as_of=date(2026, 6, 30))
    return agora


@pytest.mark.slow
@pytest.mark.parametrize("scale, seed", [(800, 1), (1500, 2), (3000, 3)])
def test_public_exports_of_generated_data_pass_the_audit(tmp_path, scale, seed):
    agora = built(tmp_path, scale, seed)
    internal = run_table(agora.settings.warehouse)
    path = agora.export(tmp_path / "public.csv", fmt="csv", audience="public")
    public = read_public(path)
    report = audit(internal, public, 5)
    assert report.safe, report.summary()
    assert report.recoverable == [] and report.small_published == []
    assert 0 < report.withheld < report.rows == internal.filter(in_public_edition()).height
    # the same run exported again is byte-identical, and the CLI auditor passes the file
    again = agora.export(tmp_path / "again.csv", fmt="csv", audience="public")
    assert again.read_bytes() == path.read_bytes()
    assert audit_main([str(path), "--warehouse", str(agora.settings.warehouse)]) == 0
    # the public snapshot holds the same public table and no file name
    import duckdb

    con = duckdb.connect(str(agora.settings.public_snapshot), read_only=True)
    try:
        snapshot_public = con.sql("SELECT * FROM indicator_values").pl()
        files = con.sql("SELECT DISTINCT file FROM load_log").fetchall()
    finally:
        con.close()
    assert audit(internal, snapshot_public, 5).safe
    assert snapshot_public["suppressed"].sum() == report.withheld
    assert files == [("",)]


def test_the_auditor_catches_a_naive_public_file(tmp_path):
    """An export with the primary rule only (as Agora wrote before) fails the CLI auditor."""
    import polars as pl

    from metrics.protection import small_rows

    agora = built(tmp_path, 1500, 5)
    internal = run_table(agora.settings.warehouse)
    small = small_rows(internal, 5)
    naive = internal.with_columns(
        *[pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in ("numerator", "denominator", "value", "status")],
        suppressed=small)
    path = tmp_path / "naive.parquet"
    naive.write_parquet(path)
    assert audit_main([str(path), "--warehouse", str(agora.settings.warehouse)]) == 1
