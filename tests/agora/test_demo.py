"""`agora demo --no-serve`: the first thing a new user runs, end to end on a real warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from agora.cli import main


@pytest.mark.slow
def test_demo_generates_ingests_builds_and_publishes(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--scale", "2000", "--no-serve"]) == 0
    printed = capsys.readouterr().out
    assert "Generating 2,000 demo participations" in printed
    assert "participations" in printed and "0 quarantined" in printed
    with duckdb.connect(str(tmp_path / "agora.duckdb"), read_only=True) as con:
        participations = con.sql("SELECT count(*) FROM participations").fetchall()[0][0]
        runs = con.sql("SELECT run_id, row_count FROM runs").fetchall()
    assert participations == 2000
    assert len(runs) == 1 and runs[0][1] > 0
    assert runs[0][0] in printed
    assert (tmp_path / "agora.published.duckdb").exists()
